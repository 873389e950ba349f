package io.kilosail.ingress;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;

import java.util.List;
import java.util.function.Supplier;

/**
 * The readiness of a node: can it reach MySQL, Kafka and Redis right now. Each check is named, has its own timeout,
 * and reports its latency or its error, so an operator sees which server is the problem.
 */
public final class ReadinessChecks {

  static final long CHECK_TIMEOUT_MS = 3_000;

  private ReadinessChecks() {
  }

  public static HealthChecks create(Vertx vertx, Pool mysql, KafkaAdminClient kafka, RedisAPI redis) {
    return HealthChecks.create(vertx)
        .register("mysql", CHECK_TIMEOUT_MS, timed(() -> mysql.query("SELECT 1").execute()))
        .register("kafka", CHECK_TIMEOUT_MS, timed(() -> kafka.describeCluster()
            .map(cluster -> new JsonObject().put("brokers", cluster.getNodes().size())
                .put("clusterId", cluster.getClusterId()))))
        .register("redis", CHECK_TIMEOUT_MS, timed(() -> redis.ping(List.of())));
  }

  private static io.vertx.core.Handler<Promise<Status>> timed(Supplier<Future<?>> probe) {
    return promise -> {
      long started = System.nanoTime();
      probe.get().onComplete(result -> {
        long latencyMs = (System.nanoTime() - started) / 1_000_000;
        if (result.succeeded()) {
          JsonObject data = new JsonObject().put("latencyMs", latencyMs);
          if (result.result() instanceof JsonObject details) {
            data.mergeIn(details);
          }
          promise.tryComplete(Status.OK(data));
        } else {
          promise.tryComplete(Status.KO(new JsonObject()
              .put("latencyMs", latencyMs)
              .put("error", String.valueOf(result.cause().getMessage()))));
        }
      });
    };
  }
}
