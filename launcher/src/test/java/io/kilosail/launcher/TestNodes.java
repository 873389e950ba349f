package io.kilosail.launcher;

import io.kilosail.platform.settings.InfraSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;

/** In-process nodes on given (external) servers, through the same settings loader and start-up as {@code main}. */
final class TestNodes {

  private TestNodes() {
  }

  static KilosailNode start(Vertx bootstrap, InfraSettings infra, JsonObject overrides) throws Exception {
    return start(bootstrap, infra, null, overrides);
  }

  /** @param confFile a JSON file layered over conf/default.json, like {@code --conf} (null: none) */
  static KilosailNode start(Vertx bootstrap, InfraSettings infra, String confFile, JsonObject overrides)
      throws Exception {
    JsonObject flat = new JsonObject()
        .put("kilosail.infra.mode", "external")
        .put("kilosail.mysql.url", infra.mysql().url())
        .put("kilosail.kafka.bootstrapServers", infra.kafkaBootstrapServers())
        .put("kilosail.redis.url", infra.redisUrl())
        .put("kilosail.http.port", "0")
        .put("kilosail.webhooks.port", "0")
        .mergeIn(overrides);
    return await(SettingsLoader.load(bootstrap, confFile, flat).compose(s -> KilosailNode.start(bootstrap, s)));
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }
}
