package io.kilosail.launcher;

import io.kilosail.access.FixedWindow;
import io.kilosail.access.RateLimiter;
import io.kilosail.access.RateLimits;
import io.kilosail.access.Role;
import io.kilosail.infra.Clients;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.kilosail.launcher.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may read what, on a whole node (docs/security.md): every read of orders and money needs credentials, a food
 * platform sees only its own orders, each operator role only its scope, every admin change is audited, and callers are
 * held to rate limits that every node shares through Redis.
 */
@ExtendWith(KilosailInfraExtension.class)
class AccessControlTest {

  /** A low per-address budget over a long window: only the shop's anonymous endpoints here draw on it. */
  private static final JsonObject CONF = new JsonObject()
      .put("rateLimits", new JsonObject().put("windowMs", 60_000).put("perAddress", 20));
  private static final String PERIOD = "from=2025-01-01T00:00:00Z&to=2100-01-01T00:00:00Z";

  private static LiveNode node;
  private static String orderId;
  private static String platformOrderId;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    node = LiveNode.start(infra.settings(), CONF);
    orderId = node.push("shanghai");
    platformOrderId = node.awaitState(orderId, "DELIVERED").getString("platformOrderId");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  /** Every read of orders, money, sagas and the audit log. */
  private static List<String> reads() {
    return List.of("/v1/orders/" + orderId, "/v1/orders?platform=meituan&platformOrderId=" + platformOrderId,
        "/v1/orders/" + orderId + "/ledger", "/v1/settlements?" + PERIOD, "/v1/settlements/couriers?" + PERIOD,
        "/v1/admin/sagas?businessKey=" + orderId, "/v1/admin/audit");
  }

  @Test
  void everyReadWithoutCredentialsIs401ProblemJson() throws Exception {
    for (String path : reads()) {
      HttpResponse<String> answer = anonymous(path);
      assertThat(answer.statusCode()).as("GET " + path + ": " + answer.body()).isEqualTo(401);
      assertThat(answer.headers().firstValue("content-type")).as(path).hasValue("application/problem+json");
      assertThat(answer.body()).as(path).doesNotContain("138-0000-0001").doesNotContain("Li Lei");
    }
  }

  @Test
  void aPlatformReadsItsOwnOrderAndGets404ForAnothers() throws Exception {
    HttpResponse<String> own = node.signedGet("meituan", node.api("/v1/orders/" + orderId));
    assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
    assertThat(new JsonObject(own.body()).getString("orderId")).isEqualTo(orderId);
    HttpResponse<String> ownByKey = node.signedGet("meituan",
        node.api("/v1/orders?platform=meituan&platformOrderId=" + platformOrderId));
    assertThat(ownByKey.statusCode()).as(ownByKey.body()).isEqualTo(200);
    HttpResponse<String> ownLedger = node.signedGet("meituan", node.api("/v1/orders/" + orderId + "/ledger"));
    assertThat(ownLedger.statusCode()).as(ownLedger.body()).isEqualTo(200);
    JsonObject theirSide = new JsonObject(ownLedger.body());
    assertThat(theirSide.getLong("owedFen")).isEqualTo(850);
    assertThat(theirSide.containsKey("marginFen")).as("our margin is not the platform's business").isFalse();

    // eleme is a known, correctly signing platform: meituan's order does not exist for it.
    for (String path : List.of("/v1/orders/" + orderId, "/v1/orders?platform=meituan&platformOrderId="
        + platformOrderId, "/v1/orders/" + orderId + "/ledger")) {
      HttpResponse<String> answer = node.signedGet("eleme", node.api(path));
      assertThat(answer.statusCode()).as("eleme GET " + path + ": " + answer.body()).isEqualTo(404);
      assertThat(answer.body()).doesNotContain("138-0000-0001");
    }
    // Money across platforms is finance's.
    assertThat(node.signedGet("meituan", node.api("/v1/settlements?" + PERIOD)).statusCode()).isEqualTo(403);

    // A signature covers the target it was made for: replayed on another order it is no signature.
    HttpRequest signedForOne = TestCredentials.signedRead(node.api("/v1/orders/" + orderId), "meituan").build();
    HttpRequest.Builder replay = HttpRequest.newBuilder(node.api("/v1/orders/" + UUID.randomUUID()));
    signedForOne.headers().map().forEach((name, values) -> values.forEach(v -> replay.header(name, v)));
    HttpResponse<String> replayed = node.http().send(replay.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(401);
  }

  @Test
  void eachRoleReadsAndChangesOnlyItsScope() throws Exception {
    String sagaRetry = "/v1/admin/sagas/" + UUID.randomUUID() + "/retry";
    String sku = "/v1/admin/skus/acl-" + UUID.randomUUID();
    JsonObject skuBody = new JsonObject().put("name", "Tea").put("priceMinor", 100).put("currency", "CNY")
        .put("available", 1);
    // What each role may do; everything else in the list answers 403 to it.
    Map<String, Role> scope = Map.of("GET /v1/orders/" + orderId, Role.OPS,
        "GET /v1/orders/" + orderId + "/ledger", Role.FINANCE,
        "GET /v1/settlements?" + PERIOD, Role.FINANCE,
        "GET /v1/settlements/couriers?" + PERIOD, Role.FINANCE,
        "GET /v1/admin/sagas?businessKey=" + orderId, Role.OPS,
        "GET /v1/admin/audit", Role.OPS,
        "POST " + sagaRetry, Role.OPS,
        "PUT " + sku, Role.CATALOG);
    List<Role[]> tokens = List.of(new Role[]{}, new Role[]{Role.OPS}, new Role[]{Role.CATALOG},
        new Role[]{Role.FINANCE});
    for (Role[] roles : tokens) {
      String operator = "acl-" + (roles.length == 0 ? "none" : roles[0].id());
      String bearer = "Bearer " + TestCredentials.operatorToken(operator, roles);
      for (Map.Entry<String, Role> action : scope.entrySet()) {
        String[] methodAndPath = action.getKey().split(" ", 2);
        HttpResponse<String> answer = node.send(methodAndPath[0], node.api(methodAndPath[1]),
            methodAndPath[0].equals("PUT") ? skuBody : methodAndPath[0].equals("POST") ? new JsonObject() : null,
            "Authorization", bearer);
        boolean allowed = roles.length == 1 && roles[0] == action.getValue();
        if (allowed) {
          // Allowed: whatever the endpoint answers (the saga to retry does not exist), but never 401 or 403.
          assertThat(answer.statusCode()).as(operator + " " + action.getKey() + ": " + answer.body())
              .isNotIn(401, 403).isLessThan(500);
        } else {
          assertThat(answer.statusCode()).as(operator + " " + action.getKey() + ": " + answer.body()).isEqualTo(403);
          assertThat(new JsonObject(answer.body()).getString("detail"))
              .contains("'" + action.getValue().id() + "' role");
        }
      }
    }
    // A token may carry several roles.
    String both = "Bearer " + TestCredentials.operatorToken("acl-both", Role.OPS, Role.FINANCE);
    assertThat(node.send("GET", node.api("/v1/orders/" + orderId), null, "Authorization", both).statusCode())
        .isEqualTo(200);
    assertThat(node.send("GET", node.api("/v1/settlements?" + PERIOD), null, "Authorization", both).statusCode())
        .isEqualTo(200);
  }

  @Test
  void everyAdminChangeLeavesAnAuditRowWithItsOutcome() throws Exception {
    String operator = "auditee-" + UUID.randomUUID();
    String sku = "audit-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject skuBody = new JsonObject().put("name", "Tea").put("priceMinor", 100).put("currency", "CNY")
        .put("available", 1);
    String catalog = "Bearer " + TestCredentials.operatorToken(operator, Role.CATALOG);
    String ops = "Bearer " + TestCredentials.operatorToken(operator, Role.OPS);
    String missingSaga = UUID.randomUUID().toString();
    assertThat(node.send("PUT", node.api("/v1/admin/skus/" + sku), skuBody, "Authorization", catalog).statusCode())
        .isEqualTo(200);
    assertThat(node.send("POST", node.api("/v1/admin/sagas/" + missingSaga + "/retry"), new JsonObject(),
        "Authorization", ops).statusCode()).isEqualTo(404);
    assertThat(node.send("POST", node.api("/v1/admin/sagas/" + missingSaga + "/compensate"), new JsonObject(),
        "Authorization", catalog).statusCode()).isEqualTo(403);

    JsonArray entries = new JsonArray();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (entries.size() < 3 && System.nanoTime() < deadline) {
      HttpResponse<String> audit = node.send("GET", node.api("/v1/admin/audit?operator=" + operator), null);
      assertThat(audit.statusCode()).as(audit.body()).isEqualTo(200);
      entries = new JsonObject(audit.body()).getJsonArray("entries");
      Thread.sleep(100);
    }
    List<String> rows = new ArrayList<>();
    entries.forEach(e -> {
      JsonObject entry = (JsonObject) e;
      assertThat(Instant.parse(entry.getString("at"))).isAfter(Instant.now().minusSeconds(60));
      assertThat(entry.getString("channel")).isEqualTo("http");
      rows.add(entry.getString("action") + " -> " + entry.getString("outcome"));
    });
    assertThat(rows).containsExactly(
        "POST /v1/admin/sagas/" + missingSaga + "/compensate -> refused",
        "POST /v1/admin/sagas/" + missingSaga + "/retry -> failed",
        "PUT /v1/admin/skus/" + sku + " -> ok");
    // The log is ops': the catalog operator cannot read it.
    assertThat(node.send("GET", node.api("/v1/admin/audit"), null, "Authorization", catalog).statusCode())
        .isEqualTo(403);
  }

  @Test
  void anAddressOverItsBudgetGets429WithRetryAfter() throws Exception {
    String path = "/v1/stock/no-such-sku";
    // A checkout counts against the same budget, and its body survives the wait for Redis: it reaches validation.
    HttpResponse<String> checkout = node.send("POST", node.api("/v1/checkout"), new JsonObject(), "Idempotency-Key",
        UUID.randomUUID().toString());
    assertThat(checkout.statusCode()).as(checkout.body()).isEqualTo(400);
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<String> last = null;
    for (int i = 0; i < 24; i++) {
      last = anonymous(path);
      statuses.add(last.statusCode());
    }
    assertThat(statuses.subList(0, 19)).as(statuses.toString()).containsOnly(404);
    assertThat(statuses.subList(19, 24)).as(statuses.toString()).containsOnly(429);
    assertThat(last.headers().firstValue("content-type")).hasValue("application/problem+json");
    long retryAfter = Long.parseLong(last.headers().firstValue("retry-after").orElseThrow());
    assertThat(retryAfter).isBetween(1L, 60L);
    assertThat(new JsonObject(last.body()).getString("limit")).isEqualTo("address");
    // The platforms' and the operators' budgets are their own: the node still answers them.
    assertThat(node.signedGet("meituan", node.api("/v1/orders/" + orderId)).statusCode()).isEqualTo(200);
  }

  @Test
  void twoLimitersOnTheSameRedisShareOneBudget(TestInfra infra) throws Exception {
    Vertx vertx = Vertx.vertx();
    Redis redisA = Clients.redis(vertx, infra.settings().redisUrl());
    Redis redisB = Clients.redis(vertx, infra.settings().redisUrl());
    try {
      RateLimits limits = new RateLimits(Duration.ofSeconds(30), 10, 0, 0);
      // Two nodes: two clients, two limiters, two registries; only Redis in common.
      SimpleMeterRegistry metersA = new SimpleMeterRegistry();
      RateLimiter nodeA = new RateLimiter(RedisAPI.api(redisA), limits, metersA);
      RateLimiter nodeB = new RateLimiter(RedisAPI.api(redisB), limits, new SimpleMeterRegistry());
      String platform = "shared-" + UUID.randomUUID();
      int allowed = 0;
      for (int i = 0; i < 16; i++) {
        FixedWindow.Decision decision = await((i % 2 == 0 ? nodeA : nodeB).admit(RateLimiter.Kind.PLATFORM, platform));
        allowed += decision.allowed() ? 1 : 0;
      }
      assertThat(allowed).as("requests let through by both nodes together").isEqualTo(10);
      assertThat(metersA.get("kilosail.ratelimit.refused").tag("limit", "platform").counter().count()).isEqualTo(3);
      FixedWindow.Decision refused = await(nodeB.admit(RateLimiter.Kind.PLATFORM, platform));
      assertThat(refused.allowed()).isFalse();
      assertThat(refused.retryAfterSeconds()).isBetween(1L, 30L);
      // Another platform has its own budget.
      assertThat(await(nodeA.admit(RateLimiter.Kind.PLATFORM, "other-" + platform)).allowed()).isTrue();
    } finally {
      redisA.close();
      redisB.close();
      await(vertx.close());
    }
  }

  @Test
  void withRedisUnreachableRequestsPassAndAreCounted() throws Exception {
    Vertx vertx = Vertx.vertx();
    Redis nowhere = Clients.redis(vertx, "redis://127.0.0.1:" + io.kilosail.embedded.FreePort.pick());
    try {
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      RateLimiter limiter = new RateLimiter(RedisAPI.api(nowhere), new RateLimits(Duration.ofSeconds(1), 1, 1, 1),
          meters);
      List<Future<FixedWindow.Decision>> decisions = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        decisions.add(limiter.admit(RateLimiter.Kind.OPERATOR, "alice"));
      }
      for (Future<FixedWindow.Decision> decision : decisions) {
        assertThat(await(decision).allowed()).isTrue();
      }
      assertThat(meters.get("kilosail.ratelimit.unavailable").tag("limit", "operator").counter().count())
          .isEqualTo(3);
    } finally {
      nowhere.close();
      await(vertx.close());
    }
  }

  private static HttpResponse<String> anonymous(String path) throws Exception {
    return node.http().send(HttpRequest.newBuilder(node.api(path)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
