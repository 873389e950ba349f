package io.kilosail.launcher;

import io.kilosail.platform.settings.InfraSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
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

  /**
   * A raw websocket on the node's event bus bridge, as the dashboard opens it. A handshake is tried up to three times:
   * on a loaded machine a node a fraction of a second old has been seen to close one mid-handshake, and a browser's
   * SockJS client reconnects too.
   */
  static WebSocket openBridge(Vertx client, int httpPort) throws Exception {
    Exception last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        return await(client.createWebSocketClient().connect(new WebSocketConnectOptions().setHost("127.0.0.1")
            .setPort(httpPort).setURI("/eventbus/websocket")));
      } catch (Exception e) {
        last = e;
        Thread.sleep(200L * attempt);
      }
    }
    throw last;
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }
}
