package io.kilosail.intake;

import io.kilosail.infra.Clients;
import io.kilosail.ingress.IngressVerticle;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.kilosail.access.Callers;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static java.net.http.HttpResponse.BodyHandlers.ofString;
import static org.assertj.core.api.Assertions.assertThat;

/** POST/GET /v1/orders against the real embedded MariaDB, through IngressVerticle as a node deploys it. */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class OrderIntakeTest {

  private static final String SECRET = "test-meituan-secret";

  private static Vertx vertx;
  private static Pool pool;
  private static String base;
  private static final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, infra.settings().mysql());
    IngressVerticle ingress = new IngressVerticle();
    await(vertx.deployVerticle(ingress, new DeploymentOptions().setConfig(infra.config()
        .put("node", new JsonObject().put("id", "intake-test"))
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("platforms", new JsonObject().put("meituan", new JsonObject().put("secret", SECRET))))));
    base = "http://127.0.0.1:" + ingress.actualPort() + "/v1/orders";
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void aSignedPushIsStoredWithItsEventAndReadable() throws Exception {
    String platformOrderId = newPlatformOrderId();
    HttpResponse<String> pushed = push(ReceivedOrderTest.push(platformOrderId).encode());

    assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(202);
    String orderId = new JsonObject(pushed.body()).getString("orderId");
    assertThat(pushed.headers().firstValue("location")).hasValue("/v1/orders/" + orderId);
    // The order's delivery saga commits with it (and is run by a coordinator once nudged; none runs here).
    assertThat(sagas(orderId)).isEqualTo(1);

    HttpResponse<String> byId = get(base + "/" + orderId);
    assertThat(byId.statusCode()).isEqualTo(200);
    JsonObject order = new JsonObject(byId.body());
    assertThat(order.getString("state")).isEqualTo("CREATED");
    assertThat(order.getString("platform")).isEqualTo("meituan");
    assertThat(order.getLong("deliveryFeeFen")).isEqualTo(850L);
    assertThat(order.getJsonObject("pickup").getDouble("lat")).isEqualTo(31.2304);
    assertThat(order.getString("expectedDeliveryAt")).isEqualTo("2025-06-01T04:45:00Z");
    assertThat(order.getString("receivedAt")).endsWith("Z");
    // A fresh order's timeline is its reception, by the platform that pushed it.
    assertThat(order.getJsonArray("timeline")).hasSize(1);
    assertThat(order.getJsonArray("timeline").getJsonObject(0).getString("state")).isEqualTo("CREATED");
    assertThat(order.getJsonArray("timeline").getJsonObject(0).getString("at")).isEqualTo(order.getString("receivedAt"));
    assertThat(order.getJsonArray("timeline").getJsonObject(0).getString("source")).isEqualTo("meituan");

    HttpResponse<String> byKey = get(base + "?platform=meituan&platformOrderId="
        + URLEncoder.encode(platformOrderId, StandardCharsets.UTF_8));
    assertThat(byKey.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(byKey.body()).getString("orderId")).isEqualTo(orderId);
  }

  @Test
  void theSamePushAgainAnswers200WithTheSameIdAndStartsNothing() throws Exception {
    String platformOrderId = newPlatformOrderId();
    String body = ReceivedOrderTest.push(platformOrderId).encode();
    HttpResponse<String> first = push(body);
    HttpResponse<String> again = push(body);

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    assertThat(new JsonObject(again.body()).getString("orderId"))
        .isEqualTo(new JsonObject(first.body()).getString("orderId"));
    assertThat(orders(platformOrderId)).isEqualTo(1);
    assertThat(sagas(new JsonObject(first.body()).getString("orderId"))).isEqualTo(1);
  }

  @Test
  void twentyParallelIdenticalPushesMakeOneOrder() throws Exception {
    String platformOrderId = newPlatformOrderId();
    String body = ReceivedOrderTest.push(platformOrderId).encode();
    List<CompletableFuture<HttpResponse<String>>> pushes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      pushes.add(client.sendAsync(signed(body, "meituan", SECRET, now()), ofString()));
    }
    CompletableFuture.allOf(pushes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    List<HttpResponse<String>> answers = pushes.stream().map(CompletableFuture::join).toList();
    assertThat(answers).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isIn(200, 202));
    assertThat(answers.stream().filter(r -> r.statusCode() == 202)).hasSize(1);
    Set<String> ids = answers.stream().map(r -> new JsonObject(r.body()).getString("orderId")).collect(Collectors.toSet());
    assertThat(ids).hasSize(1);
    assertThat(orders(platformOrderId)).isEqualTo(1);
    assertThat(sagas(ids.iterator().next())).isEqualTo(1);
  }

  @Test
  void aWrongSignatureIs401AndStoresNothing() throws Exception {
    String platformOrderId = newPlatformOrderId();
    HttpResponse<String> answer = client.send(signed(ReceivedOrderTest.push(platformOrderId).encode(), "meituan",
        "not-the-secret", now()), ofString());

    assertProblem(answer, 401);
    assertThat(orders(platformOrderId)).isZero();
  }

  @Test
  void aBodyChangedAfterSigningIs401() throws Exception {
    String platformOrderId = newPlatformOrderId();
    String ts = now();
    String signedBody = ReceivedOrderTest.push(platformOrderId).encode();
    HttpRequest tampered = HttpRequest.newBuilder(URI.create(base))
        .header("Content-Type", "application/json")
        .header("X-Kilosail-Platform", "meituan")
        .header("X-Kilosail-Timestamp", ts)
        .header("X-Kilosail-Signature", PlatformSignature.sign(SECRET, ts, signedBody.getBytes(StandardCharsets.UTF_8)))
        .POST(HttpRequest.BodyPublishers.ofString(signedBody.replace("850", "1")))
        .build();
    assertProblem(client.send(tampered, ofString()), 401);
    assertThat(orders(platformOrderId)).isZero();
  }

  @Test
  void aStaleOrFutureTimestampIs401() throws Exception {
    String platformOrderId = newPlatformOrderId();
    String body = ReceivedOrderTest.push(platformOrderId).encode();
    long nowSeconds = Instant.now().getEpochSecond();
    HttpResponse<String> stale = client.send(signed(body, "meituan", SECRET, String.valueOf(nowSeconds - 301)), ofString());
    HttpResponse<String> future = client.send(signed(body, "meituan", SECRET, String.valueOf(nowSeconds + 301)), ofString());

    assertThat(new JsonObject(assertProblem(stale, 401).body()).getString("detail")).contains("Timestamp");
    assertProblem(future, 401);
    assertThat(orders(platformOrderId)).isZero();
  }

  @Test
  void anUnknownPlatformOrMissingSignatureIs401() throws Exception {
    String body = ReceivedOrderTest.push(newPlatformOrderId()).encode();
    assertProblem(client.send(signed(body, "ubereats", SECRET, now()), ofString()), 401);
    HttpResponse<String> unsigned = client.send(HttpRequest.newBuilder(URI.create(base))
        .header("Content-Type", "application/json").header("X-Kilosail-Platform", "meituan")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), ofString());
    assertThat(new JsonObject(assertProblem(unsigned, 401).body()).getString("detail"))
        .contains("X-Kilosail-Timestamp");
  }

  @Test
  void aMissingFieldIs400NamingItAndStoresNothing() throws Exception {
    String platformOrderId = newPlatformOrderId();
    JsonObject body = ReceivedOrderTest.push(platformOrderId);
    body.remove("deliveryFeeFen");
    HttpResponse<String> answer = push(body.encode());

    assertThat(new JsonObject(assertProblem(answer, 400).body()).getString("detail")).contains("deliveryFeeFen");
    assertThat(orders(platformOrderId)).isZero();
  }

  @Test
  void aWrongTypeIs400NamingTheNestedField() throws Exception {
    String platformOrderId = newPlatformOrderId();
    JsonObject body = ReceivedOrderTest.push(platformOrderId);
    body.getJsonObject("dropoff").put("lat", "north");
    HttpResponse<String> answer = push(body.encode());

    assertThat(new JsonObject(assertProblem(answer, 400).body()).getString("detail")).contains("dropoff.lat");
    assertThat(orders(platformOrderId)).isZero();
  }

  @Test
  void aLocalTimeOrMoneyAsDecimalIs400() throws Exception {
    JsonObject localTime = ReceivedOrderTest.push(newPlatformOrderId()).put("placedAt", "2025-06-01T12:00:00+08:00");
    assertThat(new JsonObject(assertProblem(push(localTime.encode()), 400).body()).getString("detail"))
        .contains("placedAt");
    JsonObject yuan = ReceivedOrderTest.push(newPlatformOrderId()).put("deliveryFeeFen", 8.5);
    assertThat(new JsonObject(assertProblem(push(yuan.encode()), 400).body()).getString("detail"))
        .contains("deliveryFeeFen");
    JsonObject late = ReceivedOrderTest.push(newPlatformOrderId()).put("expectedDeliveryAt", "2025-06-01T03:00:00Z");
    assertThat(new JsonObject(assertProblem(push(late.encode()), 400).body()).getString("detail"))
        .contains("expectedDeliveryAt");
    assertProblem(push("{not json"), 400);
  }

  @Test
  void anUnsignedReadIs401AndABodySignatureIsNoReadSignature() throws Exception {
    String orderId = new JsonObject(push(ReceivedOrderTest.push(newPlatformOrderId()).encode()).body())
        .getString("orderId");
    HttpResponse<String> unsigned = client.send(HttpRequest.newBuilder(URI.create(base + "/" + orderId)).build(),
        ofString());
    assertThat(new JsonObject(assertProblem(unsigned, 401).body()).getString("type")).endsWith("/credentials-required");
    // Signed like a push with an empty body: not what a read signs, so it could not be replayed onto any order.
    String ts = now();
    HttpResponse<String> emptyBody = client.send(HttpRequest.newBuilder(URI.create(base + "/" + orderId))
        .header("X-Kilosail-Platform", "meituan").header("X-Kilosail-Timestamp", ts)
        .header("X-Kilosail-Signature", PlatformSignature.sign(SECRET, ts, new byte[0])).build(), ofString());
    assertThat(new JsonObject(assertProblem(emptyBody, 401).body()).getString("type")).endsWith("/signature-invalid");
  }

  @Test
  void unknownOrdersAre404AndMissingQueryParametersAre400() throws Exception {
    assertProblem(get(base + "/" + UUID.randomUUID()), 404);
    assertProblem(get(base + "?platform=meituan&platformOrderId=never-pushed"), 404);
    assertThat(new JsonObject(assertProblem(get(base + "?platform=meituan"), 400).body()).getString("detail"))
        .contains("platformOrderId");
  }

  // ------------------------------------------------------------ helpers

  private static HttpResponse<String> push(String body) throws Exception {
    return client.send(signed(body, "meituan", SECRET, now()), ofString());
  }

  private static HttpRequest signed(String body, String platform, String secret, String timestamp) {
    return HttpRequest.newBuilder(URI.create(base))
        .header("Content-Type", "application/json")
        .header("X-Kilosail-Platform", platform)
        .header("X-Kilosail-Timestamp", timestamp)
        .header("X-Kilosail-Signature", PlatformSignature.sign(secret, timestamp, body.getBytes(StandardCharsets.UTF_8)))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /** GET as meituan reads its orders: signed over the method and the request target (docs/security.md). */
  private static HttpResponse<String> get(String uri) throws Exception {
    URI target = URI.create(uri);
    String ts = now();
    String signedTarget = target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
    return client.send(HttpRequest.newBuilder(target)
        .header("X-Kilosail-Platform", "meituan")
        .header("X-Kilosail-Timestamp", ts)
        .header("X-Kilosail-Signature", PlatformSignature.sign(SECRET, ts, Callers.signedRead("GET", signedTarget)))
        .build(), ofString());
  }

  private static HttpResponse<String> assertProblem(HttpResponse<String> answer, int status) {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
    assertThat(answer.headers().firstValue("content-type")).hasValue("application/problem+json");
    assertThat(new JsonObject(answer.body()).getInteger("status")).isEqualTo(status);
    return answer;
  }

  private static String now() {
    return String.valueOf(Instant.now().getEpochSecond());
  }

  private static String newPlatformOrderId() {
    return "MT-" + UUID.randomUUID();
  }

  private static long orders(String platformOrderId) throws Exception {
    return count("SELECT COUNT(*) FROM delivery_order WHERE platform = 'meituan' AND platform_order_id = ?",
        platformOrderId);
  }

  private static long count(String sql, String param) throws Exception {
    return await(pool.preparedQuery(sql).execute(Tuple.of(param))).iterator().next().getLong(0);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** The delivery sagas started for the order: one, however often it was pushed. */
  private static long sagas(String orderId) throws Exception {
    return count("SELECT COUNT(*) FROM saga_instance WHERE saga_type = 'delivery' AND business_key = ?", orderId);
  }
}
