package io.kilosail.simulators.stripe;

import io.kilosail.simulators.courier.CourierSimulatorVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static java.net.http.HttpResponse.BodyHandlers.ofString;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Stripe simulator over HTTP, as kilosail's Stripe client and webhook will meet it: Stripe's form encoding and
 * error shapes, the API key, Idempotency-Key, paying, expiring and refunding, and webhook events checked by a receiver
 * that verifies {@code Stripe-Signature} with its own HMAC code (not the simulator's, not kilosail's).
 *
 * <p>Two simulators: one with a single webhook secret, one in the middle of a secret rotation (two secrets).
 */
@ExtendWith(VertxExtension.class)
class StripeSimulatorTest {

  private static final String KEY = "sk_test_stripesim_test_key_4242";
  private static final String SECRET = "whsec_stripesim_test";
  private static final String OLD_SECRET = "whsec_rotating_old";
  private static final String NEW_SECRET = "whsec_rotating_new";
  private static final long TOLERANCE_SECONDS = 300;

  private static Vertx vertx;
  private static String sim;
  private static String rotatingSim;
  private static String hookBase;
  private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Every post the receiver got, answered or not. */
  private static final List<Received> received = new CopyOnWriteArrayList<>();
  /** How many more posts about a session (by id) the receiver answers 500. */
  private static final Map<String, AtomicInteger> failFor = new ConcurrentHashMap<>();

  private record Received(String path, JsonObject event, List<String> signatures, String signatureProblem,
                          int answered) {
    String objectId() {
      return event.getJsonObject("data").getJsonObject("object").getString("id");
    }

    JsonObject object() {
      return event.getJsonObject("data").getJsonObject("object");
    }
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    HttpServer receiver = await(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      String path = request.path();
      List<String> secrets = "/two".equals(path) ? List.of(OLD_SECRET, NEW_SECRET) : List.of(SECRET);
      String header = request.getHeader("Stripe-Signature");
      List<String> v1s = new ArrayList<>();
      String problem = verify(header, body.getBytes(), secrets, v1s);
      JsonObject event = new JsonObject(body);
      JsonObject object = event.getJsonObject("data").getJsonObject("object");
      String sessionId = object.getString("id");
      AtomicInteger failures = failFor.get(sessionId);
      int status = problem != null ? 400 : failures != null && failures.getAndDecrement() > 0 ? 500 : 200;
      if (!"application/json; charset=utf-8".equals(request.getHeader("Content-Type"))) {
        problem = "Content-Type " + request.getHeader("Content-Type");
        status = 400;
      }
      received.add(new Received(path, event, v1s, problem, status));
      request.response().setStatusCode(status).end();
    })).listen(0, "127.0.0.1"));
    String hook = "http://127.0.0.1:" + receiver.actualPort();
    hookBase = hook;

    CourierSimulatorVerticle one = new CourierSimulatorVerticle();
    await(vertx.deployVerticle(one, new DeploymentOptions().setConfig(new JsonObject()
        .put("host", "127.0.0.1").put("port", 0)
        .put("stripe", new JsonObject()
            .put("secretKey", KEY)
            .put("webhookUrl", hook + "/one")
            .put("webhookSecrets", new JsonArray().add(SECRET))
            .put("webhook", new JsonObject().put("retryDelaysMs", new JsonArray().add(100).add(200).add(400)))
            .put("asyncDelayMs", 200)))));
    sim = "http://127.0.0.1:" + one.actualPort();

    CourierSimulatorVerticle two = new CourierSimulatorVerticle();
    await(vertx.deployVerticle(two, new DeploymentOptions().setConfig(new JsonObject()
        .put("host", "127.0.0.1").put("port", 0)
        .put("stripe", new JsonObject()
            .put("secretKey", KEY)
            .put("webhookUrl", hook + "/two")
            .put("webhookSecrets", new JsonArray().add(OLD_SECRET).add(NEW_SECRET))))));
    rotatingSim = "http://127.0.0.1:" + two.actualPort();
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  // ------------------------------------------------------------------------------------------------ the API

  @Test
  void createsACheckoutSessionFromStripesFormEncoding() throws Exception {
    HttpResponse<String> created = stripe("POST", sim, "/v1/checkout/sessions", KEY, null, sessionForm("o-create"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    assertThat(created.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonObject session = new JsonObject(created.body());
    String id = session.getString("id");
    assertThat(id).startsWith("cs_test_");
    assertThat(session.getString("object")).isEqualTo("checkout.session");
    assertThat(session.getString("status")).isEqualTo("open");
    assertThat(session.getString("payment_status")).isEqualTo("unpaid");
    assertThat(session.getString("mode")).isEqualTo("payment");
    assertThat(session.getLong("amount_total")).isEqualTo(2 * 1250 + 300);
    assertThat(session.getLong("amount_subtotal")).isEqualTo(2 * 1250 + 300);
    assertThat(session.getString("currency")).isEqualTo("usd");
    assertThat(session.getString("client_reference_id")).isEqualTo("o-create");
    assertThat(session.getString("customer_email")).isEqualTo("buyer@example.com");
    assertThat(session.getJsonObject("metadata")).isEqualTo(new JsonObject().put("orderId", "o-create"));
    assertThat(session.getValue("payment_intent")).isNull();
    assertThat(session.getBoolean("livemode")).isFalse();
    assertThat(session.getString("success_url")).isEqualTo("https://shop.example/ok?session={CHECKOUT_SESSION_ID}");
    long now = System.currentTimeMillis() / 1000;
    assertThat(session.getLong("created")).isBetween(now - 5, now + 1);
    assertThat(session.getLong("expires_at")).isBetween(now + 3_600 - 5, now + 3_600 + 1);
    assertThat(session.getString("url")).isEqualTo(sim + "/stripe/pay/" + id);

    HttpResponse<String> again = stripe("GET", sim, "/v1/checkout/sessions/" + id, KEY, null, null);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(again.body())).isEqualTo(session);

    HttpResponse<String> page = send("GET", session.getString("url"), null, Map.of());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("28.00 USD", "12.50 USD", "Mug", "Pay (delayed method, fails)");

    HttpResponse<String> missing = stripe("GET", sim, "/v1/checkout/sessions/cs_test_nope", KEY, null, null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(error(missing).getString("code")).isEqualTo("resource_missing");
  }

  @Test
  void refusesAWrongOrMissingKey() throws Exception {
    HttpResponse<String> wrong = stripe("POST", sim, "/v1/checkout/sessions", "sk_test_not_the_key_at_all", null,
        sessionForm("o-key"));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(error(wrong).getString("type")).isEqualTo("invalid_request_error");
    assertThat(error(wrong).getString("message")).startsWith("Invalid API Key provided: ").doesNotContain("at_all");

    HttpResponse<String> none = stripe("GET", sim, "/v1/checkout/sessions/cs_test_x", null, null, null);
    assertThat(none.statusCode()).isEqualTo(401);

    HttpResponse<String> basic = send("GET", sim + "/stripe/v1/checkout/sessions/cs_test_x", null, Map.of(
        "Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString((KEY + ":").getBytes())));
    assertThat(basic.statusCode()).as("Basic auth with the key as user name passes the key check").isEqualTo(404);
  }

  @Test
  void replaysAnIdempotentRequestAndRefusesAKeyReusedWithOtherParameters() throws Exception {
    long createdBefore = control("GET", "/_control/stripe", null).getJsonObject("sessions").getLong("created");
    String key = "idem-" + System.nanoTime();
    // One form for both: a retry re-sends the same bytes (expires_at included, which a new form would move on).
    String form = sessionForm("o-idem");
    HttpResponse<String> first = stripe("POST", sim, "/v1/checkout/sessions", KEY, key, form);
    HttpResponse<String> second = stripe("POST", sim, "/v1/checkout/sessions", KEY, key, form);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
    long createdAfter = control("GET", "/_control/stripe", null).getJsonObject("sessions").getLong("created");
    assertThat(createdAfter).as("one session for two requests with one key").isEqualTo(createdBefore + 1);

    HttpResponse<String> other = stripe("POST", sim, "/v1/checkout/sessions", KEY, key,
        form.replace("o-idem", "o-other"));
    assertThat(other.statusCode()).isEqualTo(400);
    assertThat(error(other).getString("type")).isEqualTo("idempotency_error");
    assertThat(error(other).getString("message"))
        .startsWith("Keys for idempotent requests can only be used with the same parameters they were first used with.");
  }

  @Test
  void refusesBadParametersNamingThem() throws Exception {
    String zeroQuantity = sessionForm("o-bad").replace(enc("line_items[1][quantity]") + "=1",
        enc("line_items[1][quantity]") + "=0");
    assertBadParam(stripe("POST", sim, "/v1/checkout/sessions", KEY, null, zeroQuantity), "line_items[1][quantity]");

    long soon = System.currentTimeMillis() / 1000 + 600;
    String tooSoon = sessionForm("o-bad").replaceAll("expires_at=\\d+", "expires_at=" + soon);
    assertBadParam(stripe("POST", sim, "/v1/checkout/sessions", KEY, null, tooSoon), "expires_at");

    String tooLate = sessionForm("o-bad").replaceAll("expires_at=\\d+", "expires_at=" + (soon + 90_000));
    assertBadParam(stripe("POST", sim, "/v1/checkout/sessions", KEY, null, tooLate), "expires_at");

    HttpResponse<String> noMode = stripe("POST", sim, "/v1/checkout/sessions", KEY, null,
        sessionForm("o-bad").replace("mode=payment&", ""));
    assertBadParam(noMode, "mode");
    assertThat(error(noMode).getString("code")).isEqualTo("parameter_missing");

    String mixed = sessionForm("o-bad").replace(enc("line_items[1][price_data][currency]") + "=usd",
        enc("line_items[1][price_data][currency]") + "=eur");
    assertBadParam(stripe("POST", sim, "/v1/checkout/sessions", KEY, null, mixed),
        "line_items[1][price_data][currency]");

    HttpResponse<String> unknown = stripe("POST", sim, "/v1/checkout/sessions", KEY, null,
        sessionForm("o-bad") + "&colour=blue");
    assertBadParam(unknown, "colour");
    assertThat(error(unknown).getString("code")).isEqualTo("parameter_unknown");

    HttpResponse<String> noLines = stripe("POST", sim, "/v1/checkout/sessions", KEY, null, "mode=payment");
    assertBadParam(noLines, "line_items");
  }

  @Test
  void answers503WhileDown() throws Exception {
    control("PUT", "/_control/stripe/down", new JsonObject().put("forMs", 400));
    HttpResponse<String> down = stripe("GET", sim, "/v1/checkout/sessions/cs_test_x", KEY, null, null);
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(error(down).getString("type")).isEqualTo("api_error");
    Thread.sleep(500);
    assertThat(stripe("GET", sim, "/v1/checkout/sessions/cs_test_x", KEY, null, null).statusCode()).isEqualTo(404);
  }

  // ------------------------------------------------------------------------------------------------ paying

  @Test
  void paidSessionSendsASignedCompletedEvent() throws Exception {
    String id = createSession(sim, "o-paid");
    JsonObject paid = control("POST", "/_control/stripe/sessions/" + id + "/pay", new JsonObject().put("outcome", "paid"));
    assertThat(paid.getString("status")).isEqualTo("complete");
    assertThat(paid.getString("payment_status")).isEqualTo("paid");
    assertThat(paid.getString("payment_intent")).startsWith("pi_");

    Received completed = awaitOne(r -> "/one".equals(r.path()) && id.equals(r.objectId()), "checkout.session.completed");
    assertThat(completed.signatureProblem()).isNull();
    assertThat(completed.signatures()).hasSize(1);
    JsonObject event = completed.event();
    assertThat(event.getString("id")).startsWith("evt_");
    assertThat(event.getString("object")).isEqualTo("event");
    assertThat(event.getString("api_version")).isEqualTo("2024-06-20");
    assertThat(event.getBoolean("livemode")).isFalse();
    assertThat(completed.object().getString("payment_status")).isEqualTo("paid");
    assertThat(completed.object().getString("status")).isEqualTo("complete");
    assertThat(completed.object().getString("payment_intent")).isEqualTo(paid.getString("payment_intent"));
    assertThat(completed.object().getString("client_reference_id")).isEqualTo("o-paid");
    assertThat(completed.object().getJsonObject("customer_details").getString("email")).isEqualTo("buyer@example.com");

    HttpResponse<String> again = send("POST", sim + "/_control/stripe/sessions/" + id + "/pay",
        new JsonObject().put("outcome", "paid").encode(), Map.of("Content-Type", "application/json"));
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    HttpResponse<String> badOutcome = send("POST", sim + "/_control/stripe/sessions/" + createSession(sim, "o-x")
        + "/pay", new JsonObject().put("outcome", "maybe").encode(), Map.of("Content-Type", "application/json"));
    assertThat(badOutcome.statusCode()).isEqualTo(400);
    assertThat(badOutcome.body()).contains("outcome");
    assertThat(send("POST", sim + "/_control/stripe/sessions/cs_test_nope/pay", "{\"outcome\":\"paid\"}",
        Map.of()).statusCode()).isEqualTo(404);

    JsonObject view = control("GET", "/_control/stripe/sessions/" + id, null);
    assertThat(view.getJsonObject("session").getString("status")).isEqualTo("complete");
    JsonObject recorded = view.getJsonArray("events").getJsonObject(0);
    assertThat(recorded.getString("id")).isEqualTo(event.getString("id"));
    assertThat(recorded.getString("type")).isEqualTo("checkout.session.completed");
    awaitTrue(() -> {
      JsonArray deliveries = control("GET", "/_control/stripe/sessions/" + id, null).getJsonArray("events")
          .getJsonObject(0).getJsonArray("deliveries");
      return deliveries.size() == 1 && deliveries.getJsonObject(0).getInteger("status", 0) == 200;
    }, "delivery recorded as 200");
  }

  @Test
  void delayedMethodsCompleteFirstThenSucceedOrFail() throws Exception {
    String failing = createSession(sim, "o-async-failed");
    String succeeding = createSession(sim, "o-async-paid");
    JsonObject submitted = control("POST", "/_control/stripe/sessions/" + failing + "/pay",
        new JsonObject().put("outcome", "async_failed"));
    assertThat(submitted.getString("status")).isEqualTo("complete");
    assertThat(submitted.getString("payment_status")).isEqualTo("unpaid");
    assertThat(submitted.getString("payment_intent")).startsWith("pi_");
    control("POST", "/_control/stripe/sessions/" + succeeding + "/pay", new JsonObject().put("outcome", "async_paid"));

    List<Received> failedEvents = awaitCount(r -> failing.equals(r.objectId()), 2);
    assertThat(failedEvents).extracting(r -> r.event().getString("type"))
        .containsExactly("checkout.session.completed", "checkout.session.async_payment_failed");
    assertThat(failedEvents).allSatisfy(r -> assertThat(r.object().getString("payment_status")).isEqualTo("unpaid"));

    List<Received> paidEvents = awaitCount(r -> succeeding.equals(r.objectId()), 2);
    assertThat(paidEvents).extracting(r -> r.event().getString("type"))
        .containsExactly("checkout.session.completed", "checkout.session.async_payment_succeeded");
    assertThat(paidEvents).extracting(r -> r.object().getString("payment_status")).containsExactly("unpaid", "paid");
    assertThat(received).allSatisfy(r -> assertThat(r.signatureProblem()).isNull());
  }

  @Test
  void theHostedPagePaysAndRedirectsToTheSuccessUrl() throws Exception {
    String id = createSession(sim, "o-page");
    HttpResponse<String> paid = send("POST", sim + "/stripe/pay/" + id, "outcome=paid",
        Map.of("Content-Type", "application/x-www-form-urlencoded"));
    assertThat(paid.statusCode()).isEqualTo(303);
    assertThat(paid.headers().firstValue("Location")).hasValue("https://shop.example/ok?session=" + id);
    awaitOne(r -> id.equals(r.objectId()), "checkout.session.completed");
    HttpResponse<String> page = send("GET", sim + "/stripe/pay/" + id, null, Map.of());
    assertThat(page.body()).contains("complete");
  }

  @Test
  void expiringSendsTheExpiredEventOnce() throws Exception {
    String id = createSession(sim, "o-expire");
    HttpResponse<String> expired = stripe("POST", sim, "/v1/checkout/sessions/" + id + "/expire", KEY, null, "");
    assertThat(expired.statusCode()).as(expired.body()).isEqualTo(200);
    assertThat(new JsonObject(expired.body()).getString("status")).isEqualTo("expired");
    assertThat(new JsonObject(expired.body()).getValue("url")).as("Stripe hides the URL of a closed session").isNull();
    Received event = awaitOne(r -> id.equals(r.objectId()), "checkout.session.expired");
    assertThat(event.object().getString("status")).isEqualTo("expired");

    HttpResponse<String> again = stripe("POST", sim, "/v1/checkout/sessions/" + id + "/expire", KEY, null, "");
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(error(again).getString("code")).isEqualTo("checkout_session_not_open");
    assertThat(error(again).getString("message"))
        .isEqualTo("Only Checkout Sessions with a status of `open` can be expired.");
    assertThat(send("POST", sim + "/_control/stripe/sessions/" + id + "/expire", "{}", Map.of()).statusCode())
        .isEqualTo(409);
    assertThat(send("POST", sim + "/_control/stripe/sessions/" + id + "/pay", "{\"outcome\":\"paid\"}", Map.of())
        .statusCode()).isEqualTo(409);

    String byControl = createSession(sim, "o-expire-control");
    assertThat(control("POST", "/_control/stripe/sessions/" + byControl + "/expire", new JsonObject())
        .getString("status")).isEqualTo("expired");
    awaitOne(r -> byControl.equals(r.objectId()), "checkout.session.expired");
  }

  // ------------------------------------------------------------------------------------------------ refunds

  @Test
  void refundsUntilNothingIsLeft() throws Exception {
    String id = createSession(sim, "o-refund");
    String paymentIntent = control("POST", "/_control/stripe/sessions/" + id + "/pay",
        new JsonObject().put("outcome", "paid")).getString("payment_intent");

    HttpResponse<String> part = stripe("POST", sim, "/v1/refunds", KEY, "refund-" + id + "-1",
        "payment_intent=" + paymentIntent + "&amount=1000&" + enc("metadata[reason]") + "=broken");
    assertThat(part.statusCode()).as(part.body()).isEqualTo(200);
    JsonObject refund = new JsonObject(part.body());
    assertThat(refund.getString("id")).startsWith("re_");
    assertThat(refund.getString("object")).isEqualTo("refund");
    assertThat(refund.getLong("amount")).isEqualTo(1000);
    assertThat(refund.getString("currency")).isEqualTo("usd");
    assertThat(refund.getString("payment_intent")).isEqualTo(paymentIntent);
    assertThat(refund.getString("charge")).startsWith("ch_");
    assertThat(refund.getString("status")).isEqualTo("succeeded");
    assertThat(refund.getJsonObject("metadata")).isEqualTo(new JsonObject().put("reason", "broken"));

    HttpResponse<String> rest = stripe("POST", sim, "/v1/refunds", KEY, null, "payment_intent=" + paymentIntent);
    assertThat(rest.statusCode()).as(rest.body()).isEqualTo(200);
    assertThat(new JsonObject(rest.body()).getLong("amount")).isEqualTo(2800 - 1000);

    List<Received> refunded = awaitCount(r -> "charge.refunded".equals(r.event().getString("type"))
        && paymentIntent.equals(r.object().getString("payment_intent")), 2);
    JsonObject charge = refunded.get(1).object();
    assertThat(charge.getString("object")).isEqualTo("charge");
    assertThat(charge.getString("id")).isEqualTo(refund.getString("charge"));
    assertThat(charge.getLong("amount")).isEqualTo(2800);
    assertThat(refunded).extracting(r -> r.object().getLong("amount_refunded")).containsExactlyInAnyOrder(1000L, 2800L);
    assertThat(refunded).extracting(r -> r.object().getBoolean("refunded")).containsExactlyInAnyOrder(false, true);
    assertThat(charge.getJsonObject("metadata")).as("the session's payment_intent_data metadata")
        .isEqualTo(new JsonObject().put("orderId", "o-refund").put("shop", "kilosail"));

    HttpResponse<String> nothingLeft = stripe("POST", sim, "/v1/refunds", KEY, null, "payment_intent=" + paymentIntent);
    assertThat(nothingLeft.statusCode()).isEqualTo(400);
    assertThat(error(nothingLeft).getString("code")).isEqualTo("charge_already_refunded");

    HttpResponse<String> unknown = stripe("POST", sim, "/v1/refunds", KEY, null, "payment_intent=pi_nope");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(error(unknown).getString("code")).isEqualTo("resource_missing");
    assertThat(error(unknown).getString("param")).isEqualTo("payment_intent");

    JsonObject view = control("GET", "/_control/stripe/sessions/" + id, null);
    assertThat(view.getJsonArray("refunds")).hasSize(2);
    assertThat(control("GET", "/_control/stripe", null).getLong("refunds")).isGreaterThanOrEqualTo(2);
  }

  // ------------------------------------------------------------------------------------------------ delivery

  @Test
  void retriesUntilTheReceiverAnswers2xx() throws Exception {
    String id = createSession(sim, "o-retry");
    failFor.put(id, new AtomicInteger(2));
    control("POST", "/_control/stripe/sessions/" + id + "/pay", new JsonObject().put("outcome", "paid"));
    List<Received> attempts = awaitCount(r -> id.equals(r.objectId()), 3);
    assertThat(attempts).extracting(Received::answered).containsExactly(500, 500, 200);
    assertThat(attempts).extracting(r -> r.event().getString("id")).containsOnly(attempts.get(0).event().getString("id"));
    assertThat(attempts).allSatisfy(r -> assertThat(r.signatureProblem()).isNull());
    awaitTrue(() -> control("GET", "/_control/stripe/sessions/" + id, null).getJsonArray("events").getJsonObject(0)
        .getJsonArray("deliveries").size() == 3, "three attempts recorded");
    JsonArray deliveries = control("GET", "/_control/stripe/sessions/" + id, null).getJsonArray("events")
        .getJsonObject(0).getJsonArray("deliveries");
    assertThat(deliveries.getJsonObject(0).getInteger("status")).isEqualTo(500);
    assertThat(deliveries.getJsonObject(0).getString("error")).isEqualTo("answered 500");
    assertThat(deliveries.getJsonObject(2).getInteger("status")).isEqualTo(200);
  }

  @Test
  void duplicatesSendEachEventTwiceWithOneId() throws Exception {
    control("PUT", "/_control/stripe/webhooks", new JsonObject().put("duplicates", 1));
    try {
      String id = createSession(sim, "o-dup");
      control("POST", "/_control/stripe/sessions/" + id + "/pay", new JsonObject().put("outcome", "paid"));
      List<Received> copies = awaitCount(r -> id.equals(r.objectId()), 2);
      assertThat(copies.get(0).event().getString("id")).isEqualTo(copies.get(1).event().getString("id"));
      assertThat(copies).extracting(r -> r.event().getString("type")).containsOnly("checkout.session.completed");
      Thread.sleep(300);
      assertThat(received.stream().filter(r -> id.equals(r.objectId())).count()).isEqualTo(2);
    } finally {
      control("PUT", "/_control/stripe/webhooks", new JsonObject().put("duplicates", 0));
    }
  }

  @Test
  void reorderHoldsAnEventBackUntilTheNextOne() throws Exception {
    JsonObject settings = control("PUT", "/_control/stripe/webhooks", new JsonObject().put("reorder", true));
    assertThat(settings.getBoolean("reorder")).isTrue();
    try {
      String id = createSession(sim, "o-reorder");
      control("POST", "/_control/stripe/sessions/" + id + "/pay", new JsonObject().put("outcome", "async_failed"));
      List<Received> events = awaitCount(r -> id.equals(r.objectId()), 2);
      assertThat(events).extracting(r -> r.event().getString("type"))
          .containsExactly("checkout.session.async_payment_failed", "checkout.session.completed");
    } finally {
      control("PUT", "/_control/stripe/webhooks", new JsonObject().put("reorder", false));
    }
    HttpResponse<String> bad = send("PUT", sim + "/_control/stripe/webhooks", "{\"duplicates\":-1}", Map.of());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("duplicates");
  }

  @Test
  void resendSendsTheSameEventAgainNewlySigned() throws Exception {
    String id = createSession(sim, "o-resend");
    control("POST", "/_control/stripe/sessions/" + id + "/pay", new JsonObject().put("outcome", "paid"));
    Received first = awaitOne(r -> id.equals(r.objectId()), "checkout.session.completed");
    String eventId = first.event().getString("id");
    HttpResponse<String> resent = send("POST", sim + "/_control/stripe/events/" + eventId + "/resend", null, Map.of());
    assertThat(resent.statusCode()).isEqualTo(202);
    List<Received> both = awaitCount(r -> id.equals(r.objectId()), 2);
    assertThat(both.get(1).event()).isEqualTo(first.event());
    assertThat(both.get(1).signatureProblem()).isNull();
    assertThat(send("POST", sim + "/_control/stripe/events/evt_nope/resend", null, Map.of()).statusCode())
        .isEqualTo(404);
  }

  @Test
  void duringSecretRotationEveryDeliveryCarriesOneValidSignaturePerSecret() throws Exception {
    String id = createSession(rotatingSim, "o-rotate");
    HttpResponse<String> paid = send("POST", rotatingSim + "/_control/stripe/sessions/" + id + "/pay",
        "{\"outcome\":\"paid\"}", Map.of("Content-Type", "application/json"));
    assertThat(paid.statusCode()).isEqualTo(200);
    Received event = awaitOne(r -> "/two".equals(r.path()) && id.equals(r.objectId()), "checkout.session.completed");
    assertThat(event.signatureProblem()).isNull();
    assertThat(event.signatures()).hasSize(2);
  }

  @Test
  void badConfigurationNamesTheField() {
    for (Map.Entry<String, JsonObject> bad : Map.of(
        "stripe.webhookSecrets", new JsonObject().put("webhookSecrets", new JsonArray()),
        "stripe.webhookUrl", new JsonObject().put("webhookUrl", "not a url"),
        "stripe.webhook.retryDelaysMs", new JsonObject().put("webhook", new JsonObject().put("retryDelaysMs", "soon")),
        "stripe.asyncDelayMs", new JsonObject().put("asyncDelayMs", -1)).entrySet()) {
      Future<String> deployed = vertx.deployVerticle(new CourierSimulatorVerticle(), new DeploymentOptions()
          .setConfig(new JsonObject().put("port", 0).put("stripe", bad.getValue())));
      assertThat(deployed.toCompletionStage().toCompletableFuture())
          .failsWithin(Duration.ofSeconds(10))
          .withThrowableOfType(ExecutionException.class)
          .withMessageContaining(bad.getKey());
    }
  }

  @Test
  void theSweepExpiresOpenSessionsPastTheirExpiresAt() throws Exception {
    // Its own simulator on its own server, so the test can run its sweep with a clock a day ahead.
    SweepHost host = new SweepHost(new JsonObject().put("secretKey", KEY).put("webhookSecrets", new JsonArray().add(SECRET))
        .put("webhookUrl", hookBase + "/one"));
    await(vertx.deployVerticle(host));
    String base = "http://127.0.0.1:" + host.port;
    String due = createSession(base, "o-sweep-due");
    long later = System.currentTimeMillis() / 1000 + 7_200;
    HttpResponse<String> longer = stripe("POST", base, "/v1/checkout/sessions", KEY, null,
        sessionForm("o-sweep-later").replaceAll("expires_at=\\d+", "expires_at=" + (later + 3_600)));
    assertThat(longer.statusCode()).as(longer.body()).isEqualTo(200);
    String notDue = new JsonObject(longer.body()).getString("id");
    await(host.sweepAt(later));
    assertThat(new JsonObject(stripe("GET", base, "/v1/checkout/sessions/" + due, KEY, null, null).body())
        .getString("status")).isEqualTo("expired");
    assertThat(new JsonObject(stripe("GET", base, "/v1/checkout/sessions/" + notDue, KEY, null, null).body())
        .getString("status")).isEqualTo("open");
    Received expired = awaitOne(r -> due.equals(r.objectId()), "checkout.session.expired");
    assertThat(expired.signatureProblem()).isNull();
    await(host.sweepAt(later));
    Thread.sleep(200);
    assertThat(received.stream().filter(r -> due.equals(r.objectId())).count()).as("expired once").isEqualTo(1);
    await(vertx.undeploy(host.deploymentID()));
  }

  /** Hosts a StripeSimulator alone, on its event loop, and runs its expiry sweep with a given clock. */
  private static final class SweepHost extends io.vertx.core.VerticleBase {
    private final JsonObject config;
    private StripeSimulator stripe;
    private int port;

    SweepHost(JsonObject config) {
      this.config = config;
    }

    @Override
    public Future<?> start() {
      stripe = StripeSimulator.create(vertx, config, null);
      io.vertx.ext.web.Router router = io.vertx.ext.web.Router.router(vertx);
      router.route().handler(io.vertx.ext.web.handler.BodyHandler.create());
      stripe.mount(router);
      return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
          .onSuccess(server -> port = server.actualPort());
    }

    @Override
    public Future<?> stop() {
      stripe.close();
      return Future.succeededFuture();
    }

    Future<Void> sweepAt(long nowSeconds) {
      io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
      context.runOnContext(v -> {
        stripe.sweepExpired(nowSeconds);
        done.complete();
      });
      return done.future();
    }
  }

  @Test
  void showsAmountsInTheCurrencysMajorUnit() {
    assertThat(StripeSimulator.money(2800, "usd")).isEqualTo("28.00 USD");
    assertThat(StripeSimulator.money(5, "eur")).isEqualTo("0.05 EUR");
    assertThat(StripeSimulator.money(500, "jpy")).isEqualTo("500 JPY");
    assertThat(StripeSimulator.money(1234, "kwd")).isEqualTo("1.234 KWD");
  }

  // ------------------------------------------------------------------------------------------------ helpers

  /**
   * Checks a Stripe-Signature as a receiver would, with this test's own HMAC: t within the tolerance, and every
   * {@code v1} equal to hex(HMAC-SHA256(secret, t + "." + body)) for the secret in the same position (the simulator
   * lists one per secret, in configuration order). Collects the v1 values; returns what is wrong, or null.
   */
  private static String verify(String header, byte[] body, List<String> secrets, List<String> v1s) {
    if (header == null) {
      return "no Stripe-Signature";
    }
    String t = null;
    for (String part : header.split(",")) {
      String[] pair = part.split("=", 2);
      if (pair.length != 2) {
        return "malformed part " + part;
      }
      if ("t".equals(pair[0])) {
        t = pair[1];
      } else if ("v1".equals(pair[0])) {
        v1s.add(pair[1]);
      }
    }
    if (t == null || !t.matches("\\d+")) {
      return "no t";
    }
    if (Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(t)) > TOLERANCE_SECONDS) {
      return "t outside tolerance";
    }
    if (v1s.size() != secrets.size()) {
      return "expected " + secrets.size() + " v1 values, got " + v1s.size();
    }
    try {
      for (int i = 0; i < secrets.size(); i++) {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secrets.get(i).getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] signed = (t + ".").getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[signed.length + body.length];
        System.arraycopy(signed, 0, payload, 0, signed.length);
        System.arraycopy(body, 0, payload, signed.length, body.length);
        byte[] expected = mac.doFinal(payload);
        if (!MessageDigest.isEqual(expected, HexFormat.of().parseHex(v1s.get(i)))) {
          return "v1 number " + (i + 1) + " does not match secret " + secrets.get(i);
        }
      }
    } catch (Exception e) {
      return "cannot verify: " + e;
    }
    return null;
  }

  /** A session as kilosail's client would create it, form-encoded with Stripe's brackets (percent-encoded). */
  private static String sessionForm(String orderId) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("mode", "payment");
    form.put("success_url", "https://shop.example/ok?session={CHECKOUT_SESSION_ID}");
    form.put("cancel_url", "https://shop.example/cancelled");
    form.put("client_reference_id", orderId);
    form.put("customer_email", "buyer@example.com");
    form.put("expires_at", Long.toString(System.currentTimeMillis() / 1000 + 3_600));
    form.put("metadata[orderId]", orderId);
    form.put("payment_intent_data[metadata][orderId]", orderId);
    form.put("payment_intent_data[metadata][shop]", "kilosail");
    form.put("line_items[0][price_data][currency]", "usd");
    form.put("line_items[0][price_data][unit_amount]", "1250");
    form.put("line_items[0][price_data][product_data][name]", "Mug");
    form.put("line_items[0][quantity]", "2");
    form.put("line_items[1][price_data][currency]", "usd");
    form.put("line_items[1][price_data][unit_amount]", "300");
    form.put("line_items[1][price_data][product_data][name]", "Delivery");
    form.put("line_items[1][quantity]", "1");
    StringBuilder text = new StringBuilder();
    form.forEach((name, value) -> text.append(text.length() == 0 ? "" : "&").append(enc(name)).append('=')
        .append(enc(value)));
    return text.toString();
  }

  private static String enc(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  private static String createSession(String base, String orderId) throws Exception {
    HttpResponse<String> created = stripe("POST", base, "/v1/checkout/sessions", KEY, null, sessionForm(orderId));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    return new JsonObject(created.body()).getString("id");
  }

  private static HttpResponse<String> stripe(String method, String base, String path, String key, String idempotencyKey,
                                             String form) throws Exception {
    Map<String, String> headers = new LinkedHashMap<>();
    if (key != null) {
      headers.put("Authorization", "Bearer " + key);
    }
    if (idempotencyKey != null) {
      headers.put("Idempotency-Key", idempotencyKey);
    }
    if (form != null) {
      headers.put("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8");
    }
    return send(method, base + "/stripe" + path, form, headers);
  }

  private static HttpResponse<String> send(String method, String url, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return client.send(request.build(), ofString());
  }

  private static JsonObject control(String method, String path, JsonObject body) throws Exception {
    HttpResponse<String> answer = send(method, sim + path, body == null ? null : body.encode(),
        Map.of("Content-Type", "application/json"));
    assertThat(answer.statusCode()).as(method + " " + path + ": " + answer.body()).isEqualTo(200);
    return new JsonObject(answer.body());
  }

  private static JsonObject error(HttpResponse<String> answer) {
    return new JsonObject(answer.body()).getJsonObject("error");
  }

  private static void assertBadParam(HttpResponse<String> answer, String param) {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
    assertThat(error(answer).getString("type")).isEqualTo("invalid_request_error");
    assertThat(error(answer).getString("param")).as(answer.body()).isEqualTo(param);
    assertThat(error(answer).getString("message")).isNotBlank();
  }

  private static Received awaitOne(Predicate<Received> which, String type) throws Exception {
    return awaitCount(which.and(r -> type.equals(r.event().getString("type"))), 1).get(0);
  }

  /** The first {@code count} posts matching, in arrival order, once that many have arrived (10 s at most). */
  private static List<Received> awaitCount(Predicate<Received> which, int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      List<Received> matching = received.stream().filter(which).toList();
      if (matching.size() >= count) {
        return matching.subList(0, count);
      }
      assertThat(System.nanoTime()).as("waited for " + count + " posts, got " + matching).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private static void awaitTrue(Check check, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!check.holds()) {
      assertThat(System.nanoTime()).as("waited for " + what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
