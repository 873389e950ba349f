package io.kilosail.launcher.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One dashboard browser as the bridge sees it: a raw SockJS websocket on {@code /eventbus/websocket} listening to
 * every {@code dashboard.*} topic the page listens to. Counts what the bridge sends it (per second, per topic) and how
 * old each update is on arrival (its {@code at} to now, same clock), so a benchmark can show the bridge's rate stays
 * bounded while orders flow.
 */
final class BridgeListener {

  static final List<String> TOPICS = List.of("dashboard.throughput", "dashboard.orders", "dashboard.couriers",
      "dashboard.quotes", "dashboard.sagas", "dashboard.messaging");

  private final AtomicLong received = new AtomicLong();
  private final Map<String, AtomicLong> byTopic = new ConcurrentHashMap<>();
  /** Messages received in each wall-clock second (epoch second → count). */
  private final Map<Long, AtomicLong> perSecond = new ConcurrentHashMap<>();
  /** Age of an update on arrival, in ms. */
  final Histogram ageMs = new Histogram(60_000, 3);

  private BridgeListener() {
  }

  static Future<BridgeListener> connect(Vertx vertx, int httpPort) {
    BridgeListener listener = new BridgeListener();
    return vertx.createWebSocketClient().connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(httpPort)
            .setURI("/eventbus/websocket"))
        .map(socket -> {
          socket.handler(data -> listener.received(new JsonObject(data)));
          TOPICS.forEach(topic -> socket.writeTextMessage(new JsonObject().put("type", "register")
              .put("address", topic).encode()));
          // The SockJS bridge closes a socket that stays silent (no ping within 10 s by default).
          vertx.setPeriodic(5_000, id -> ping(socket));
          return listener;
        });
  }

  private static void ping(WebSocket socket) {
    if (!socket.isClosed()) {
      socket.writeTextMessage("{\"type\":\"ping\"}");
    }
  }

  private void received(JsonObject frame) {
    String address = frame.getString("address");
    if (address == null) {
      return;
    }
    received.incrementAndGet();
    byTopic.computeIfAbsent(address, a -> new AtomicLong()).incrementAndGet();
    Instant now = Instant.now();
    perSecond.computeIfAbsent(now.getEpochSecond(), s -> new AtomicLong()).incrementAndGet();
    JsonObject body = frame.getJsonObject("body");
    String at = body == null ? null : body.getString("at");
    if (at != null) {
      synchronized (ageMs) {
        ageMs.recordValue(Math.max(0, Math.min(60_000, now.toEpochMilli() - Instant.parse(at).toEpochMilli())));
      }
    }
  }

  long received() {
    return received.get();
  }

  /** The busiest whole second between two epoch seconds (inclusive, exclusive). */
  long maxPerSecond(long fromEpochSecond, long toEpochSecond) {
    long max = 0;
    for (long s = fromEpochSecond; s < toEpochSecond; s++) {
      AtomicLong count = perSecond.get(s);
      max = Math.max(max, count == null ? 0 : count.get());
    }
    return max;
  }

  Map<String, Long> byTopic() {
    Map<String, Long> copy = new TreeMap<>();
    byTopic.forEach((topic, count) -> copy.put(topic, count.get()));
    return copy;
  }
}
