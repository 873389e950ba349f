package io.kilosail.simulators.food;

import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.Times;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.CourierSeen;
import io.kilosail.order.OrderRepository;
import io.kilosail.order.OrderTransitions;
import io.kilosail.order.Transition;
import io.kilosail.contracts.events.OrderEvents;
import io.kilosail.messaging.DurableTimerVerticle;
import io.kilosail.messaging.OutboxRelayVerticle;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.pushback.PushbackVerticle;
import io.kilosail.courier.wire.GeoPoint;
import io.kilosail.simulators.courier.CourierSimulatorVerticle;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.math.BigDecimal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static java.net.http.HttpResponse.BodyHandlers.ofString;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Status push-back end to end on the embedded servers: orders received and moved by {@link OrderRepository}, the way
 * intake, dispatch and the courier webhook move them (the push-back bookkeeping in the order's own UPDATE), the nudge
 * after the commit making {@link PushbackVerticle} push signed callbacks to the food simulator at once, which verifies
 * and records them (only a 200 records anything); acknowledgements written in batches; the claim loop retries what
 * failed.
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class PushbackTest {

  private static final String NODE = "pushback-test";
  private static final List<String> LIFE = List.of("CREATED", "DISPATCHING", "ACCEPTED", "ARRIVED_AT_SHOP",
      "PICKED_UP", "DELIVERED");

  private static Vertx vertx;
  private static Pool pool;
  private static String simulator;
  private static DeploymentOptions pusherOptions;
  private static String pusher;
  private static final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, InfraSettings.fromJson(infra.config()).mysql());
    JsonObject platforms = new JsonObject();
    JsonObject simPlatforms = new JsonObject();
    for (String p : List.of("meituan", "eleme", "jd")) {
      platforms.put(p, new JsonObject().put("secret", "pushback-test-" + p + "-secret"));
      simPlatforms.put(p, new JsonObject().put("secret", "pushback-test-" + p + "-secret"));
    }
    CourierSimulatorVerticle sim = new CourierSimulatorVerticle();
    await(vertx.deployVerticle(sim, new DeploymentOptions().setConfig(new JsonObject()
        .put("host", "127.0.0.1").put("port", 0).put("randomSeed", 7)
        .put("food", new JsonObject().put("platforms", simPlatforms)))));
    simulator = "http://127.0.0.1:" + sim.actualPort();
    for (String p : List.of("meituan", "eleme", "jd")) {
      platforms.getJsonObject(p).put("callbackUrl", simulator + "/food/" + p + "/callbacks");
    }

    JsonObject config = infra.config()
        .put("node", new JsonObject().put("id", NODE).put("metricsRegistry", NODE))
        .put("platforms", platforms)
        .put("pushback", new JsonObject().put("pollIntervalMs", 50).put("initialBackoffMs", 100)
            .put("maxBackoffMs", 400).put("metricsIntervalMs", 100).put("httpTimeoutMs", 2_000).put("leaseMs", 5_000));
    DeploymentOptions options = new DeploymentOptions().setConfig(config);
    await(vertx.deployVerticle(new OutboxRelayVerticle(), options));
    await(vertx.deployVerticle(new DurableTimerVerticle(), options));
    pusherOptions = options;
    pusher = await(vertx.deployVerticle(new PushbackVerticle(), pusherOptions));
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  @AfterEach
  void up() throws Exception {
    down(0);
  }

  @Test
  void eachStateReachesThePlatformInOrderOnceAcknowledged() throws Exception {
    Order order = Order.create();
    for (int i = 0; i < LIFE.size(); i++) {
      if (i > 0) {
        order.move(LIFE.get(i));
      }
      int expected = i + 1;
      eventually(Duration.ofSeconds(30), () -> callbacksOrEmpty(order).size() >= expected,
          "callback " + expected + " (" + LIFE.get(i) + ")");
    }
    Thread.sleep(500); // nothing more may come: every state was acknowledged once
    JsonArray received = callbacks(order);
    assertThat(states(received)).containsExactlyElementsOf(LIFE);
    for (int i = 0; i < received.size(); i++) {
      JsonObject cb = received.getJsonObject(i);
      assertThat(cb.getInteger("version")).isEqualTo(i);
      assertThat(cb.getString("orderId")).isEqualTo(order.id);
      assertThat(cb.getString("occurredAt")).endsWith("Z");
      if (i >= LIFE.indexOf("ACCEPTED")) {
        assertThat(cb.getJsonObject("courier").getString("platform")).isEqualTo("uu");
        assertThat(cb.getJsonObject("courier").getString("name")).isEqualTo("Wang Wu");
        // The rider's position goes with the state from the first callback that carried one (PICKED_UP) on.
        JsonObject rider = cb.getJsonObject("courier").getJsonObject("rider");
        if (i >= LIFE.indexOf("PICKED_UP")) {
          assertThat(rider).as(cb.encode()).isNotNull();
          assertThat(rider.getDouble("lat")).isEqualTo(31.235012);
          assertThat(rider.getDouble("lng")).isEqualTo(121.486205);
          assertThat(rider.getString("at")).endsWith("Z");
        } else {
          assertThat(rider).as(cb.encode()).isNull();
        }
      } else {
        assertThat(cb.getValue("courier")).isNull();
      }
    }
    Row row = pushbackRow(order.id);
    assertThat(row.getInteger("acked_version")).isEqualTo(LIFE.size() - 1);
    assertThat(row.getLocalDateTime("next_attempt_at")).isNull();
  }

  @Test
  void platformDownWhileTheOrderMovesOnThenUpGetsTheNewestStateNeverAnOlderOneAfter() throws Exception {
    double failedBefore = failedPushes();
    down(60_000);
    Order order = Order.create();
    eventually(Duration.ofSeconds(30), () -> pushbackRow(order.id).getInteger("attempts") >= 1,
        "a first failed push");
    for (int i = 1; i < LIFE.size(); i++) {
      order.move(LIFE.get(i));
      Thread.sleep(150);
    }
    eventually(Duration.ofSeconds(30), () -> pushbackRow(order.id).getInteger("version") == LIFE.size() - 1,
        "the push-back row at the newest version");
    assertThat(callbacksOrEmpty(order)).isEmpty();
    assertThat(failedPushes()).isGreaterThan(failedBefore);

    down(0);
    eventually(Duration.ofSeconds(30), () -> {
      JsonArray got = callbacksOrEmpty(order);
      return !got.isEmpty() && "DELIVERED".equals(got.getJsonObject(got.size() - 1).getString("state"));
    }, "the newest state at the platform");
    JsonArray received = callbacks(order);
    assertStrictlyIncreasing(received);
    assertThat(received.getJsonObject(received.size() - 1).getInteger("version")).isEqualTo(LIFE.size() - 1);
    eventually(Duration.ofSeconds(30), () -> backlog() == 0, "the push-back backlog to drain");
  }

  @Test
  void pendingStatesSurviveARestartOfThePusher() throws Exception {
    down(60_000);
    Order order = Order.create();
    order.move("DISPATCHING");
    order.move("ACCEPTED");
    eventually(Duration.ofSeconds(30), () -> {
      Row row = pushbackRow(order.id);
      return row.getInteger("version") == 2 && row.getInteger("attempts") >= 1;
    }, "version 2 queued and failing");

    await(vertx.undeploy(pusher));
    order.move("ARRIVED_AT_SHOP");
    order.move("PICKED_UP");
    order.move("DELIVERED");
    Thread.sleep(300);
    // The writers mark the row whether a pusher runs or not; nobody sends it while the pusher is down.
    assertThat(pushbackRow(order.id).getInteger("version")).as("marked by the order's own transactions").isEqualTo(5);
    assertThat(callbacksOrEmpty(order)).isEmpty();

    pusher = await(vertx.deployVerticle(new PushbackVerticle(), pusherOptions));
    down(0);
    eventually(Duration.ofSeconds(60), () -> {
      JsonArray got = callbacksOrEmpty(order);
      return !got.isEmpty() && "DELIVERED".equals(got.getJsonObject(got.size() - 1).getString("state"));
    }, "the newest state at the platform after the restart");
    JsonArray received = callbacks(order);
    assertStrictlyIncreasing(received);
    assertThat(received.getJsonObject(received.size() - 1).getInteger("version")).isEqualTo(5);
    eventually(Duration.ofSeconds(30), () -> pushbackRow(order.id).getInteger("acked_version") == 5, "acked");
  }

  // ---------------------------------------------------------------- orders, written like the real writers do

  private record Order(String id, String platformOrderId) {

    static Order create() throws Exception {
      Order order = new Order(UUID.randomUUID().toString(), "MT-PB-" + UUID.randomUUID().toString().substring(0, 8));
      Instant now = Instant.now();
      DeliveryOrder row = new DeliveryOrder(order.id, "meituan", order.platformOrderId, DeliveryOrder.State.CREATED,
          "310100", new DeliveryOrder.Shop("shop-1", "Noodles"),
          new DeliveryOrder.Place("Noodles", "021-1", "Rd 1", new BigDecimal("31.2304"), new BigDecimal("121.4737")),
          new DeliveryOrder.Place("Li Lei", "138-1", "Ave 1", new BigDecimal("31.2397"), new BigDecimal("121.4998")),
          1200, 850, null, null, null, null, now, now.plusSeconds(2700), now, now);
      // What intake's receive writes, without the delivery saga it starts with the order.
      await(pool.withTransaction(conn -> OrderRepository.inserted(conn, row)));
      return order;
    }

    /** Moves the order like dispatch or the courier webhook: through its repository, in one transaction. */
    void move(String state) throws Exception {
      Instant now = Instant.now();
      CourierSeen uu = "PICKED_UP".equals(state)
          ? new CourierSeen("uu", "uu-" + id, "Wang Wu", "139-2", new GeoPoint(31.235012, 121.486205), now)
          : new CourierSeen("uu", "uu-" + id, "Wang Wu", "139-2");
      // A courier's move as the webhook's rules decide it: the first state claims the order.
      Transition move = "DISPATCHING".equals(state)
          ? OrderTransitions.dispatching(DeliveryOrder.State.CREATED, now)
          : new Transition(Transition.Move.COURIER_MOVED, DeliveryOrder.State.valueOf(state), now, null, true, uu,
              "ACCEPTED".equals(state), OrderEvents.COURIER_STATE_CHANGED, Transition.Booking.NONE);
      await(pool.withTransaction(conn -> OrderRepository.apply(conn, id, move, now)));
    }
  }

  // ---------------------------------------------------------------- helpers

  private static Row pushbackRow(String orderId) throws Exception {
    var rows = await(pool.preparedQuery("SELECT version, push_acked_version AS acked_version,"
        + " push_attempts AS attempts, push_due_at AS next_attempt_at FROM delivery_order WHERE id = ?")
        .execute(Tuple.of(orderId)));
    if (rows.size() == 0) {
      // Not there yet: a row that satisfies no condition.
      return await(pool.query("SELECT -1 AS version, -1 AS acked_version, 0 AS attempts, NULL AS next_attempt_at")
          .execute()).iterator().next();
    }
    return rows.iterator().next();
  }

  private static JsonArray callbacks(Order order) throws Exception {
    HttpResponse<String> answer = get(simulator + "/_control/food/orders/meituan/" + order.platformOrderId);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new JsonObject(answer.body()).getJsonArray("callbacks");
  }

  private static JsonArray callbacksOrEmpty(Order order) throws Exception {
    HttpResponse<String> answer = get(simulator + "/_control/food/orders/meituan/" + order.platformOrderId);
    return answer.statusCode() == 404 ? new JsonArray() : new JsonObject(answer.body()).getJsonArray("callbacks");
  }

  private static List<String> states(JsonArray callbacks) {
    List<String> states = new ArrayList<>();
    callbacks.forEach(cb -> states.add(((JsonObject) cb).getString("state")));
    return states;
  }

  private static void assertStrictlyIncreasing(JsonArray received) {
    for (int i = 1; i < received.size(); i++) {
      assertThat(received.getJsonObject(i).getInteger("version")).as("versions in arrival order: " + received.encode())
          .isGreaterThan(received.getJsonObject(i - 1).getInteger("version"));
    }
  }

  private static double backlog() {
    Gauge gauge = Meters.registry(NodeConfig.fromJson(pusherOptions.getConfig())).find("kilosail.pushback.backlog")
        .gauge();
    return gauge == null ? -1 : gauge.value();
  }

  private static double failedPushes() {
    return Meters.registry(NodeConfig.fromJson(pusherOptions.getConfig())).find("kilosail.pushback.pushes")
        .tag("outcome", "failed").counters().stream().mapToDouble(Counter::count).sum();
  }

  private static void down(long forMs) throws Exception {
    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(simulator + "/_control/food/down"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"forMs\":" + forMs + "}")).build(), ofString());
    assertThat(answer.statusCode()).as(answer.body()).isBetween(200, 299);
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), ofString());
  }

  @FunctionalInterface
  private interface Check {
    boolean ok() throws Exception;
  }

  private static void eventually(Duration within, Check check, String what) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
