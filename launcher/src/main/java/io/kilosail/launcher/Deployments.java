package io.kilosail.launcher;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The node's deployments by {@link StopPhase}, so that {@link KilosailNode#stop} can undeploy them in order. */
final class Deployments {

  private static final Logger log = LoggerFactory.getLogger(Deployments.class);
  /** A phase that has not stopped by then is left to {@code vertx.close()}: a stop must end. */
  private static final long PHASE_TIMEOUT_MS = 20_000;

  private final Map<StopPhase, List<String>> byPhase = new EnumMap<>(StopPhase.class);

  synchronized Future<String> track(StopPhase phase, Future<String> deployment) {
    return deployment.onSuccess(id -> {
      synchronized (this) {
        byPhase.computeIfAbsent(phase, p -> new ArrayList<>()).add(id);
      }
    });
  }

  Future<Void> undeployInOrder(Vertx vertx) {
    Future<Void> chain = Future.succeededFuture();
    for (StopPhase phase : StopPhase.values()) {
      List<String> ids;
      synchronized (this) {
        ids = List.copyOf(byPhase.getOrDefault(phase, List.of()));
      }
      if (ids.isEmpty()) {
        continue;
      }
      chain = chain.eventually(() -> {
        long started = System.nanoTime();
        return Future.join(ids.stream().map(id -> vertx.undeploy(id)).toList())
            .timeout(PHASE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .onComplete(ar -> {
              long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
              if (ar.succeeded()) {
                log.info("stopped {} ({} verticles) in {} ms", phase, ids.size(), ms);
              } else {
                log.warn("stopping {} did not end cleanly after {} ms: {}", phase, ms, ar.cause().toString());
              }
            })
            .mapEmpty();
      });
    }
    return chain;
  }
}
