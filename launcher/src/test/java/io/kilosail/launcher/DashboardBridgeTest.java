package io.kilosail.launcher;

import io.kilosail.access.Role;
import io.kilosail.admin.AdminTokens;
import io.kilosail.platform.settings.SettingException;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kilosail.launcher.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The admin bridge's fences, spoken to the way a hostile browser could: raw SockJS websocket frames on
 * {@code /eventbus/websocket}. A send to a service address, a listen on one, an admin command without a token, with a
 * forged or expired one, or published instead of sent: each is refused (and reaches nothing); a command with a valid
 * token works, and the dashboard topics arrive.
 */
@ExtendWith(KilosailInfraExtension.class)
class DashboardBridgeTest {

  private static final JsonObject CONF = new JsonObject()
      .put("relay", new JsonObject().put("idlePollMs", 20))
      .put("admin", new JsonObject().put("dashboard", new JsonObject().put("publishIntervalMs", 250)));

  private static LiveNode node;
  private static AdminTokens tokens;
  private static Vertx client;
  private WebSocket socket;
  private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    node = LiveNode.start(infra.settings(), CONF);
    client = Vertx.vertx();
    tokens = AdminTokens.fromJson(client, node.node().settings().verticleSections());
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      await(client.close());
    }
    if (node != null) {
      node.close();
    }
  }

  @BeforeEach
  void connect() throws Exception {
    socket = TestNodes.openBridge(client, node.node().httpPort());
    // The bridge writes its frames as binary websocket messages, our refusals as text ones: read both.
    socket.handler(data -> frames.add(new JsonObject(data)));
  }

  @AfterEach
  void disconnect() throws Exception {
    await(socket.close());
  }

  @Test
  void aSendToAServiceAddressIsRefusedAndReachesNothing() throws Exception {
    AtomicInteger reached = new AtomicInteger();
    await(node.node().vertx().eventBus().consumer("kilosail.saga.coordinator.test-probe", m -> reached.incrementAndGet())
        .completion());
    String reply = UUID.randomUUID().toString();
    send("send", "kilosail.saga.coordinator.test-probe", new JsonObject().put("action", "retry"),
        bearer(tokens.issue("mallory", Duration.ofMinutes(5))), reply);

    JsonObject refusal = frameFor(reply);
    assertThat(refusal.getString("type")).isEqualTo("err");
    assertThat(refusal.getInteger("failureCode")).isEqualTo(403);
    assertThat(refusal.getString("message")).contains("not an admin command address");
    Thread.sleep(300);
    assertThat(reached).as("messages that got through to the service address").hasValue(0);
  }

  @Test
  void listeningIsAllowedOnDashboardTopicsOnly() throws Exception {
    socket.writeTextMessage(new JsonObject().put("type", "register").put("address", "kilosail.saga.failed").encode());
    JsonObject refused = next(f -> "err".equals(f.getString("type")));
    assertThat(refused.getString("body")).isEqualTo("rejected");

    // Every topic the page listens to arrives, each with the fields the page reads.
    Map<String, String> fieldByTopic = Map.of("dashboard.throughput", "pushedTotal", "dashboard.orders", "byState",
        "dashboard.couriers", "couriers", "dashboard.quotes", "perSec", "dashboard.sagas", "latestFailures",
        "dashboard.messaging", "outboxBacklog", "dashboard.margins", "latestBelowFloor");
    fieldByTopic.keySet().forEach(topic -> socket.writeTextMessage(new JsonObject().put("type", "register")
        .put("address", topic).encode()));
    for (Map.Entry<String, String> topic : fieldByTopic.entrySet()) {
      JsonObject update = next(f -> topic.getKey().equals(f.getString("address")));
      assertThat(update.getJsonObject("body").containsKey(topic.getValue())).as(update.encode()).isTrue();
      if (topic.getKey().equals("dashboard.orders")) {
        assertThat(update.getJsonObject("body").containsKey("checkoutsByState")).as("the shop's open checkouts")
            .isTrue();
      }
    }
  }

  @Test
  void anAdminCommandWithoutAValidTokenIsRefused() throws Exception {
    String orderId = node.push("shanghai");
    String forged = forgedToken();
    String expired = tokens.issue("alice", Duration.ofSeconds(1));
    Thread.sleep(2100);
    JsonObject body = new JsonObject().put("orderId", orderId).put("reason", "should not happen");

    for (String authorization : new String[]{null, "Bearer not-a-jwt", bearer(forged), bearer(expired)}) {
      String reply = UUID.randomUUID().toString();
      send("send", "admin.orders.cancel", body, authorization, reply);
      JsonObject refusal = frameFor(reply);
      assertThat(refusal.getString("type")).as("answer with authorization " + authorization).isEqualTo("err");
      assertThat(refusal.getInteger("failureCode")).isEqualTo(401);
      assertThat(refusal.getString("message")).startsWith("refused: no valid operator token");
    }
    // Published, even with a valid token: commands need their answer.
    send("publish", "admin.orders.cancel", body, bearer(tokens.issue("alice", Duration.ofMinutes(5))), null);
    assertThat(next(f -> "err".equals(f.getString("type"))).getString("body")).isEqualTo("rejected");

    Thread.sleep(300);
    assertThat(node.order(orderId).getString("state")).isNotEqualTo("CANCELLED");
  }

  @Test
  void anAdminCommandWithAValidTokenIsCarriedOut() throws Exception {
    // Couriers that never move on their own: the order is still in progress when the operator cancels it.
    for (String platform : LiveNode.PLATFORMS) {
      node.behave(platform, new JsonObject().put("autoProgress", false));
    }
    try {
      String orderId = node.push("shanghai");
      String reply = UUID.randomUUID().toString();
      send("send", "admin.orders.cancel", new JsonObject().put("orderId", orderId).put("reason", "customer called"),
          bearer(tokens.issue("alice", Duration.ofMinutes(5), Role.OPS)), reply);

      JsonObject answer = frameFor(reply);
      assertThat(answer.getString("type")).as(answer.encode()).isEqualTo("rec");
      assertThat(answer.getJsonObject("body").getBoolean("ok")).isTrue();
      JsonObject order = node.awaitState(orderId, "CANCELLED");
      JsonArray timeline = order.getJsonArray("timeline");
      assertThat(timeline.getJsonObject(timeline.size() - 1).getString("detail")).contains("operator alice");

      // The service's own refusal comes back as clearly: the order cannot be cancelled twice.
      String again = UUID.randomUUID().toString();
      send("send", "admin.orders.cancel", new JsonObject().put("orderId", orderId),
          bearer(tokens.issue("alice", Duration.ofMinutes(5), Role.OPS)), again);
      JsonObject refusal = frameFor(again);
      assertThat(refusal.getInteger("failureCode")).isEqualTo(409);
      assertThat(refusal.getString("message")).contains("already CANCELLED");

      // Both are in the audit log: the cancel (written with it) and the refused second one, with their outcomes.
      List<JsonObject> audit = auditOf("alice", orderId, 2);
      assertThat(audit).extracting(e -> e.getString("outcome")).containsExactly("failed", "ok");
      assertThat(audit).allSatisfy(e -> {
        assertThat(e.getString("channel")).isEqualTo("bridge");
        assertThat(e.getString("action")).isEqualTo("admin.orders.cancel");
      });
    } finally {
      for (String platform : LiveNode.PLATFORMS) {
        node.behave(platform, new JsonObject().put("autoProgress", true));
      }
    }
  }

  @Test
  void aSagaRetryGoesToTheCoordinatorAndItsRefusalComesBack() throws Exception {
    String token = bearer(tokens.issue("alice", Duration.ofMinutes(5), Role.OPS));
    String unknown = UUID.randomUUID().toString();
    send("send", "admin.sagas.retry", new JsonObject().put("sagaId", "no-such-saga"), token, unknown);
    JsonObject notFound = frameFor(unknown);
    assertThat(notFound.getInteger("failureCode")).as(notFound.encode()).isEqualTo(404);

    String orderId = node.push("shanghai");
    JsonObject saga = node.awaitSaga(orderId, "COMPLETED");
    String notFailed = UUID.randomUUID().toString();
    send("send", "admin.sagas.retry", new JsonObject().put("sagaId", saga.getString("id")), token, notFailed);
    JsonObject refusal = frameFor(notFailed);
    assertThat(refusal.getInteger("failureCode")).as(refusal.encode()).isEqualTo(409);
    assertThat(refusal.getString("message")).contains("COMPLETED");

    String missing = UUID.randomUUID().toString();
    send("send", "admin.sagas.retry", new JsonObject(), token, missing);
    assertThat(frameFor(missing).getString("message")).isEqualTo("sagaId is required");
  }

  @Test
  void aCommandOutsideTheTokensRolesIsRefusedAndAudited() throws Exception {
    for (String platform : LiveNode.PLATFORMS) {
      node.behave(platform, new JsonObject().put("autoProgress", false));
    }
    try {
      String orderId = node.push("shanghai");
      String operator = "carol-" + UUID.randomUUID();
      // No role (a token from before roles existed), and roles that do not include ops.
      for (Role[] roles : new Role[][]{{}, {Role.CATALOG}, {Role.FINANCE}, {Role.CATALOG, Role.FINANCE}}) {
        String token = bearer(tokens.issue(operator, Duration.ofMinutes(5), roles));
        String cancel = UUID.randomUUID().toString();
        send("send", "admin.orders.cancel", new JsonObject().put("orderId", orderId), token, cancel);
        JsonObject refusal = frameFor(cancel);
        assertThat(refusal.getInteger("failureCode")).as(refusal.encode()).isEqualTo(403);
        assertThat(refusal.getString("message")).contains("needs the 'ops' role");
        String retry = UUID.randomUUID().toString();
        send("send", "admin.sagas.retry", new JsonObject().put("sagaId", "any"), token, retry);
        assertThat(frameFor(retry).getInteger("failureCode")).isEqualTo(403);
      }
      Thread.sleep(300);
      assertThat(node.order(orderId).getString("state")).isNotEqualTo("CANCELLED");
      List<JsonObject> audit = auditOf(operator, null, 8);
      assertThat(audit).hasSize(8).allSatisfy(e -> assertThat(e.getString("outcome")).isEqualTo("refused"));
    } finally {
      for (String platform : LiveNode.PLATFORMS) {
        node.behave(platform, new JsonObject().put("autoProgress", true));
      }
    }
  }

  /**
   * The audit rows of {@code operator} (on {@code target} when given), newest first, read as an ops operator, once
   * there are {@code expected} (or after 5 s).
   */
  private static List<JsonObject> auditOf(String operator, String target, int expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<JsonObject> rows;
    // A row written after the answer (a refusal, a failure) may land a moment after the operator saw the answer.
    do {
      var answer = node.send("GET", node.api("/v1/admin/audit?operator=" + operator), null);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      rows = new JsonObject(answer.body()).getJsonArray("entries").stream().map(JsonObject.class::cast)
          .filter(e -> target == null || target.equals(e.getString("target"))).toList();
      if (rows.size() >= expected) {
        return rows;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    return rows;
  }

  @Test
  void aBadAdminKeyStopsStartUpNamingTheSetting(TestInfra infra) {
    assertThatThrownBy(() -> TestNodes.start(client, infra.settings(), new JsonObject()
        .put("kilosail.node.roles", "ingress,admin")
        .put("KILOSAIL_ADMIN_JWT_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----")))
        .rootCause()
        .isInstanceOf(SettingException.class)
        .hasMessageContaining("admin.jwt (KILOSAIL_ADMIN_JWT_PUBLIC_KEY");
  }

  private void send(String type, String address, JsonObject body, String authorization, String replyAddress) {
    JsonObject frame = new JsonObject().put("type", type).put("address", address).put("body", body)
        .put("headers", authorization == null ? new JsonObject() : new JsonObject().put("authorization", authorization));
    if (replyAddress != null) {
      frame.put("replyAddress", replyAddress);
    }
    socket.writeTextMessage(frame.encode());
  }

  private JsonObject frameFor(String replyAddress) throws Exception {
    return next(f -> replyAddress.equals(f.getString("address")));
  }

  private JsonObject next(java.util.function.Predicate<JsonObject> wanted) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonObject frame = frames.poll(100, TimeUnit.MILLISECONDS);
      if (frame != null && wanted.test(frame)) {
        return frame;
      }
    }
    throw new AssertionError("no such frame within 10 s");
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }

  /** A well-formed token for a real operator whose signature is not ours (its payload changed after signing). */
  private static String forgedToken() {
    String[] parts = tokens.issue("alice", Duration.ofMinutes(5)).split("\\.");
    String payload = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1])))
        .put("sub", "root").encode();
    return parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes()) + "."
        + parts[2];
  }
}
