package io.kilosail.infra;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a verticle's meters go: the node's Micrometer registry, the one {@code /metrics} scrapes. A Vert.x started
 * without metrics (most tests) has none; then meters go to an in-memory registry of the same name, so they still
 * count and a test can read them.
 */
public final class Meters {

  private static final Map<String, MeterRegistry> FALLBACK = new ConcurrentHashMap<>();

  private Meters() {
  }

  public static MeterRegistry registry(NodeConfig node) {
    MeterRegistry registry = BackendRegistries.getNow(node.metricsRegistry());
    return registry != null ? registry : FALLBACK.computeIfAbsent(node.metricsRegistry(), n -> new SimpleMeterRegistry());
  }
}
