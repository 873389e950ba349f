package io.kilosail.simulators.food;

import io.kilosail.ingress.IngressVerticle;
import io.kilosail.access.Callers;
import io.kilosail.intake.PlatformSignature;
import io.kilosail.simulators.courier.CourierSimulatorVerticle;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static java.net.http.HttpResponse.BodyHandlers.ofString;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The food side of the simulator against a real {@link IngressVerticle} on the real embedded MariaDB: pushed orders
 * land in kilosail and are found again; kilosail's callbacks (signed here with kilosail's own {@link PlatformSignature},
 * the scheme it will use) are verified, recorded, refused or answered 503 as configured.
 *
 * <p>Three platforms: meituan and eleme share their secrets with intake; jd's secret in the simulator is not the one
 * intake knows, so jd's pushes must all be refused.
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class FoodPlatformSimulatorTest {

  private static final String MEITUAN_SECRET = "food-test-meituan-secret";
  private static final String ELEME_SECRET = "food-test-eleme-secret";
  private static final double SHANGHAI_LAT = 31.2304;
  private static final double SHANGHAI_LNG = 121.4737;

  private static Vertx vertx;
  private static String intake;
  private static String simulator;
  private static final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    IngressVerticle ingress = new IngressVerticle();
    await(vertx.deployVerticle(ingress, new DeploymentOptions().setConfig(infra.config()
        .put("node", new JsonObject().put("id", "food-simulator-test"))
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("platforms", new JsonObject()
            .put("meituan", new JsonObject().put("secret", MEITUAN_SECRET))
            .put("eleme", new JsonObject().put("secret", ELEME_SECRET))
            .put("jd", new JsonObject().put("secret", "the-jd-secret-kilosail-knows"))))));
    intake = "http://127.0.0.1:" + ingress.actualPort() + "/v1/orders";

    CourierSimulatorVerticle sim = new CourierSimulatorVerticle();
    await(vertx.deployVerticle(sim, new DeploymentOptions().setConfig(new JsonObject()
        .put("host", "127.0.0.1").put("port", 0).put("randomSeed", 42)
        .put("food", new JsonObject()
            .put("intakeUrl", intake)
            .put("maxInFlight", 4)
            .put("platforms", new JsonObject()
                .put("_comment", "ignored, as in conf/default.json")
                .put("meituan", new JsonObject().put("secret", MEITUAN_SECRET))
                .put("eleme", new JsonObject().put("secret", ELEME_SECRET))
                .put("jd", new JsonObject().put("secret", "not-the-secret-kilosail-knows")))))));
    simulator = "http://127.0.0.1:" + sim.actualPort();
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  // ---------------------------------------------------------------- pushing orders

  @Test
  void twentyPushedOrdersAreAcceptedAndEachIsFoundInKilosail() throws Exception {
    HttpResponse<String> started = post(simulator + "/_control/food/push",
        "{\"platform\":\"meituan\",\"count\":20,\"ratePerSecond\":40,\"city\":\"shanghai\"}");
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String runId = new JsonObject(started.body()).getString("runId");
    assertThat(started.headers().firstValue("location")).hasValue("/_control/food/runs/" + runId);

    JsonObject run = awaitRun(runId);
    assertThat(run.getInteger("pushed")).isEqualTo(20);
    assertThat(run.getInteger("accepted")).as(run.encodePrettily()).isEqualTo(20);
    assertThat(run.getInteger("failed")).isZero();
    assertThat(run.getJsonArray("errors")).isEmpty();
    // 20 orders at 40/s: the last one is due 19/40 s = 475 ms after the first, so the run cannot be quicker.
    long tookMs = Instant.parse(run.getString("finishedAt")).toEpochMilli()
        - Instant.parse(run.getString("startedAt")).toEpochMilli();
    assertThat(tookMs).isGreaterThanOrEqualTo(450);

    JsonArray orders = run.getJsonArray("orders");
    assertThat(orders).hasSize(20);
    Set<String> platformOrderIds = new HashSet<>();
    Set<String> orderIds = new HashSet<>();
    for (int i = 0; i < orders.size(); i++) {
      JsonObject pushed = orders.getJsonObject(i);
      platformOrderIds.add(pushed.getString("platformOrderId"));
      orderIds.add(pushed.getString("orderId"));

      HttpResponse<String> found = meituanReads(intake + "?platform=meituan&platformOrderId="
          + URLEncoder.encode(pushed.getString("platformOrderId"), StandardCharsets.UTF_8));
      assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
      JsonObject order = new JsonObject(found.body());
      assertThat(order.getString("orderId")).isEqualTo(pushed.getString("orderId"));
      assertThat(order.getString("platform")).isEqualTo("meituan");
      assertThat(order.getString("platformOrderId")).startsWith("MT-");
      assertThat(order.getString("state")).isEqualTo("CREATED");
      assertThat(order.getString("city")).isEqualTo("310100");
      assertThat(order.getLong("deliveryFeeFen")).isBetween(1_200L, 3_000L);
      assertThat(order.getInteger("weightGrams")).isBetween(200, 3_000);
      assertThat(order.getString("placedAt")).endsWith("Z");
      assertThat(Instant.parse(order.getString("expectedDeliveryAt")))
          .isAfter(Instant.parse(order.getString("placedAt")));
      JsonObject pickup = order.getJsonObject("pickup");
      JsonObject dropoff = order.getJsonObject("dropoff");
      assertThat(km(SHANGHAI_LAT, SHANGHAI_LNG, pickup.getDouble("lat"), pickup.getDouble("lng")))
          .as("shop within the city").isLessThan(4.1);
      assertThat(km(pickup.getDouble("lat"), pickup.getDouble("lng"), dropoff.getDouble("lat"), dropoff.getDouble("lng")))
          .as("customer a few km from the shop").isBetween(0.9, 5.1);
    }
    assertThat(platformOrderIds).hasSize(20);
    assertThat(orderIds).hasSize(20);

    HttpResponse<String> byId = meituanReads(intake.replace("/v1/orders", "/v1/orders/")
        + orders.getJsonObject(0).getString("orderId"));
    assertThat(byId.statusCode()).as(byId.body()).isEqualTo(200);
  }

  /** GET as meituan reads its own orders: signed over the method and the request target (docs/security.md). */
  private static HttpResponse<String> meituanReads(String uri) throws Exception {
    return reads("meituan", MEITUAN_SECRET, uri);
  }

  /** GET as {@code platform} reads, signed with {@code secret}. */
  private static HttpResponse<String> reads(String platform, String secret, String uri) throws Exception {
    URI target = URI.create(uri);
    String ts = Long.toString(Instant.now().getEpochSecond());
    String signed = target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(target)
        .header("X-Kilosail-Platform", platform).header("X-Kilosail-Timestamp", ts)
        .header("X-Kilosail-Signature", PlatformSignature.sign(secret, ts, Callers.signedRead("GET", signed)))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void pushesSignedWithASecretKilosailDoesNotKnowAllFailWith401AndTheRunSaysSo() throws Exception {
    HttpResponse<String> started = post(simulator + "/_control/food/push",
        "{\"platform\":\"jd\",\"count\":3,\"ratePerSecond\":100}");
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);

    JsonObject run = awaitRun(new JsonObject(started.body()).getString("runId"));
    assertThat(run.getInteger("accepted")).isZero();
    assertThat(run.getInteger("failed")).isEqualTo(3);
    assertThat(run.getJsonArray("orders")).isEmpty();
    JsonArray errors = run.getJsonArray("errors");
    assertThat(errors).hasSize(3);
    JsonObject first = errors.getJsonObject(0);
    assertThat(first.getInteger("status")).isEqualTo(401);
    assertThat(first.getString("body")).contains("X-Kilosail-Signature does not match");
    // Read as jd with the secret kilosail really has for it: nothing was stored.
    assertThat(reads("jd", "the-jd-secret-kilosail-knows", intake + "?platform=jd&platformOrderId="
        + first.getString("platformOrderId")).statusCode()).isEqualTo(404);
  }

  @Test
  void aPushRequestWithDefaultsUsesMeituanAndTenOrders() throws Exception {
    HttpResponse<String> started = post(simulator + "/_control/food/push", "");
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    JsonObject answer = new JsonObject(started.body());
    assertThat(answer.getString("platform")).isEqualTo("meituan");
    assertThat(answer.getInteger("count")).isEqualTo(10);

    JsonObject run = awaitRun(answer.getString("runId"));
    assertThat(run.getInteger("accepted")).as(run.encodePrettily()).isEqualTo(10);
  }

  @Test
  void badPushInputIs400NamingTheFieldAndStartsNoRun() throws Exception {
    int runsBefore = control().getJsonArray("runs").size();
    List<List<String>> cases = List.of(
        List.of("{\"count\":0}", "count"),
        List.of("{\"count\":\"many\"}", "count"),
        List.of("{\"platform\":\"douyin\"}", "platform"),
        List.of("{\"ratePerSecond\":-1}", "ratePerSecond"),
        List.of("{\"city\":\"atlantis\"}", "city"),
        List.of("{\"rate\":5}", "rate"));
    for (List<String> one : cases) {
      HttpResponse<String> answer = post(simulator + "/_control/food/push", one.get(0));
      assertProblem(answer, 400);
      assertThat(new JsonObject(answer.body()).getString("detail")).as(one.get(0)).contains("'" + one.get(1) + "'");
    }
    assertProblem(post(simulator + "/_control/food/push", "not json"), 400);
    assertThat(control().getJsonArray("runs")).hasSize(runsBefore);
    assertProblem(get(simulator + "/_control/food/runs/run-nope"), 404);
  }

  // ---------------------------------------------------------------- receiving callbacks

  @Test
  void aCallbackWithAWrongSignatureIs401AndNotRecorded() throws Exception {
    String platformOrderId = newPlatformOrderId();
    String body = callbackBody(platformOrderId, "ACCEPTED");
    long now = Instant.now().getEpochSecond();

    assertProblem(callback("meituan", body, now, PlatformSignature.sign("not-the-secret", Long.toString(now),
        bytes(body))), 401);
    // Signed for another body: the signature covers the raw bytes.
    assertProblem(callback("meituan", body, now, PlatformSignature.sign(MEITUAN_SECRET, Long.toString(now),
        bytes(callbackBody(platformOrderId, "DELIVERED")))), 401);
    // eleme's secret on meituan's URL.
    assertProblem(callback("meituan", body, now, PlatformSignature.sign(ELEME_SECRET, Long.toString(now),
        bytes(body))), 401);
    long stale = now - 301;
    assertProblem(callback("meituan", body, stale, PlatformSignature.sign(MEITUAN_SECRET, Long.toString(stale),
        bytes(body))), 401);
    HttpResponse<String> unsigned = client.send(HttpRequest.newBuilder(
            URI.create(simulator + "/food/meituan/callbacks"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), ofString());
    assertProblem(unsigned, 401);

    assertProblem(get(simulator + "/_control/food/orders/meituan/" + platformOrderId), 404);
  }

  @Test
  void signedCallbacksAreRecordedInArrivalOrder() throws Exception {
    String platformOrderId = newPlatformOrderId();
    for (String state : List.of("ACCEPTED", "PICKED_UP", "DELIVERED")) {
      HttpResponse<String> answer = signedCallback("meituan", MEITUAN_SECRET, callbackBody(platformOrderId, state));
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(new JsonObject(answer.body()).getBoolean("ok")).isTrue();
    }

    HttpResponse<String> recorded = get(simulator + "/_control/food/orders/meituan/" + platformOrderId);
    assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(200);
    JsonArray callbacks = new JsonObject(recorded.body()).getJsonArray("callbacks");
    assertThat(callbacks.stream().map(c -> ((JsonObject) c).getString("state")))
        .containsExactly("ACCEPTED", "PICKED_UP", "DELIVERED");
    JsonObject first = callbacks.getJsonObject(0);
    assertThat(first.getString("orderId")).isEqualTo("order-of-" + platformOrderId);
    assertThat(first.getString("receivedAt")).endsWith("Z");
    // Another platform's order of the same id is another order.
    assertProblem(get(simulator + "/_control/food/orders/eleme/" + platformOrderId), 404);
  }

  @Test
  void aSignedCallbackThatIsNotACallbackIs400AndNotRecorded() throws Exception {
    String platformOrderId = newPlatformOrderId();
    JsonObject noState = new JsonObject(callbackBody(platformOrderId, "ACCEPTED"));
    noState.remove("state");
    HttpResponse<String> missing = signedCallback("meituan", MEITUAN_SECRET, noState.encode());
    assertProblem(missing, 400);
    assertThat(new JsonObject(missing.body()).getString("detail")).contains("'state'");

    JsonObject localTime = new JsonObject(callbackBody(platformOrderId, "ACCEPTED"))
        .put("occurredAt", "2025-06-01T12:00:00+08:00");
    HttpResponse<String> local = signedCallback("meituan", MEITUAN_SECRET, localTime.encode());
    assertProblem(local, 400);
    assertThat(new JsonObject(local.body()).getString("detail")).contains("'occurredAt'");

    assertProblem(get(simulator + "/_control/food/orders/meituan/" + platformOrderId), 404);
  }

  @Test
  void downModeAnswersCallbacks503UntilBroughtBackOrUntilItsTimeIsUp() throws Exception {
    String platformOrderId = newPlatformOrderId();
    try {
      HttpResponse<String> down = post(simulator + "/_control/food/down", "{\"forMs\":60000}");
      assertThat(down.statusCode()).as(down.body()).isEqualTo(200);
      assertThat(new JsonObject(down.body()).getBoolean("down")).isTrue();
      assertProblem(signedCallback("eleme", ELEME_SECRET, callbackBody(platformOrderId, "ACCEPTED")), 503);
      assertProblem(get(simulator + "/_control/food/orders/eleme/" + platformOrderId), 404);

      assertThat(post(simulator + "/_control/food/down", "{\"forMs\":0}").statusCode()).isEqualTo(200);
      assertThat(signedCallback("eleme", ELEME_SECRET, callbackBody(platformOrderId, "ACCEPTED")).statusCode())
          .isEqualTo(200);

      assertThat(post(simulator + "/_control/food/down", "{\"forMs\":300}").statusCode()).isEqualTo(200);
      assertProblem(signedCallback("eleme", ELEME_SECRET, callbackBody(platformOrderId, "PICKED_UP")), 503);
      TimeUnit.MILLISECONDS.sleep(400);
      assertThat(signedCallback("eleme", ELEME_SECRET, callbackBody(platformOrderId, "PICKED_UP")).statusCode())
          .isEqualTo(200);

      JsonArray callbacks = new JsonObject(get(simulator + "/_control/food/orders/eleme/" + platformOrderId).body())
          .getJsonArray("callbacks");
      assertThat(callbacks.stream().map(c -> ((JsonObject) c).getString("state")))
          .as("the 503s recorded nothing").containsExactly("ACCEPTED", "PICKED_UP");
      assertProblem(post(simulator + "/_control/food/down", "{\"forMs\":-5}"), 400);
    } finally {
      post(simulator + "/_control/food/down", "{\"forMs\":0}");
    }
  }

  // ---------------------------------------------------------------- helpers

  private static JsonObject awaitRun(String runId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      HttpResponse<String> answer = get(simulator + "/_control/food/runs/" + runId);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      JsonObject run = new JsonObject(answer.body());
      if ("DONE".equals(run.getString("state"))) {
        return run;
      }
      assertThat(System.nanoTime()).as("run %s still running: %s", runId, run.encode()).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  private static JsonObject control() throws Exception {
    HttpResponse<String> answer = get(simulator + "/_control/food");
    assertThat(answer.statusCode()).isEqualTo(200);
    return new JsonObject(answer.body());
  }

  private static String callbackBody(String platformOrderId, String state) {
    return new JsonObject().put("orderId", "order-of-" + platformOrderId).put("platformOrderId", platformOrderId)
        .put("state", state).put("occurredAt", Instant.now().toString()).encode();
  }

  private static HttpResponse<String> signedCallback(String platform, String secret, String body) throws Exception {
    long now = Instant.now().getEpochSecond();
    return callback(platform, body, now, PlatformSignature.sign(secret, Long.toString(now), bytes(body)));
  }

  private static HttpResponse<String> callback(String platform, String body, long timestamp, String signature)
      throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(simulator + "/food/" + platform + "/callbacks"))
        .header("Content-Type", "application/json")
        .header("X-Kilosail-Platform", platform)
        .header("X-Kilosail-Timestamp", Long.toString(timestamp))
        .header("X-Kilosail-Signature", signature)
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(body))).build(), ofString());
  }

  private static HttpResponse<String> post(String url, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), ofString());
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), ofString());
  }

  private static void assertProblem(HttpResponse<String> answer, int status) {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
    assertThat(answer.headers().firstValue("content-type")).hasValue("application/problem+json");
    assertThat(new JsonObject(answer.body()).getInteger("status")).isEqualTo(status);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String newPlatformOrderId() {
    return "MT-test-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Great-circle distance; plenty for "a few km apart" (GCJ-02 is WGS-84 shifted by a few hundred metres). */
  private static double km(double lat1, double lng1, double lat2, double lng2) {
    double dLat = Math.toRadians(lat2 - lat1);
    double dLng = Math.toRadians(lng2 - lng1);
    double a = Math.sin(dLat / 2) * Math.sin(dLat / 2) + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2))
        * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return 6371.0 * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
