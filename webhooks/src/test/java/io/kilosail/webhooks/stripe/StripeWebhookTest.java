package io.kilosail.webhooks.stripe;

import io.kilosail.infra.Clients;
import io.kilosail.payment.Payment;
import io.kilosail.payment.PaymentRepository;
import io.kilosail.payment.PaymentState;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.kilosail.webhooks.courier.CourierWebhookVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stripe's webhook against the real embedded MariaDB: signed events as Stripe sends them move a payment forward once,
 * with one saga signal per move; duplicates, reordered and replayed events change nothing more; a wrong secret, an
 * old timestamp or a body altered after signing get 401 and store nothing. The endpoint rolls from one secret to the
 * next with both configured.
 */
@ExtendWith(KilosailInfraExtension.class)
class StripeWebhookTest {

  private static final String NEW_SECRET = "whsec_test_new";
  private static final String OLD_SECRET = "whsec_test_old";

  private static Vertx vertx;
  private static Pool pool;
  private static WebClient client;
  private static PaymentRepository payments;
  private static int port;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, infra.settings().mysql());
    client = WebClient.create(vertx);
    payments = new PaymentRepository(pool);
    JsonObject config = infra.config()
        .put("node", new JsonObject().put("id", "stripe-webhook-test").put("metricsRegistry",
            "stripe-webhook-test-" + UUID.randomUUID()))
        .put("webhooks", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("payments", new JsonObject().put("stripe", new JsonObject()
            .put("webhookSecrets", new JsonArray().add(NEW_SECRET).add(OLD_SECRET))));
    CourierWebhookVerticle webhooks = new CourierWebhookVerticle();
    await(vertx.deployVerticle(webhooks, new DeploymentOptions().setConfig(config)));
    port = webhooks.actualPort();
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void aPaidSessionMovesThePaymentOnceAndTellsTheSaga() throws Exception {
    Open open = openPayment();
    String event = sessionEvent("checkout.session.completed", open, "complete", "paid");

    for (int copy = 0; copy < 3; copy++) {
      HttpResponse<Buffer> answer = post(event, signed(event, NEW_SECRET, now()));
      assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
      assertThat(answer.bodyAsJsonObject().getBoolean("received")).isTrue();
    }

    Payment paid = await(payments.find(open.orderId));
    assertThat(paid.state()).isEqualTo(PaymentState.PAID);
    assertThat(paid.paymentIntent()).isEqualTo(open.intent);
    assertThat(signals(open.orderId)).containsExactly("payment.succeeded");
    assertThat(events(open.orderId)).as("one row per event id").hasSize(1);
  }

  @Test
  void anOlderEventNeverMovesThePaymentBack() throws Exception {
    Open open = openPayment();
    String succeeded = sessionEvent("checkout.session.async_payment_succeeded", open, "complete", "paid");
    String completedUnpaid = sessionEvent("checkout.session.completed", open, "complete", "unpaid");
    String expired = sessionEvent("checkout.session.expired", open, "expired", "unpaid");

    // Stripe does not guarantee order: the async success overtakes the completion that preceded it.
    assertThat(post(succeeded, signed(succeeded, NEW_SECRET, now())).statusCode()).isEqualTo(200);
    assertThat(post(completedUnpaid, signed(completedUnpaid, NEW_SECRET, now())).statusCode()).isEqualTo(200);
    assertThat(post(expired, signed(expired, NEW_SECRET, now())).statusCode()).isEqualTo(200);

    assertThat(await(payments.find(open.orderId)).state()).isEqualTo(PaymentState.PAID);
    assertThat(signals(open.orderId)).containsExactly("payment.succeeded");
    assertThat(events(open.orderId)).containsExactlyInAnyOrder("MOVED", "STALE", "STALE");
  }

  @Test
  void aDelayedPaymentThatFailsFailsThePayment() throws Exception {
    Open open = openPayment();
    String completed = sessionEvent("checkout.session.completed", open, "complete", "unpaid");
    String failed = sessionEvent("checkout.session.async_payment_failed", open, "complete", "unpaid");

    assertThat(post(completed, signed(completed, NEW_SECRET, now())).statusCode()).isEqualTo(200);
    assertThat(await(payments.find(open.orderId)).state()).isEqualTo(PaymentState.PROCESSING);
    assertThat(post(failed, signed(failed, NEW_SECRET, now())).statusCode()).isEqualTo(200);

    Payment payment = await(payments.find(open.orderId));
    assertThat(payment.state()).isEqualTo(PaymentState.FAILED);
    assertThat(payment.reason()).contains("failed");
    assertThat(signals(open.orderId)).containsExactly("payment.failed");
  }

  @Test
  void aRefundedChargeFindsItsPaymentByIntent() throws Exception {
    Open open = openPayment();
    String completed = sessionEvent("checkout.session.completed", open, "complete", "paid");
    String refunded = event("charge.refunded", new JsonObject().put("id", "ch_" + open.orderId).put("object", "charge")
        .put("amount", 1800).put("amount_refunded", 1800).put("refunded", true).put("payment_intent", open.intent)
        .put("metadata", new JsonObject().put("order_id", open.orderId)));

    assertThat(post(completed, signed(completed, NEW_SECRET, now())).statusCode()).isEqualTo(200);
    assertThat(post(refunded, signed(refunded, NEW_SECRET, now())).statusCode()).isEqualTo(200);

    assertThat(await(payments.find(open.orderId)).state()).isEqualTo(PaymentState.REFUNDED);
    assertThat(signals(open.orderId)).containsExactly("payment.succeeded", "payment.refunded");
  }

  @Test
  void badSignaturesAreRefusedWithNothingStored() throws Exception {
    Open open = openPayment();
    String event = sessionEvent("checkout.session.completed", open, "complete", "paid");
    String eventId = new JsonObject(event).getString("id");

    HttpResponse<Buffer> wrongSecret = post(event, signed(event, "whsec_someone_else", now()));
    HttpResponse<Buffer> tooOld = post(event, signed(event, NEW_SECRET, now() - 301));
    HttpResponse<Buffer> altered = post(event.replace("\"paid\"", "\"unpaid\""), signed(event, NEW_SECRET, now()));
    HttpResponse<Buffer> unsigned = client.post(port, "127.0.0.1", StripeWebhook.PATH)
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(event))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    HttpResponse<Buffer> garbled = post(event, "t=abc,v1=def");

    for (HttpResponse<Buffer> refused : List.of(wrongSecret, tooOld, altered, unsigned, garbled)) {
      assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(401);
      assertThat(refused.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(refused.bodyAsJsonObject().getString("type")).endsWith("/stripe-signature");
    }
    assertThat(tooOld.bodyAsJsonObject().getString("detail")).contains("older than the tolerance");
    assertThat(await(payments.find(open.orderId)).state()).isEqualTo(PaymentState.OPEN);
    assertThat(await(pool.preparedQuery("SELECT COUNT(*) FROM payment_event WHERE event_id = ?")
        .execute(Tuple.of(eventId))).iterator().next().getLong(0)).isZero();
    assertThat(signals(open.orderId)).isEmpty();
  }

  @Test
  void eitherSecretVerifiesWhileRollingAndEveryV1IsTried() throws Exception {
    Open first = openPayment();
    String byOld = sessionEvent("checkout.session.completed", first, "complete", "paid");
    assertThat(post(byOld, signed(byOld, OLD_SECRET, now())).statusCode()).isEqualTo(200);

    Open second = openPayment();
    String byBoth = sessionEvent("checkout.session.completed", second, "complete", "paid");
    long t = now();
    String header = "t=" + t + ",v1=" + "0".repeat(64) + ",v1=" + hmac(NEW_SECRET, t, byBoth);
    assertThat(post(byBoth, header).statusCode()).isEqualTo(200);

    assertThat(await(payments.find(first.orderId)).state()).isEqualTo(PaymentState.PAID);
    assertThat(await(payments.find(second.orderId)).state()).isEqualTo(PaymentState.PAID);
  }

  @Test
  void otherTypesAndUnknownSessionsAreAcknowledgedAndKept() throws Exception {
    String other = event("customer.created", new JsonObject().put("id", "cus_1").put("object", "customer"));
    HttpResponse<Buffer> ignored = post(other, signed(other, NEW_SECRET, now()));
    Open nobody = new Open(UUID.randomUUID().toString(), "cs_test_nobody_" + UUID.randomUUID(), "pi_x");
    String unknown = sessionEvent("checkout.session.completed", nobody, "complete", "paid");
    HttpResponse<Buffer> unknownAnswer = post(unknown, signed(unknown, NEW_SECRET, now()));
    String notAnEvent = "{\"hello\":\"world\"}";
    HttpResponse<Buffer> unreadable = post(notAnEvent, signed(notAnEvent, NEW_SECRET, now()));

    assertThat(ignored.statusCode()).isEqualTo(200);
    assertThat(unknownAnswer.statusCode()).isEqualTo(200);
    assertThat(outcome(new JsonObject(other).getString("id"))).isEqualTo("IGNORED");
    assertThat(outcome(new JsonObject(unknown).getString("id"))).isEqualTo("UNKNOWN_PAYMENT");
    assertThat(unreadable.statusCode()).isEqualTo(400);
    assertThat(unreadable.bodyAsJsonObject().getString("type")).endsWith("/stripe-event-unreadable");
  }

  @Test
  void signedBodiesThatAreNoEventAreRefusedWith400AndNothingStored() throws Exception {
    long eventsBefore = count("SELECT COUNT(*) FROM payment_event");
    Open open = openPayment();
    String tooLongOrder = sessionEvent("checkout.session.completed", new Open("o".repeat(37), open.sessionId,
        open.intent), "complete", "paid");
    List<String> bodies = List.of("", " ", "null", "[]", "\"evt\"", "{", "{\"id\":1,\"object\":\"event\"}",
        "{\"id\":\"evt_1\",\"type\":\"x\",\"object\":{}}",
        event("checkout.session.completed", new JsonObject().put("object", 42)),
        event("charge.refunded", new JsonObject().put("object", new JsonArray().add("charge"))),
        event("x".repeat(101), new JsonObject()),
        new JsonObject(event("customer.created", new JsonObject())).put("created", 1e300).encode(),
        tooLongOrder);
    for (String body : bodies) {
      HttpResponse<Buffer> answer = post(body, signed(body, NEW_SECRET, now()));
      assertThat(answer.statusCode()).as("answer to signed body '%s': %s", body, answer.bodyAsString()).isEqualTo(400);
      assertThat(answer.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(answer.bodyAsJsonObject().getString("type")).endsWith("/stripe-event-unreadable");
    }
    assertThat(count("SELECT COUNT(*) FROM payment_event")).isEqualTo(eventsBefore);
    assertThat(await(payments.find(open.orderId)).state()).isEqualTo(PaymentState.OPEN);
  }

  private static long count(String sql) throws Exception {
    return await(pool.query(sql).execute()).iterator().next().getLong(0);
  }

  // ---------------------------------------------------------------------------------------------------- helpers

  private record Open(String orderId, String sessionId, String intent) {
  }

  /** A payment as the channel leaves it once Stripe opened its session. */
  private static Open openPayment() throws Exception {
    String orderId = UUID.randomUUID().toString();
    String session = "cs_test_" + UUID.randomUUID().toString().replace("-", "");
    await(payments.begin(orderId, "stripe", "cny", 1800, Instant.now().plusSeconds(1920)));
    await(payments.move(orderId, PaymentState.OPEN, new Payment.Changes(session, "http://pay/" + session, null, null,
        null)));
    return new Open(orderId, session, "pi_" + UUID.randomUUID().toString().replace("-", ""));
  }

  private static String sessionEvent(String type, Open open, String status, String paymentStatus) {
    return event(type, new JsonObject().put("id", open.sessionId).put("object", "checkout.session")
        .put("status", status).put("payment_status", paymentStatus).put("payment_intent", open.intent)
        .put("client_reference_id", open.orderId).put("amount_total", 1800).put("currency", "cny")
        .put("metadata", new JsonObject().put("order_id", open.orderId)));
  }

  private static String event(String type, JsonObject object) {
    return new JsonObject().put("id", "evt_" + UUID.randomUUID().toString().replace("-", "")).put("object", "event")
        .put("api_version", "2024-06-20").put("created", now()).put("livemode", false).put("type", type)
        .put("data", new JsonObject().put("object", object)).encode();
  }

  private static long now() {
    return Instant.now().getEpochSecond();
  }

  private static String signed(String body, String secret, long t) throws Exception {
    return "t=" + t + ",v1=" + hmac(secret, t, body);
  }

  private static String hmac(String secret, long t, String body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
  }

  private static HttpResponse<Buffer> post(String body, String signature) throws Exception {
    return client.post(port, "127.0.0.1", StripeWebhook.PATH)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Stripe-Signature", signature)
        .sendBuffer(Buffer.buffer(body))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The saga signals written for the order, oldest first. */
  private static List<String> signals(String orderId) throws Exception {
    List<String> types = new java.util.ArrayList<>();
    await(pool.preparedQuery("SELECT event_type FROM saga_pending_signal WHERE saga_type = 'checkout'"
        + " AND business_key = ? ORDER BY received_at").execute(Tuple.of(orderId)))
        .forEach(row -> types.add(row.getString(0)));
    return types;
  }

  /** The outcomes of the events stored for the order, in arrival order. */
  private static List<String> events(String orderId) throws Exception {
    List<String> outcomes = new java.util.ArrayList<>();
    await(pool.preparedQuery("SELECT outcome FROM payment_event WHERE order_id = ? ORDER BY received_at, event_id")
        .execute(Tuple.of(orderId))).forEach(row -> outcomes.add(row.getString(0)));
    return outcomes;
  }

  private static String outcome(String eventId) throws Exception {
    var rows = await(pool.preparedQuery("SELECT outcome FROM payment_event WHERE event_id = ?")
        .execute(Tuple.of(eventId)));
    return rows.size() == 0 ? null : rows.iterator().next().getString(0);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
