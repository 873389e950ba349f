package io.kilosail.payment.stripe;

import io.kilosail.contracts.payment.PaymentChannel;
import io.kilosail.contracts.payment.PaymentLine;
import io.kilosail.contracts.payment.PaymentRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The part of Stripe's REST API the checkout uses: Checkout Sessions (create, retrieve, expire) and refunds. Requests
 * are form-encoded with Stripe's bracket notation and {@code Authorization: Bearer}; every creating call carries an
 * {@code Idempotency-Key} derived from the order, so a retry after a lost answer gets Stripe's first answer instead of
 * a second session or a second refund.
 *
 * <p>Failures leave as {@link ServiceException} with {@link PaymentChannel} codes: Stripe's 4xx is
 * {@link PaymentChannel#REFUSED_BY_PROVIDER} (its error object's {@code code} in the debug info, under
 * {@code stripeCode}); a 5xx, a 429, a timeout, a connection failure or an open circuit is
 * {@link PaymentChannel#PROVIDER_UNAVAILABLE}, which alone counts towards the circuit.
 *
 * <p>Meters: {@code kilosail.payment.calls} (channel, operation, outcome), {@code kilosail.payment.call.duration}
 * (channel, operation), {@code kilosail.payment.circuit.state} (channel; 0 closed, 1 half-open, 2 open).
 */
public final class StripeApi {

  private static final Logger log = LoggerFactory.getLogger(StripeApi.class);

  private final StripeSettings settings;
  private final WebClient web;
  private final CircuitBreaker breaker;
  private final MeterRegistry registry;
  private final Gauge circuitGauge;

  public StripeApi(Vertx vertx, WebClient web, StripeSettings settings, MeterRegistry registry) {
    this.settings = settings;
    this.web = web;
    this.registry = registry;
    StripeSettings.Circuit circuit = settings.circuit();
    this.breaker = CircuitBreaker.create("payment-stripe", vertx, new CircuitBreakerOptions()
            .setMaxFailures(circuit.maxFailures())
            .setTimeout(circuit.timeoutMs())
            .setResetTimeout(circuit.resetTimeoutMs())
            // The saga step retries with backoff from its persisted state; a retry in here would hide the time spent.
            .setMaxRetries(0))
        .<Object>failurePolicy(result -> result.failed() && unavailable(result.cause()))
        .openHandler(v -> log.warn("stripe circuit open resetTimeoutMs={}", circuit.resetTimeoutMs()))
        .halfOpenHandler(v -> log.info("stripe circuit half-open"))
        .closeHandler(v -> log.info("stripe circuit closed"));
    this.circuitGauge = Gauge.builder("kilosail.payment.circuit.state", breaker, b -> switch (b.state()) {
          case CLOSED -> 0;
          case HALF_OPEN -> 1;
          case OPEN -> 2;
        })
        .description("payment channel circuit: 0 closed, 1 half-open, 2 open")
        .tag("channel", StripeSettings.CHANNEL)
        .strongReference(true)
        .register(registry);
  }

  /** Opens a Checkout Session for the order; repeated calls for one order answer the same session. */
  public Future<JsonObject> createSession(PaymentRequest request) {
    MultiMap form = MultiMap.caseInsensitiveMultiMap()
        .add("mode", "payment")
        .add("client_reference_id", request.getOrderId())
        .add("customer_email", request.getCustomerEmail())
        .add("expires_at", Long.toString(request.getExpiresAtEpochSeconds()))
        .add("success_url", settings.successUrl().replace("{ORDER_ID}", request.getOrderId()))
        .add("cancel_url", settings.cancelUrl().replace("{ORDER_ID}", request.getOrderId()))
        .add("metadata[order_id]", request.getOrderId())
        // Stripe puts no session on a charge: the refund's charge.refunded event finds its order by this.
        .add("payment_intent_data[metadata][order_id]", request.getOrderId());
    List<PaymentLine> lines = request.getLines();
    for (int i = 0; i < lines.size(); i++) {
      PaymentLine line = lines.get(i);
      String prefix = "line_items[" + i + "]";
      form.add(prefix + "[price_data][currency]", request.getCurrency())
          .add(prefix + "[price_data][unit_amount]", Long.toString(line.getUnitAmountMinor()))
          .add(prefix + "[price_data][product_data][name]", line.getName() == null ? line.getSku() : line.getName())
          .add(prefix + "[quantity]", Integer.toString(line.getQuantity()));
    }
    return call("create_session", () -> post("/v1/checkout/sessions", "kilosail-checkout-" + request.getOrderId())
        .sendForm(form));
  }

  public Future<JsonObject> session(String sessionId) {
    return call("retrieve_session", () -> authorized(web.getAbs(settings.apiBase() + "/v1/checkout/sessions/"
        + sessionId)).send());
  }

  /** Closes an open session so it can no longer be paid; Stripe refuses (4xx) once it is complete or expired. */
  public Future<JsonObject> expire(String sessionId) {
    return call("expire_session", () -> post("/v1/checkout/sessions/" + sessionId + "/expire", null)
        .sendForm(MultiMap.caseInsensitiveMultiMap()));
  }

  /** Refunds what is left of the payment in full; one refund per order, whatever the retries. */
  public Future<JsonObject> refund(String paymentIntent, String orderId) {
    return call("refund", () -> post("/v1/refunds", "kilosail-refund-" + orderId)
        .sendForm(MultiMap.caseInsensitiveMultiMap()
            .add("payment_intent", paymentIntent)
            .add("metadata[order_id]", orderId)));
  }

  /** Forgets the breaker (its timers) and the gauge; the WebClient belongs to whoever created it. */
  public void close() {
    breaker.close();
    registry.remove(circuitGauge);
  }

  private HttpRequest<Buffer> post(String path, String idempotencyKey) {
    HttpRequest<Buffer> request = authorized(web.postAbs(settings.apiBase() + path));
    return idempotencyKey == null ? request : request.putHeader("Idempotency-Key", idempotencyKey);
  }

  private HttpRequest<Buffer> authorized(HttpRequest<Buffer> request) {
    return request.bearerTokenAuthentication(settings.secretKey()).timeout(settings.timeoutMs());
  }

  private Future<JsonObject> call(String operation, Supplier<Future<HttpResponse<Buffer>>> send) {
    long started = System.nanoTime();
    Future<JsonObject> result = breaker.<JsonObject>execute(() -> send.get().compose(StripeApi::read))
        .recover(err -> Future.failedFuture(classify(operation, err)));
    return result.andThen(ar -> {
      long nanos = System.nanoTime() - started;
      String outcome = ar.succeeded() ? "ok" : ((ServiceException) ar.cause()).failureCode()
          == PaymentChannel.REFUSED_BY_PROVIDER ? "refused" : "unavailable";
      Counter.builder("kilosail.payment.calls").tag("channel", StripeSettings.CHANNEL).tag("operation", operation)
          .tag("outcome", outcome).register(registry).increment();
      Timer.builder("kilosail.payment.call.duration").tag("channel", StripeSettings.CHANNEL)
          .tag("operation", operation).register(registry).record(nanos, TimeUnit.NANOSECONDS);
      if (ar.failed()) {
        log.info("stripe call failed operation={} outcome={} ms={} reason={}", operation, outcome,
            TimeUnit.NANOSECONDS.toMillis(nanos), ar.cause().getMessage());
      }
    });
  }

  private static Future<JsonObject> read(HttpResponse<Buffer> response) {
    int status = response.statusCode();
    JsonObject body;
    try {
      body = response.body() == null ? new JsonObject() : response.bodyAsJsonObject();
    } catch (DecodeException e) {
      body = new JsonObject();
    }
    if (status >= 200 && status < 300) {
      return Future.succeededFuture(body);
    }
    JsonObject error = body.getJsonObject("error", new JsonObject());
    String message = "Stripe answered HTTP " + status + ": " + error.getString("message", response.bodyAsString());
    JsonObject debug = new JsonObject().put("httpStatus", status).put("stripeType", error.getString("type"))
        .put("stripeCode", error.getString("code")).put("stripeParam", error.getString("param"));
    // 429 is Stripe's rate limit and 409 its concurrent-use of a key: both pass if tried again later.
    int code = status >= 500 || status == 429 || status == 409 ? PaymentChannel.PROVIDER_UNAVAILABLE
        : PaymentChannel.REFUSED_BY_PROVIDER;
    return Future.failedFuture(new ServiceException(code, message, debug));
  }

  private static ServiceException classify(String operation, Throwable err) {
    if (err instanceof ServiceException known) {
      return known;
    }
    if (err instanceof OpenCircuitException) {
      return new ServiceException(PaymentChannel.PROVIDER_UNAVAILABLE, "the Stripe circuit is open: " + operation
          + " not called");
    }
    return new ServiceException(PaymentChannel.PROVIDER_UNAVAILABLE, "Stripe unreachable on " + operation + ": " + err);
  }

  private static boolean unavailable(Throwable err) {
    return !(err instanceof ServiceException e) || e.failureCode() == PaymentChannel.PROVIDER_UNAVAILABLE;
  }

  /** Stripe's error code of a refusal ({@code charge_already_refunded}...), or null. */
  public static String stripeCode(Throwable err) {
    return err instanceof ServiceException e && e.getDebugInfo() != null ? e.getDebugInfo().getString("stripeCode")
        : null;
  }
}
