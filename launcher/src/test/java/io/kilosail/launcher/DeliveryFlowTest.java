package io.kilosail.launcher;

import io.kilosail.embedded.FreePort;
import io.kilosail.intake.PlatformSignature;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.kilosail.launcher.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Orders pushed by a food platform, delivered end to end: one node with every role, on the real servers, with the
 * courier simulator calling back its webhooks. Each city is set up for one strategy (see {@link #CONF}); the courier
 * platforms' prices, ETAs and behaviour are set per test through the simulator's control endpoints.
 */
@ExtendWith(KilosailInfraExtension.class)
class DeliveryFlowTest {

  private static final String SECRET = "dev-only-meituan-secret-change-me";
  private static final List<String> PLATFORMS = List.of("uu", "shansong", "sf", "fengniao");
  private static final JsonObject CONF = new JsonObject()
      .put("dispatch", new JsonObject()
          .put("defaultStrategy", "SEQUENTIAL")
          .put("priority", new JsonArray(PLATFORMS))
          .put("acceptanceTimeoutMs", 1500)
          .put("courierWaitMs", 20_000)
          .put("deliveryWaitMs", 20_000)
          .put("rules", new JsonArray()
              .add(new JsonObject().put("cities", new JsonArray().add("beijing")).put("strategy", "FASTEST"))
              .add(new JsonObject().put("cities", new JsonArray().add("shenzhen")).put("strategy", "CHEAPEST"))
              .add(new JsonObject().put("cities", new JsonArray().add("hangzhou")).put("strategy", "SIMULTANEOUS"))))
      .put("quoting", new JsonObject()
          .put("callTimeoutMs", 1000)
          .put("cacheTtlSeconds", 1)
          .put("rulesFile", "does-not-exist.json")
          .put("rules", new JsonObject().put("timeZone", "Asia/Shanghai").put("rules", new JsonArray()
              .add(new JsonObject().put("name", "everywhere").put("couriers", new JsonArray(PLATFORMS))))))
      .put("relay", new JsonObject().put("idlePollMs", 20));

  private static final HttpClient http = HttpClient.newHttpClient();
  private static Vertx bootstrap;
  private static KilosailNode node;
  private static int simulatorPort;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    bootstrap = Vertx.vertx();
    Path conf = Files.createTempFile("delivery-flow", ".json");
    Files.writeString(conf, CONF.encodePrettily());
    simulatorPort = FreePort.pick();
    node = TestNodes.start(bootstrap, infra.settings(), conf.toString(), new JsonObject()
        .put("kilosail.simulators.enabled", "true")
        .put("kilosail.simulators.courierPort", String.valueOf(simulatorPort)));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      await(node.stop());
    }
  }

  // ------------------------------------------------------------ strategies

  @Test
  void eachStrategyDeliversAnOrderEndToEndWithTheCourierItPicks() throws Exception {
    behave("uu", new JsonObject().put("priceFen", 900).put("etaSeconds", 1800));
    behave("shansong", new JsonObject().put("priceFen", 800).put("etaSeconds", 1500));
    behave("sf", new JsonObject().put("priceFen", 1200).put("etaSeconds", 600));
    behave("fengniao", new JsonObject().put("priceFen", 1000).put("etaSeconds", 1200));

    String sequential = push("shanghai");
    String fastest = push("beijing");
    String cheapest = push("shenzhen");

    assertDeliveredBy(sequential, "uu", 900);
    assertDeliveredBy(fastest, "sf", 1200);
    assertDeliveredBy(cheapest, "shansong", 800);
    JsonObject order = order(sequential);
    assertThat(states(order)).containsExactly("CREATED", "DISPATCHING", "ACCEPTED", "ARRIVED_AT_SHOP", "PICKED_UP",
        "DELIVERED");
    assertThat(saga(sequential).getString("state")).isEqualTo("COMPLETED");
    assertFoodPlatformToldDelivered(order);
  }

  /** The push-back told the food simulator: the newest state last, versions only growing (docs/pushback.md). */
  private static void assertFoodPlatformToldDelivered(JsonObject order) throws Exception {
    URI uri = simulator("/_control/food/orders/meituan/" + order.getString("platformOrderId"));
    long deadline = System.currentTimeMillis() + 30_000;
    JsonArray callbacks = new JsonArray();
    while (System.currentTimeMillis() < deadline) {
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(uri).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      callbacks = answer.statusCode() == 200 ? new JsonObject(answer.body()).getJsonArray("callbacks") : new JsonArray();
      if (!callbacks.isEmpty() && "DELIVERED".equals(callbacks.getJsonObject(callbacks.size() - 1).getString("state"))) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(callbacks).as("food platform callbacks").isNotEmpty();
    assertThat(callbacks.getJsonObject(callbacks.size() - 1).getString("state")).as(callbacks.encode())
        .isEqualTo("DELIVERED");
    for (int i = 1; i < callbacks.size(); i++) {
      assertThat(callbacks.getJsonObject(i).getInteger("version")).as(callbacks.encode())
          .isGreaterThan(callbacks.getJsonObject(i - 1).getInteger("version"));
    }
  }

  @Test
  void simultaneousOffersLeaveExactlyOneHolderAndCancelTheOthersAtTheirPlatforms() throws Exception {
    for (String platform : PLATFORMS) {
      // Every courier accepts at the same moment.
      behave(platform, new JsonObject().put("priceFen", 1000).put("acceptDelayMs", 300));
    }
    String orderId = push("hangzhou");

    JsonObject order = awaitState(orderId, "DELIVERED");
    String holder = order.getJsonObject("courier").getString("platform");
    assertThat(states(order)).containsOnlyOnce("ACCEPTED");
    for (String platform : PLATFORMS) {
      if (platform.equals(holder)) {
        continue;
      }
      String platformOrderId = placement(orderId, platform);
      awaitSimulatorEvent(platform, platformOrderId, "CANCELLED_BY_MERCHANT");
    }
  }

  // ------------------------------------------------------------ the next candidate

  @Test
  void aCourierThatTimesOutOrGivesUpIsFollowedByTheNextCandidate() throws Exception {
    // UU's courier accepts and gives the order up (UU reports that, status 2); Shansong finds nobody within the 1.5 s
    // acceptance timeout; SF delivers.
    behave("uu", new JsonObject().put("acceptDelayMs", 200).put("giveUpProbability", 1.0));
    behave("shansong", new JsonObject().put("acceptDelayMs", 10_000));
    behave("sf", new JsonObject().put("acceptDelayMs", 200));
    try {
      String orderId = push("shanghai");
      assertDeliveredBy(orderId, "sf", null);
      JsonObject order = order(orderId);
      // DISPATCHING when first offered, and again when UU's courier gave up.
      assertThat(states(order).stream().filter("DISPATCHING"::equals)).hasSize(2);
      awaitSimulatorEvent("uu", placement(orderId, "uu"), "CANCELLED_BY_MERCHANT");
      awaitSimulatorEvent("shansong", placement(orderId, "shansong"), "CANCELLED_BY_MERCHANT");
    } finally {
      behave("uu", new JsonObject().put("giveUpProbability", 0.0));
      behave("shansong", new JsonObject().put("acceptDelayMs", 200));
    }
  }

  @Test
  void aPlatformThatIsDownIsSkippedAndTheOrderStillDelivered() throws Exception {
    down("uu", 60_000);
    try {
      String orderId = push("shanghai");
      JsonObject order = awaitState(orderId, "DELIVERED");
      assertThat(order.getJsonObject("courier").getString("platform")).isNotEqualTo("uu");
    } finally {
      down("uu", 0);
    }
  }

  @Test
  void anOrderNoCourierTakesIsCancelledAndItsSagaCompensated() throws Exception {
    for (String platform : PLATFORMS) {
      behave(platform, new JsonObject().put("noCourierProbability", 1.0));
    }
    try {
      String orderId = push("shanghai");
      JsonObject order = awaitState(orderId, "CANCELLED");
      assertThat(order.getValue("courier")).isNull();
      assertThat(states(order)).endsWith("CANCELLED");
      JsonObject saga = awaitSaga(orderId, "COMPENSATED");
      assertThat(saga.getString("lastError")).contains("delivery.no-courier");
    } finally {
      for (String platform : PLATFORMS) {
        behave(platform, new JsonObject().put("noCourierProbability", 0.0));
      }
    }
  }

  // ------------------------------------------------------------ helpers

  /** Pushes one signed order from meituan and answers kilosail's order id. */
  private static String push(String city) throws Exception {
    Instant now = Instant.now();
    String body = new JsonObject()
        .put("platformOrderId", "MT-" + UUID.randomUUID())
        .put("city", city)
        .put("shop", new JsonObject().put("id", "shop-1").put("name", "Lanzhou Noodles"))
        .put("pickup", new JsonObject().put("name", "Lanzhou Noodles").put("phone", "021-5555-0101")
            .put("address", "88 Nanjing West Rd").put("lat", 31.2304).put("lng", 121.4737))
        .put("dropoff", new JsonObject().put("name", "Li Lei").put("phone", "138-0000-0001")
            .put("address", "1 Century Ave").put("lat", 31.2397).put("lng", 121.4998))
        .put("weightGrams", 1200)
        .put("deliveryFeeFen", 850)
        .put("placedAt", now.toString())
        .put("expectedDeliveryAt", now.plusSeconds(2700).toString())
        .encode();
    String ts = String.valueOf(now.getEpochSecond());
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(api("/v1/orders"))
        .header("Content-Type", "application/json")
        .header("X-Kilosail-Platform", "meituan")
        .header("X-Kilosail-Timestamp", ts)
        .header("X-Kilosail-Signature", PlatformSignature.sign(SECRET, ts, body.getBytes(StandardCharsets.UTF_8)))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    return new JsonObject(answer.body()).getString("orderId");
  }

  private static void assertDeliveredBy(String orderId, String platform, Integer feeFen) throws Exception {
    JsonObject order = awaitState(orderId, "DELIVERED");
    assertThat(order.getJsonObject("courier").getString("platform")).as(order.encodePrettily()).isEqualTo(platform);
    if (feeFen != null) {
      assertThat(order.getLong("courierFeeFen")).isEqualTo(feeFen.longValue());
    }
  }

  private static JsonObject awaitState(String orderId, String state) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonObject order = order(orderId);
    while (!state.equals(order.getString("state")) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      order = order(orderId);
    }
    assertThat(order.getString("state")).as(order.encodePrettily()).isEqualTo(state);
    return order;
  }

  private static JsonObject order(String orderId) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(api("/v1/orders/" + orderId)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new JsonObject(answer.body());
  }

  private static List<String> states(JsonObject order) {
    List<String> states = new ArrayList<>();
    order.getJsonArray("timeline").forEach(e -> states.add(((JsonObject) e).getString("state")));
    return states;
  }

  private static JsonObject saga(String orderId) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(api("/v1/admin/sagas?businessKey=" + orderId))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonArray sagas = new JsonArray(answer.body());
    assertThat(sagas).hasSize(1);
    return sagas.getJsonObject(0);
  }

  private static JsonObject awaitSaga(String orderId, String state) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonObject saga = saga(orderId);
    while (!state.equals(saga.getString("state")) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      saga = saga(orderId);
    }
    assertThat(saga.getString("state")).as(saga.encodePrettily()).isEqualTo(state);
    return saga;
  }

  /** The platform's order id for our order, as the simulated platform knows it. */
  private static String placement(String orderId, String platform) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(simulator("/_control/" + platform
          + "/orders?orderId=" + orderId)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      JsonArray orders = new JsonArray(answer.body());
      if (!orders.isEmpty()) {
        assertThat(orders).as("orders placed with " + platform).hasSize(1);
        return orders.getJsonObject(0).getString("platformOrderId");
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(platform + " never got order " + orderId);
      }
      Thread.sleep(100);
    }
  }

  private static void awaitSimulatorEvent(String platform, String platformOrderId, String event) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    JsonObject order;
    do {
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(simulator("/_control/" + platform + "/orders/"
          + platformOrderId)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      order = new JsonObject(answer.body());
      if (event.equals(order.getString("lastEvent"))) {
        return;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError(platform + " order " + platformOrderId + " never reached " + event + ": " + order);
  }

  private static void behave(String platform, JsonObject behaviour) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(simulator("/_control/" + platform))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(behaviour.encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  private static void down(String platform, long forMs) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(simulator("/_control/" + platform + "/down"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("forMs", forMs).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isIn(200, 204);
  }

  private static URI api(String path) {
    return URI.create("http://127.0.0.1:" + node.httpPort() + path);
  }

  private static URI simulator(String path) {
    return URI.create("http://127.0.0.1:" + simulatorPort + path);
  }
}
