package io.kilosail.launcher;

import io.kilosail.admin.AdminTokens;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.courier.wire.FengniaoWire;
import io.kilosail.courier.wire.SfWire;
import io.kilosail.courier.wire.ShansongWire;
import io.kilosail.courier.wire.UuWire;
import io.kilosail.infra.Clients;
import io.kilosail.access.Callers;
import io.kilosail.intake.PlatformSignature;
import io.kilosail.payment.stripe.StripeSettings;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.kilosail.webhooks.courier.CourierWebhookSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

import static io.kilosail.launcher.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input against every public endpoint of a real node (every role, the simulators, the embedded servers):
 * bodies that are empty, not JSON, of the wrong types, huge, deeply nested, odd unicode, nulls; headers that are huge,
 * many, of the wrong content type or with bad signatures; URIs that are too long or badly encoded; tokens that are
 * missing, garbage, unsigned ({@code alg:none}), without expiry, expired, too long-lived or signed with another key.
 *
 * <p>Every signed body carries at least one defect (a required field missing, of the wrong type, too long, out of
 * range), so none of these requests may change anything. Asserted per endpoint: no 5xx; every 4xx is
 * {@code application/problem+json} with a status and a detail; the rows of the tables the endpoint writes are
 * unchanged. Deterministic (fixed seed), a few hundred requests per endpoint, sent over raw sockets so that even a
 * request the HTTP codec refuses gets its answer checked.
 */
@ExtendWith(KilosailInfraExtension.class)
class HostileInputFuzzTest {

  private static final long SEED = 0x6B696C6FL;
  /** Signed hostile bodies per endpoint (per courier platform a quarter); transport and token cases come on top. */
  private static final int BODIES = 160;
  private static final String SKU = "fuzz-sku";

  private static LiveNode node;
  private static Pool pool;
  private static Vertx client;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    // No rate limits: the hostile requests come fast from one operator and one address, and must reach the endpoints.
    node = LiveNode.start(infra.settings(), new JsonObject().put("rateLimits", new JsonObject()
        .put("perOperator", 0).put("perAddress", 0)));
    client = Vertx.vertx();
    pool = Clients.mysqlPool(client, infra.settings().mysql());
  }

  @AfterAll
  static void stop() throws Exception {
    if (pool != null) {
      await(pool.close());
    }
    if (client != null) {
      await(client.close());
    }
    if (node != null) {
      node.close();
    }
  }

  // ------------------------------------------------------------------------------------------------ endpoints

  @Test
  void orderIntake() throws Exception {
    Random random = new Random(SEED);
    List<Hostile> cases = transportCases("POST", "/v1/orders");
    for (int i = 0; i < BODIES; i++) {
      byte[] body = defective(random, intakeOrder()).getBytes(StandardCharsets.UTF_8);
      cases.add(intakeSigned("signed hostile body " + i, body, "meituan", LiveNode.SECRET, 0));
    }
    byte[] valid = intakeOrder().encode().getBytes(StandardCharsets.UTF_8);
    cases.add(intakeSigned("unknown platform", valid, "dada", "whatever", 0));
    cases.add(intakeSigned("wrong secret", valid, "meituan", "not-the-secret", 0));
    cases.add(intakeSigned("stale timestamp", valid, "meituan", LiveNode.SECRET, -3_600));
    cases.add(intakeSigned("future timestamp", valid, "meituan", LiveNode.SECRET, 3_600));
    cases.add(post("no signature headers", "/v1/orders", json(), valid));
    for (String signature : List.of("", "v1=", "v1=zz", "v2=00", "v1=" + "0".repeat(64), "x".repeat(6_000),
        "v1=" + "ab".repeat(2_000))) {
      cases.add(post("signature '" + abbreviate(signature) + "'", "/v1/orders", headers("Content-Type",
          "application/json", "X-Kilosail-Platform", "meituan", "X-Kilosail-Timestamp", now(),
          "X-Kilosail-Signature", signature), valid));
    }
    for (String timestamp : List.of("", "abc", "-1", "99999999999999999999", "1e9", "１２３")) {
      cases.add(post("timestamp '" + timestamp + "'", "/v1/orders", headers("Content-Type", "application/json",
          "X-Kilosail-Platform", "meituan", "X-Kilosail-Timestamp", timestamp,
          "X-Kilosail-Signature", PlatformSignature.sign(LiveNode.SECRET, timestamp, valid)), valid));
    }
    for (String target : List.of("/v1/orders/" + "x".repeat(300),
        "/v1/orders/" + URLEncoder.encode("订单💥\u0000", StandardCharsets.UTF_8),
        "/v1/orders?platform=" + "p".repeat(500) + "&platformOrderId=%zz",
        "/v1/orders/" + UUID.randomUUID() + "/ledger?x=%zz")) {
      cases.add(get("GET " + abbreviate(target) + " unsigned", target));
      // Signed as meituan reads, so the hostile parameters reach the endpoint rather than stop at the 401.
      String ts = String.valueOf(Instant.now().getEpochSecond());
      cases.add(new Hostile("GET " + abbreviate(target) + " signed", request("GET", target, headers(
          "X-Kilosail-Platform", "meituan", "X-Kilosail-Timestamp", ts, "X-Kilosail-Signature",
          PlatformSignature.sign(LiveNode.SECRET, ts, Callers.signedRead("GET", target))), new byte[0])));
    }
    cases.add(post("cancel unsigned", "/v1/orders/" + UUID.randomUUID() + "/cancel", json(), "{}".getBytes()));
    assertHostileChangesNothing("intake", node.node().httpPort(), cases);
  }

  @Test
  void checkout() throws Exception {
    Random random = new Random(SEED + 1);
    List<Hostile> cases = transportCases("POST", "/v1/checkout");
    for (int i = 0; i < BODIES; i++) {
      cases.add(post("hostile body " + i, "/v1/checkout",
          headers("Content-Type", "application/json", "Idempotency-Key", hostileKey(random)),
          defective(random, checkoutBody()).getBytes(StandardCharsets.UTF_8)));
    }
    byte[] valid = checkoutBody().encode().getBytes(StandardCharsets.UTF_8);
    cases.add(post("no Idempotency-Key", "/v1/checkout", json(), valid));
    cases.add(post("Idempotency-Key too long", "/v1/checkout",
        headers("Content-Type", "application/json", "Idempotency-Key", "k".repeat(256)), valid));
    cases.add(post("cancel of an id too long", "/v1/checkout/" + "c".repeat(200) + "/cancel", json(), new byte[0]));
    cases.add(get("stock of a sku too long", "/v1/stock/" + "s".repeat(300)));
    assertHostileChangesNothing("checkout", node.node().httpPort(), cases);
  }

  @Test
  void stripeWebhook() throws Exception {
    Random random = new Random(SEED + 2);
    String secret = StripeSettings.fromJson(node.node().settings().verticleSections()).webhookSecrets().get(0);
    List<Hostile> cases = transportCases("POST", "/webhooks/stripe");
    for (int i = 0; i < BODIES; i++) {
      String body = defective(random, stripeEvent());
      cases.add(post("signed hostile body " + i, "/webhooks/stripe", headers("Content-Type", "application/json",
          "Stripe-Signature", stripeSignature(secret, body)), body.getBytes(StandardCharsets.UTF_8)));
    }
    cases.add(post("signed empty body", "/webhooks/stripe", headers("Content-Type", "application/json",
        "Stripe-Signature", stripeSignature(secret, "")), new byte[0]));
    String valid = stripeEvent().encode();
    for (String signature : List.of("", "t=", "t=abc,v1=00", "v1=" + "0".repeat(64), "t=1,v1=" + "0".repeat(64),
        stripeSignature("whsec_wrong", valid), "t=" + now() + ",v1=" + "z".repeat(5_000))) {
      cases.add(post("signature '" + abbreviate(signature) + "'", "/webhooks/stripe",
          headers("Content-Type", "application/json", "Stripe-Signature", signature),
          valid.getBytes(StandardCharsets.UTF_8)));
    }
    assertHostileChangesNothing("stripe", node.node().webhooksPort(), cases);
  }

  @Test
  void courierWebhooks() throws Exception {
    Random random = new Random(SEED + 3);
    Map<CourierPlatform, io.kilosail.courier.wire.CourierWire> wires = CourierWebhookSettings.fromJson(
        node.node().settings().verticleSections(), Clock.systemUTC()).wires();
    UuWire uu = (UuWire) wires.get(CourierPlatform.UU);
    ShansongWire shansong = (ShansongWire) wires.get(CourierPlatform.SHANSONG);
    SfWire sf = (SfWire) wires.get(CourierPlatform.SF);
    FengniaoWire fengniao = (FengniaoWire) wires.get(CourierPlatform.FENGNIAO);
    List<Hostile> cases = new ArrayList<>();
    for (String path : List.of("/webhooks/couriers/uu", "/webhooks/couriers/shansong", "/webhooks/couriers/sf/status",
        "/webhooks/couriers/fengniao")) {
      cases.addAll(transportCases("POST", path));
      cases.add(post("unsigned garbage", path, json(), "{\"hello\":".getBytes(StandardCharsets.UTF_8)));
    }
    for (int i = 0; i < BODIES / 4; i++) {
      // UU and Shansong do not sign callbacks: a hostile body bearing the registered URL's token is the worst case.
      String uuData = defective(random, new JsonObject().put("order_code", "UU-fuzz").put("origin_id", fuzzOrderId())
          .put("state", "3").put("timestamp", String.valueOf(System.currentTimeMillis())));
      cases.add(post("uu trusted hostile data " + i, "/webhooks/couriers/uu" + uu.callbackQuery(),
          headers("Content-Type", "application/x-www-form-urlencoded"),
          ("data=" + URLEncoder.encode(uuData, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));

      String data = defective(random, new JsonObject().put("issOrderNo", "SS-fuzz").put("orderNo", fuzzOrderId())
          .put("status", "30"));
      String millis = String.valueOf(System.currentTimeMillis());
      cases.add(post("shansong trusted hostile body " + i, "/webhooks/couriers/shansong" + shansong.callbackQuery(),
          json(), data.getBytes(StandardCharsets.UTF_8)));

      String sfBody = defective(random, new JsonObject().put("sf_order_id", "SF-fuzz").put("shop_order_id",
          fuzzOrderId()).put("order_status", "10").put("push_time", Instant.now().getEpochSecond()));
      cases.add(post("sf signed hostile body " + i, "/webhooks/couriers/sf/status?sign="
          + URLEncoder.encode(sf.sign(sfBody), StandardCharsets.UTF_8), json(),
          sfBody.getBytes(StandardCharsets.UTF_8)));

      String business = defective(random, new JsonObject().put("param", new JsonObject().put("order_id", "FN-fuzz")
          .put("partner_order_code", fuzzOrderId()).put("order_status", "2")
          .put("push_time", System.currentTimeMillis())));
      Map<String, String> fields = new TreeMap<>(Map.of("app_id", "dev-fn-app", "timestamp", millis,
          "business_data", business));
      JsonObject envelope = new JsonObject().put("app_id", "dev-fn-app").put("timestamp", millis)
          .put("business_data", business).put("signature", fengniao.sign(fields));
      cases.add(post("fengniao signed hostile business_data " + i, "/webhooks/couriers/fengniao", json(),
          envelope.encode().getBytes(StandardCharsets.UTF_8)));
    }
    cases.add(post("sf unknown kind", "/webhooks/couriers/sf/%zz", json(), "{}".getBytes()));
    cases.add(post("sf sign badly encoded", "/webhooks/couriers/sf/status?sign=%zz%", json(), "{}".getBytes()));
    cases.add(post("unknown courier", "/webhooks/couriers/" + "x".repeat(2_000), json(), "{}".getBytes()));
    assertHostileChangesNothing("couriers", node.node().webhooksPort(), cases);
  }

  @Test
  void adminApi() throws Exception {
    Random random = new Random(SEED + 4);
    List<Hostile> cases = transportCases("PUT", "/v1/admin/skus/" + SKU);
    List<String> targets = List.of("GET /v1/admin/sagas?businessKey=x", "GET /v1/admin/sagas/" + UUID.randomUUID(),
        "POST /v1/admin/sagas/" + UUID.randomUUID() + "/retry", "POST /v1/admin/sagas/" + UUID.randomUUID()
            + "/compensate", "PUT /v1/admin/skus/" + SKU);
    byte[] validSku = skuBody().encode().getBytes(StandardCharsets.UTF_8);
    for (Map.Entry<String, String> token : hostileTokens().entrySet()) {
      for (String target : targets) {
        String[] methodAndPath = target.split(" ", 2);
        cases.add(new Hostile(token.getKey() + " on " + target, request(methodAndPath[0], methodAndPath[1],
            headers("Content-Type", "application/json", "Authorization", token.getValue()), validSku)));
      }
    }
    String bearer = "Bearer " + node.operatorToken();
    for (int i = 0; i < BODIES; i++) {
      cases.add(new Hostile("operator, hostile sku body " + i, request("PUT", "/v1/admin/skus/" + SKU,
          headers("Content-Type", "application/json", "Authorization", bearer),
          defective(random, skuBody()).getBytes(StandardCharsets.UTF_8))));
    }
    for (String sku : List.of("%zz", "a".repeat(65), "..%2F..", URLEncoder.encode("商品 💥", StandardCharsets.UTF_8))) {
      cases.add(new Hostile("operator, sku '" + abbreviate(sku) + "'", request("PUT", "/v1/admin/skus/" + sku,
          headers("Content-Type", "application/json", "Authorization", bearer), validSku)));
    }
    assertHostileChangesNothing("admin", node.node().httpPort(), cases);
  }

  /**
   * The SockJS bridge: HTTP requests to it, and frames on its websocket that a hostile browser could send. A command
   * with any but a valid token is refused; nothing a frame carries may change a row, and the node keeps answering.
   */
  @Test
  void eventBusBridge() throws Exception {
    Random random = new Random(SEED + 5);
    List<Hostile> cases = transportCases("GET", "/eventbus/info");
    cases.add(get("sockjs info with a hostile query", "/eventbus/info?t=" + "%zz".repeat(100)));
    cases.add(get("sockjs path too long", "/eventbus/" + "a".repeat(3_000) + "/websocket"));
    Map<String, Long> before = rowsWhenQuiet();
    List<String> violations = new ArrayList<>(send(node.node().httpPort(), cases));

    WebSocket socket = connect();
    List<String> frames = new ArrayList<>();
    String command = new JsonObject().put("type", "send").put("address", "admin.orders.cancel")
        .put("replyAddress", "fuzz-reply").put("body", new JsonObject().put("orderId", fuzzOrderId())
            .put("reason", "fuzz")).encode();
    for (Map.Entry<String, String> token : hostileTokens().entrySet()) {
      JsonObject frame = new JsonObject(command);
      frames.add(frame.put("headers", new JsonObject().put("authorization", token.getValue())).encode());
    }
    frames.add(new JsonObject(command).put("headers", "Bearer x").encode());
    frames.add(new JsonObject(command).put("headers", new JsonObject().put("authorization", 42)).encode());
    frames.add(new JsonObject(command).put("address", 42).encode());
    frames.add(new JsonObject(command).put("type", "publish").encode());
    frames.add(new JsonObject().put("type", "register").put("address", "kilosail.saga.coordinator").encode());
    frames.add(new JsonObject().put("type", "register").put("address", new JsonArray()).encode());
    for (int i = 0; i < BODIES; i++) {
      frames.add(defective(random, new JsonObject(command).put("headers", new JsonObject()
          .put("authorization", "Bearer " + node.operatorToken()).put("x", "y"))));
    }
    int reconnects = 0;
    for (String frame : frames) {
      if (socket.isClosed()) {
        reconnects++;
        socket = connect();
      }
      await(socket.writeTextMessage(frame));
    }
    await(socket.close());
    // The node still answers, and an honest client still gets through.
    assertThat(send(node.node().httpPort(), List.of(get("health after the frames", "/health")))).isEmpty();
    violations.addAll(rowChanges(before, rowsWhenQuiet()));
    assertThat(violations).as("bridge (%d frames, %d reconnects): violations", frames.size(), reconnects).isEmpty();
  }

  // ------------------------------------------------------------------------------------------------ assertions

  private record Hostile(String label, byte[] request) {
  }

  /**
   * The one 5xx allowed: Vert.x answers a request line of an HTTP version it does not speak (HTTP/9.9) with an empty
   * 501 before any handler of ours runs (Http1xServerRequestHandler, taken only without a server-level WebSocket
   * handler, and SockJS needs the router's). RFC 9110 makes a version the server does not support a 5xx (505).
   */
  private static final String UNKNOWN_VERSION = "unknown HTTP version";

  private record Answer(int status, Map<String, String> headers, String body) {
  }

  private static void assertHostileChangesNothing(String endpoint, int port, List<Hostile> cases) throws Exception {
    assertThat(port).as(endpoint + " port").isPositive();
    Map<String, Long> before = rowsWhenQuiet();
    List<String> violations = new ArrayList<>(send(port, cases));
    violations.addAll(rowChanges(before, rowsWhenQuiet()));
    assertThat(violations).as("%s: %d hostile requests, violations", endpoint, cases.size()).isEmpty();
  }

  /** Sends each request on its own connection; answers what was wrong with the answers. */
  private static List<String> send(int port, List<Hostile> cases) {
    List<String> violations = new ArrayList<>();
    for (Hostile hostile : cases) {
      Answer answer;
      try {
        answer = exchange(port, hostile.request());
      } catch (IOException e) {
        violations.add(hostile.label() + ": no answer (" + e + ")");
        continue;
      }
      if (hostile.label().startsWith(UNKNOWN_VERSION) && answer.status() == 501) {
        continue; // see UNKNOWN_VERSION
      }
      if (answer.status() >= 500) {
        violations.add(hostile.label() + ": " + answer.status() + " " + abbreviate(answer.body()));
      } else if (answer.status() >= 400) {
        String type = answer.headers().getOrDefault("content-type", "");
        JsonObject problem = null;
        try {
          problem = new JsonObject(answer.body());
        } catch (RuntimeException notJson) {
          // reported below
        }
        if (!type.startsWith("application/problem+json") || problem == null
            || !Integer.valueOf(answer.status()).equals(problem.getInteger("status"))
            || problem.getString("detail", "").isBlank()) {
          violations.add(hostile.label() + ": " + answer.status() + " is not problem+json with a detail: ["
              + type + "] " + abbreviate(answer.body()));
        }
      }
    }
    return violations;
  }

  /** The rows of every table a public endpoint writes, and the versions of the rows that move. */
  private static final Map<String, String> ROW_QUERIES = new LinkedHashMap<>();

  static {
    for (String table : List.of("delivery_order", "delivery_order_timeline", "courier_callback", "courier_placement",
        "order_cancellation", "courier_penalty", "ledger_entry", "outbox", "checkout_order", "stock_reservation",
        "sku", "payment", "payment_event", "saga_instance")) {
      ROW_QUERIES.put(table + " rows", "SELECT COUNT(*) FROM " + table);
    }
    for (String table : List.of("delivery_order", "checkout_order", "sku", "payment", "saga_instance")) {
      ROW_QUERIES.put(table + " versions", "SELECT COALESCE(SUM(version), 0) FROM " + table);
    }
  }

  /**
   * The row counts once they have stopped moving: the test JVM's servers are shared, and work an earlier test left
   * (a saga resumed by this node, a timer) must settle before "nothing changed" means anything.
   */
  private static Map<String, Long> rowsWhenQuiet() throws Exception {
    Map<String, Long> last = rows();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      Thread.sleep(1_000);
      Map<String, Long> now = rows();
      if (now.equals(last)) {
        return now;
      }
      last = now;
    }
    return last;
  }

  private static Map<String, Long> rows() throws Exception {
    Map<String, Long> rows = new LinkedHashMap<>();
    for (Map.Entry<String, String> query : ROW_QUERIES.entrySet()) {
      Row row = await(pool.query(query.getValue()).execute()).iterator().next();
      rows.put(query.getKey(), row.getLong(0));
    }
    return rows;
  }

  private static List<String> rowChanges(Map<String, Long> before, Map<String, Long> after) {
    List<String> changes = new ArrayList<>();
    before.forEach((what, count) -> {
      if (!count.equals(after.get(what))) {
        changes.add(what + " changed from " + count + " to " + after.get(what));
      }
    });
    return changes;
  }

  // ------------------------------------------------------------------------------------------------ hostility

  /** Requests that hit the HTTP layer rather than the endpoint: codec limits, bad encodings, wrong content types. */
  private static List<Hostile> transportCases(String method, String path) {
    List<Hostile> cases = new ArrayList<>();
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    cases.add(new Hostile("URI too long", request(method, path + "?q=" + "a".repeat(9_000), json(), body)));
    cases.add(new Hostile("path too long", request(method, path + "/" + "a".repeat(9_000), json(), body)));
    for (String bad : List.of("%zz", "%", "%00", "%c0%ae%c0%ae/", "/../../etc/passwd", "?a=%zz&b=%", ";jsessionid=1")) {
      cases.add(new Hostile("bad encoding '" + bad + "'", request(method, path + bad, json(), body)));
    }
    cases.add(new Hostile("one huge header", request(method, path,
        headers("Content-Type", "application/json", "X-Fuzz", "h".repeat(20_000)), body)));
    List<String> many = new ArrayList<>(List.of("Content-Type", "application/json"));
    for (int i = 0; i < 400; i++) {
      many.add("X-Fuzz-" + i);
      many.add("v".repeat(40));
    }
    cases.add(new Hostile("400 headers", request(method, path, many.toArray(String[]::new), body)));
    for (String type : List.of("text/plain", "application/xml", "application/json; charset=ebcdic", "%%%",
        "multipart/form-data", "application/x-www-form-urlencoded", "")) {
      cases.add(new Hostile("content type '" + type + "'", request(method, path, headers("Content-Type", type),
          body)));
    }
    cases.add(new Hostile("body over every limit", request(method, path, json(),
        ("{\"a\":\"" + "x".repeat(2_000_000) + "\"}").getBytes(StandardCharsets.UTF_8))));
    for (String other : List.of("PATCH", "DELETE", "OPTIONS", "TRACE", "FUZZ")) {
      cases.add(new Hostile("method " + other, request(other, path, json(), body)));
    }
    String line = method + " " + path + " HTTP/1.1\r\n";
    cases.add(new Hostile(UNKNOWN_VERSION, (method + " " + path + " HTTP/9.9\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1)));
    for (String raw : List.of("GARBAGE\r\n\r\n", method + "\r\n\r\n",
        line + "NoColonHeader\r\n\r\n", line + "Content-Length: abc\r\n\r\n", line + "Content-Length: -5\r\n\r\n",
        line + "Host: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{} ",
        method + " " + path + "\u0000\u00ff HTTP/1.1\r\n\r\n")) {
      cases.add(new Hostile("malformed request '" + abbreviate(raw.replace("\r\n", "\\r\\n")) + "'",
          raw.getBytes(StandardCharsets.ISO_8859_1)));
    }
    return cases;
  }

  /**
   * {@code valid} with at least one defect that no endpoint may accept, sometimes several, sometimes in a body that is
   * not JSON at all. Deterministic for a given {@code random}.
   */
  private static String defective(Random random, JsonObject valid) {
    int kind = random.nextInt(14);
    return switch (kind) {
      case 0 -> "";
      case 1 -> "not json at all";
      case 2 -> valid.encode().substring(0, 1 + random.nextInt(valid.encode().length() - 1));
      case 3 -> List.of("null", "[]", "42", "\"text\"", "true", "{}", "[{}]").get(random.nextInt(7));
      case 4 -> "[".repeat(20_000) + "]".repeat(20_000);
      case 5 -> "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000);
      case 6 -> new String(randomBytes(random, 1 + random.nextInt(2_000)), StandardCharsets.ISO_8859_1);
      default -> {
        JsonObject body = valid.copy();
        List<String> broken = mutate(random, body, true, List.of());
        for (int extra = random.nextInt(3); extra > 0; extra--) {
          mutate(random, body, false, broken);
        }
        yield body.encode();
      }
    };
  }

  /**
   * One change to a random field, answering its path. {@code mustBreak}: a change that makes the body invalid for sure
   * (on a field of the template: every one is required). Other changes leave the field at {@code keep} alone, so they
   * never undo the defect.
   */
  private static List<String> mutate(Random random, JsonObject body, boolean mustBreak, List<String> keep) {
    List<String> path = body.isEmpty() ? List.of() : randomLeaf(random, body);
    boolean touchesKeep = !keep.isEmpty() && !path.isEmpty()
        && (startsWith(path, keep) || startsWith(keep, path));
    if (path.isEmpty() || touchesKeep) {
      body.put("unexpected_" + random.nextInt(1000), hostileText(random, 10));
      return path;
    }
    JsonObject parent = body;
    for (int i = 0; i < path.size() - 1; i++) {
      parent = parent.getJsonObject(path.get(i));
    }
    String field = path.get(path.size() - 1);
    Object current = parent.getValue(field);
    int kind = random.nextInt(mustBreak ? 6 : 8);
    switch (kind) {
      case 0 -> parent.remove(field);
      case 1 -> parent.put(field, (Object) null);
      case 2 -> parent.put(field, current instanceof String ? (Object) new JsonArray().add(current) : "not-a-number");
      case 3 -> parent.put(field, current instanceof String ? (Object) new JsonObject().put("x", 1) : true);
      // Longer than any column (255 characters at most), or a number no field takes.
      case 4 -> parent.put(field, current instanceof String ? hostileText(random, 260 + random.nextInt(20_000))
          : (Object) (random.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE));
      case 5 -> parent.put(field, current instanceof Number ? (Object) 1e308 : "\ud800" + "💥".repeat(300));
      case 6 -> parent.put(field, hostileText(random, 1 + random.nextInt(60)));
      default -> parent.put("unexpected_" + random.nextInt(1000), hostileText(random, 10));
    }
    return path;
  }

  private static boolean startsWith(List<String> path, List<String> prefix) {
    return path.size() >= prefix.size() && path.subList(0, prefix.size()).equals(prefix);
  }

  private static List<String> randomLeaf(Random random, JsonObject body) {
    List<String> path = new ArrayList<>();
    JsonObject at = body;
    while (true) {
      List<String> names = new ArrayList<>(at.fieldNames());
      String name = names.get(random.nextInt(names.size()));
      path.add(name);
      if (at.getValue(name) instanceof JsonObject nested && !nested.isEmpty() && random.nextBoolean()) {
        at = nested;
      } else {
        return path;
      }
    }
  }

  /** Unicode that breaks naive code: lone surrogates, NUL, emoji (4 bytes in UTF-8), right-to-left, combining marks. */
  private static String hostileText(Random random, int codePoints) {
    String[] pieces = {"\ud800", "\udfff", "\u0000", "💥", "👩‍👩‍👧", "\u202e", "e\u0301", "\uffff", "'; DROP TABLE sku; --",
        "<script>", "%zz", "\\", "\"", "订单", "\r\n"};
    StringBuilder text = new StringBuilder();
    while (text.codePointCount(0, text.length()) < codePoints) {
      text.append(pieces[random.nextInt(pieces.length)]);
    }
    return text.toString();
  }

  private static byte[] randomBytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  private static String hostileKey(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> UUID.randomUUID().toString();
      case 1 -> "k".repeat(300);
      case 2 -> "键💥";
      default -> "";
    };
  }

  /** Tokens that must all be refused, by name. */
  private static Map<String, String> hostileTokens() {
    Map<String, String> tokens = new LinkedHashMap<>();
    JsonObject keys = node.node().settings().verticleSections().getJsonObject("admin").getJsonObject("jwt");
    JWTAuth ours = JWTAuth.create(client, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(keys.getString("privateKey"))));
    JWTAuth theirs = JWTAuth.create(client, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(otherPrivateKey())));
    JsonObject operator = new JsonObject().put("sub", "mallory");
    long now = Instant.now().getEpochSecond();
    tokens.put("no token", "");
    tokens.put("not bearer", "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes()));
    tokens.put("garbage", "Bearer garbage");
    tokens.put("three dots", "Bearer ...");
    tokens.put("huge", "Bearer " + "a".repeat(6_000));
    tokens.put("alg none", "Bearer " + b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(operator.copy()
        .put("iss", AdminTokens.ISSUER).put("aud", AdminTokens.AUDIENCE).put("exp", now + 600).encode()) + ".");
    tokens.put("no exp", "Bearer " + ours.generateToken(operator, adminOptions()));
    tokens.put("expired", "Bearer " + ours.generateToken(operator.copy().put("iat", now - 7_200)
        .put("exp", now - 3_600), adminOptions().setNoTimestamp(true)));
    tokens.put("lives 30 days", "Bearer " + ours.generateToken(operator,
        adminOptions().setExpiresInSeconds((int) Duration.ofDays(30).toSeconds())));
    tokens.put("wrong key", "Bearer " + theirs.generateToken(operator, adminOptions().setExpiresInSeconds(600)));
    tokens.put("wrong audience", "Bearer " + ours.generateToken(operator, new JWTOptions().setAlgorithm("RS256")
        .setIssuer(AdminTokens.ISSUER).setAudience(List.of("someone-else")).setExpiresInSeconds(600)));
    tokens.put("no subject", "Bearer " + ours.generateToken(new JsonObject(), adminOptions().setExpiresInSeconds(600)));
    return tokens;
  }

  private static JWTOptions adminOptions() {
    return new JWTOptions().setAlgorithm("RS256").setIssuer(AdminTokens.ISSUER)
        .setAudience(List.of(AdminTokens.AUDIENCE));
  }

  private static String otherPrivateKey() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
          .encodeToString(generator.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------------------------------------ valid shapes

  private static JsonObject intakeOrder() {
    Instant now = Instant.now();
    return new JsonObject()
        .put("platformOrderId", "MT-fuzz-" + UUID.randomUUID())
        .put("city", "shanghai")
        .put("shop", new JsonObject().put("id", "shop-1").put("name", "Lanzhou Noodles"))
        .put("pickup", new JsonObject().put("name", "Lanzhou Noodles").put("phone", "021-5555-0101")
            .put("address", "88 Nanjing West Rd").put("lat", 31.2304).put("lng", 121.4737))
        .put("dropoff", new JsonObject().put("name", "Li Lei").put("phone", "138-0000-0001")
            .put("address", "1 Century Ave").put("lat", 31.2397).put("lng", 121.4998))
        .put("weightGrams", 1200)
        .put("deliveryFeeFen", 850)
        .put("placedAt", now.toString())
        .put("expectedDeliveryAt", now.plusSeconds(2700).toString());
  }

  private static JsonObject checkoutBody() {
    return new JsonObject()
        .put("customer", new JsonObject().put("name", "Li Lei").put("email", "li.lei@example.com")
            .put("phone", "138-0000-0001"))
        .put("items", new JsonArray().add(new JsonObject().put("sku", "no-such-sku-fuzz").put("quantity", 1)))
        .put("delivery", new JsonObject().put("address", "1 Century Ave").put("lat", 31.2397).put("lng", 121.4998));
  }

  private static JsonObject skuBody() {
    return new JsonObject().put("name", "Longjing tea").put("priceMinor", 8800).put("currency", "CNY")
        .put("available", 100);
  }

  private static JsonObject stripeEvent() {
    return new JsonObject().put("id", "evt_fuzz_" + UUID.randomUUID().toString().replace("-", ""))
        .put("object", "event").put("created", Instant.now().getEpochSecond()).put("type", "checkout.session.completed")
        // Only what makes it readable: without a session it would be stored as an unknown payment, so any defect
        // in these fields must make it unreadable.
        .put("data", new JsonObject().put("object", new JsonObject().put("object", "checkout.session")));
  }

  /** An order id no order has: a callback that reads well for it would be stored (UNKNOWN_ORDER), so none may. */
  private static String fuzzOrderId() {
    return UUID.randomUUID().toString();
  }

  // ------------------------------------------------------------------------------------------------ raw HTTP

  private static Hostile intakeSigned(String label, byte[] body, String platform, String secret, long skewSeconds) {
    String ts = String.valueOf(Instant.now().getEpochSecond() + skewSeconds);
    return post(label, "/v1/orders", headers("Content-Type", "application/json", "X-Kilosail-Platform", platform,
        "X-Kilosail-Timestamp", ts, "X-Kilosail-Signature", PlatformSignature.sign(secret, ts, body)), body);
  }

  private static Hostile post(String label, String path, String[] headers, byte[] body) {
    return new Hostile(label, request("POST", path, headers, body));
  }

  private static Hostile post(String label, String path, String[] headers, String body) {
    return post(label, path, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  private static Hostile get(String label, String path) {
    return new Hostile(label, request("GET", path, new String[0], new byte[0]));
  }

  private static byte[] request(String method, String target, String[] headers, byte[] body) {
    StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1\r\nConnection: close\r\n");
    for (int i = 0; i < headers.length; i += 2) {
      if (!(headers[i].equalsIgnoreCase("Authorization") && headers[i + 1].isEmpty())) {
        head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
      }
    }
    head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
    // Header values are sent as UTF-8 bytes, as a hostile client would, not only ISO-8859-1.
    byte[] start = head.toString().getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[start.length + body.length];
    System.arraycopy(start, 0, all, 0, start.length);
    System.arraycopy(body, 0, all, start.length, body.length);
    return all;
  }

  /** Writes the request, half-closes, reads the answer to the end (every request says Connection: close). */
  private static Answer exchange(int port, byte[] request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      // No half-close after the request: Netty closes a connection whose input ends, and the answer with it.
      try {
        out.write(request);
        out.flush();
      } catch (IOException refusedMidway) {
        // The server may answer (413, 431) and close before it has read everything: read what it said.
      }
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n; (n = in.read(buffer)) > 0; ) {
          received.write(buffer, 0, n);
        }
      } catch (IOException reset) {
        if (received.size() == 0) {
          throw reset;
        }
      }
      return parse(received.toByteArray());
    }
  }

  private static Answer parse(byte[] bytes) throws IOException {
    String text = new String(bytes, StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    // The codec answers what it could not read as HTTP/1.0, and echoes an unknown version: any HTTP/x.y will do.
    if (!text.matches("(?s)HTTP/\\d\\.\\d \\d{3}.*") || end < 0) {
      throw new IOException("not an HTTP answer: '" + abbreviate(text) + "'");
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].substring(9, 12));
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    String body = text.substring(end + 4);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = dechunk(body);
    }
    return new Answer(status, headers, body);
  }

  private static String dechunk(String chunked) {
    StringBuilder body = new StringBuilder();
    int at = 0;
    while (at < chunked.length()) {
      int eol = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      body.append(chunked, eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
    return body.toString();
  }

  private static WebSocket connect() throws Exception {
    return TestNodes.openBridge(client, node.node().httpPort());
  }

  private static String[] json() {
    return headers("Content-Type", "application/json");
  }

  private static String[] headers(String... namesAndValues) {
    return namesAndValues;
  }

  private static String now() {
    return String.valueOf(Instant.now().getEpochSecond());
  }

  private static String stripeSignature(String secret, String body) {
    long t = Instant.now().getEpochSecond();
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac.doFinal((t + "." + body)
          .getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...(" + text.length() + " chars)";
  }
}
