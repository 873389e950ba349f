package io.kilosail.launcher;

import io.kilosail.access.Role;
import io.kilosail.admin.AdminTokens;
import io.kilosail.embedded.FreePort;
import io.kilosail.intake.PlatformSignature;
import io.kilosail.platform.settings.InfraSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

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
 * One node with every role on the test servers, with the simulators, driven over HTTP the way a food platform, an
 * operator and the simulated couriers would: push and cancel orders, read them back, steer the couriers.
 */
final class LiveNode implements AutoCloseable {

  static final String SECRET = "dev-only-meituan-secret-change-me";
  static final List<String> PLATFORMS = List.of("uu", "shansong", "sf", "fengniao");

  // HTTP/1.1: the JDK client would otherwise upgrade to h2c and multiplex a burst of requests over one connection,
  // where the server's stream limit (100) refuses the rest; a browser or a load balancer opens connections instead.
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final KilosailNode node;
  private final int simulatorPort;
  private final String operatorToken;

  private LiveNode(KilosailNode node, int simulatorPort) {
    this.node = node;
    this.simulatorPort = simulatorPort;
    this.operatorToken = AdminTokens.fromJson(node.vertx(), node.settings().verticleSections())
        .issue("test-operator", Duration.ofHours(2), Role.values());
  }

  /**
   * An operator's token with every role (the dev keys of conf/default.json), sent with every call to the admin API
   * and every read of orders and money.
   */
  String operatorToken() {
    return operatorToken;
  }

  /** @param conf layered over conf/default.json like {@code --conf} */
  static LiveNode start(InfraSettings infra, JsonObject conf) throws Exception {
    Path file = Files.createTempFile("live-node", ".json");
    Files.writeString(file, conf.encodePrettily());
    int simulatorPort = FreePort.pick();
    KilosailNode node = TestNodes.start(Vertx.vertx(), infra, file.toString(), new JsonObject()
        .put("kilosail.simulators.enabled", "true")
        .put("kilosail.simulators.courierPort", String.valueOf(simulatorPort)));
    return new LiveNode(node, simulatorPort);
  }

  @Override
  public void close() throws Exception {
    await(node.stop());
  }

  /** The HTTP/1.1 client the node is driven with, for requests built by hand. */
  HttpClient http() {
    return http;
  }

  KilosailNode node() {
    return node;
  }

  /** Signs {@code body} as meituan and POSTs it. */
  HttpResponse<String> signedPost(String path, String body) throws Exception {
    String ts = String.valueOf(Instant.now().getEpochSecond());
    return http.send(HttpRequest.newBuilder(api(path))
        .header("Content-Type", "application/json")
        .header("X-Kilosail-Platform", "meituan")
        .header("X-Kilosail-Timestamp", ts)
        .header("X-Kilosail-Signature", PlatformSignature.sign(SECRET, ts, body.getBytes(StandardCharsets.UTF_8)))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** meituan cancels the order. */
  HttpResponse<String> cancel(String orderId, String reason) throws Exception {
    return signedPost("/v1/orders/" + orderId + "/cancel", new JsonObject().put("reason", reason).encode());
  }

  /**
   * The order's ledger once it holds these penalties (the courier's is recorded when its platform answers our cancel,
   * a moment after the order is cancelled); fails when it does not within 10 s.
   */
  JsonObject awaitLedger(String orderId, long platformPenaltyFen, long courierPenaltyFen) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    JsonObject ledger;
    do {
      HttpResponse<String> answer = send("GET", api("/v1/orders/" + orderId + "/ledger"), null);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      ledger = new JsonObject(answer.body());
      // No delivery on a cancelled order: what it receives is the food platform's penalty, what it pays the courier's.
      if (ledger.getLong("receivableFen") == platformPenaltyFen && ledger.getLong("payableFen") == courierPenaltyFen) {
        return ledger;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    assertThat(ledger.getLong("receivableFen")).as("food platform penalty in " + ledger.encodePrettily())
        .isEqualTo(platformPenaltyFen);
    assertThat(ledger.getLong("payableFen")).as("courier penalty in " + ledger.encodePrettily())
        .isEqualTo(courierPenaltyFen);
    return ledger;
  }

  /** The order's ledger as {@code GET /v1/orders/{id}/ledger} shows it. */
  JsonObject ledger(String orderId) throws Exception {
    HttpResponse<String> answer = send("GET", api("/v1/orders/" + orderId + "/ledger"), null);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new JsonObject(answer.body());
  }

  /** What meituan was told about its order, once the last callback says {@code state}; fails after 30 s. */
  JsonArray awaitFoodPlatformTold(String platformOrderId, String state) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonArray callbacks = new JsonArray();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(simulator("/_control/food/orders/meituan/"
          + platformOrderId)).build(), HttpResponse.BodyHandlers.ofString());
      callbacks = answer.statusCode() == 200 ? new JsonObject(answer.body()).getJsonArray("callbacks") : new JsonArray();
      if (!callbacks.isEmpty() && state.equals(callbacks.getJsonObject(callbacks.size() - 1).getString("state"))) {
        return callbacks;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("meituan was never told " + state + " for " + platformOrderId + ": " + callbacks);
  }

  /** Makes {@code event} happen now at the platform holding the simulated order, with its callback. */
  void courierEvent(String platform, String platformOrderId, String event) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(simulator("/_control/" + platform + "/orders/"
            + platformOrderId + "/events"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("event", event).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  /** Pushes one signed order from meituan and answers kilosail's order id. */
  String push(String city) throws Exception {
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
    HttpResponse<String> answer = signedPost("/v1/orders", body);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    return new JsonObject(answer.body()).getString("orderId");
  }

  void assertDeliveredBy(String orderId, String platform, Integer feeFen) throws Exception {
    JsonObject order = awaitState(orderId, "DELIVERED");
    assertThat(order.getJsonObject("courier").getString("platform")).as(order.encodePrettily()).isEqualTo(platform);
    if (feeFen != null) {
      assertThat(order.getLong("courierFeeFen")).isEqualTo(feeFen.longValue());
    }
  }

  JsonObject awaitState(String orderId, String state) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonObject order = order(orderId);
    while (!state.equals(order.getString("state")) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      order = order(orderId);
    }
    assertThat(order.getString("state")).as(order.encodePrettily()).isEqualTo(state);
    return order;
  }

  JsonObject order(String orderId) throws Exception {
    HttpResponse<String> answer = send("GET", api("/v1/orders/" + orderId), null);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new JsonObject(answer.body());
  }

  List<String> states(JsonObject order) {
    List<String> states = new ArrayList<>();
    order.getJsonArray("timeline").forEach(e -> states.add(((JsonObject) e).getString("state")));
    return states;
  }

  /** The order's delivery saga; null while it has not started. */
  JsonObject saga(String orderId) throws Exception {
    HttpResponse<String> answer = send("GET", api("/v1/admin/sagas?businessKey=" + orderId), null);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonArray sagas = new JsonArray(answer.body());
    assertThat(sagas.size()).as("sagas of order " + orderId).isLessThanOrEqualTo(1);
    return sagas.isEmpty() ? null : sagas.getJsonObject(0);
  }

  JsonObject awaitSaga(String orderId, String state) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonObject saga = saga(orderId);
    while ((saga == null || !state.equals(saga.getString("state"))) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      saga = saga(orderId);
    }
    assertThat(saga).as("saga of order " + orderId).isNotNull();
    assertThat(saga.getString("state")).as(saga.encodePrettily()).isEqualTo(state);
    return saga;
  }

  /** Every order the simulated platform holds for our order (none when it was never placed there). */
  JsonArray simulatorOrders(String platform, String orderId) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(simulator("/_control/" + platform
        + "/orders?orderId=" + orderId)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new JsonArray(answer.body());
  }

  /** The platform's order id for our order, as the simulated platform knows it. */
  String placement(String orderId, String platform) throws Exception {
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

  void awaitSimulatorEvent(String platform, String platformOrderId, String event) throws Exception {
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

  void behave(String platform, JsonObject behaviour) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(simulator("/_control/" + platform))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(behaviour.encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  void down(String platform, long forMs) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(simulator("/_control/" + platform + "/down"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("forMs", forMs).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isIn(200, 204);
  }

  /** A plain JSON request to the node's API (or the simulator's, for a URI from {@link #simulator}). */
  HttpResponse<String> send(String method, URI uri, JsonObject body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(90))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    if (asOperator(method, uri) && !String.join(",", headers).contains("Authorization")) {
      request.header("Authorization", "Bearer " + operatorToken);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** As {@link #send}, without waiting: for many requests at once. */
  java.util.concurrent.CompletableFuture<HttpResponse<String>> sendAsync(String method, URI uri, JsonObject body,
                                                                         String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120))
        .method(method, HttpRequest.BodyPublishers.ofString(body.encode()))
        .header("Content-Type", "application/json");
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The admin API, and the reads of orders and money, are called as the test operator unless told otherwise. */
  private static boolean asOperator(String method, URI uri) {
    String path = uri.getPath();
    return path.startsWith("/v1/admin/") || path.startsWith("/v1/settlements")
        || method.equals("GET") && path.startsWith("/v1/orders");
  }

  /** GET as {@code platform} would read, signed. */
  HttpResponse<String> signedGet(String platform, URI uri) throws Exception {
    return http.send(TestCredentials.signedRead(uri, platform).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  URI api(String path) {
    return URI.create("http://127.0.0.1:" + node.httpPort() + path);
  }

  URI simulator(String path) {
    return URI.create("http://127.0.0.1:" + simulatorPort + path);
  }
}
