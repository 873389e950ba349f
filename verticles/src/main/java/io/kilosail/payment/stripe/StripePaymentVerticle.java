package io.kilosail.payment.stripe;

import io.kilosail.contracts.payment.PaymentChannel;
import io.kilosail.contracts.payment.PaymentLine;
import io.kilosail.contracts.payment.PaymentRequest;
import io.kilosail.contracts.payment.PaymentSession;
import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.payment.Payment;
import io.kilosail.payment.PaymentRepository;
import io.kilosail.payment.PaymentState;
import io.kilosail.platform.settings.InfraSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * The Stripe payment channel (role {@code payment}), at {@code kilosail.payment.stripe}: a payment is a Stripe Checkout
 * Session, paid on Stripe's hosted page; what became of it arrives through Stripe's webhook
 * ({@code io.kilosail.webhooks.stripe}), which moves the payment and tells the checkout saga.
 *
 * <p>Undoing a payment asks Stripe first, since only Stripe knows whether the customer paid a moment ago: an open
 * session is expired, a paid one refunded, a delayed payment still processing is retried later (the saga's
 * compensation retries), anything else needs nothing. What was done is recorded through {@link PaymentRepository#move},
 * forward only, exactly as the webhook would have.
 */
public class StripePaymentVerticle extends VerticleBase implements PaymentChannel {

  private static final Logger log = LoggerFactory.getLogger(StripePaymentVerticle.class);
  private static final Pattern CURRENCY = Pattern.compile("[a-z]{3}");
  /** Stripe refuses an expiry less than 30 minutes after the session's creation. */
  private static final long MIN_EXPIRY_SECONDS = 30 * 60;

  private Pool pool;
  private WebClient web;
  private StripeApi api;
  private PaymentRepository payments;
  private MessageConsumer<JsonObject> consumer;

  @Override
  public Future<?> start() {
    StripeSettings settings;
    try {
      settings = StripeSettings.fromJson(config());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    pool = Clients.mysqlPool(vertx, InfraSettings.fromJson(config()).mysql());
    payments = new PaymentRepository(pool);
    web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(2_000),
        new PoolOptions().setHttp1MaxSize(64));
    api = new StripeApi(vertx, web, settings, Meters.registry(NodeConfig.fromJson(config())));
    String address = PaymentChannel.address(StripeSettings.CHANNEL);
    consumer = new ServiceBinder(vertx).setAddress(address).register(PaymentChannel.class, this);
    return consumer.completion().onSuccess(x -> log.info("payment channel up channel={} address={} apiBase={}",
        StripeSettings.CHANNEL, address, settings.apiBase()));
  }

  @Override
  public Future<?> stop() {
    if (api != null) {
      api.close();
    }
    if (web != null) {
      web.close();
    }
    return (consumer == null ? Future.succeededFuture() : consumer.unregister())
        .eventually(() -> pool == null ? Future.succeededFuture() : pool.close());
  }

  @Override
  public Future<PaymentSession> createPayment(SagaStep step, PaymentRequest request) {
    String invalid = invalid(request);
    if (invalid != null) {
      return ServiceException.fail(INVALID_REQUEST, invalid);
    }
    String orderId = request.getOrderId();
    return payments.begin(orderId, StripeSettings.CHANNEL, request.getCurrency(), request.getAmountMinor(),
            Instant.ofEpochSecond(request.getExpiresAtEpochSeconds()))
        .compose(payment -> switch (payment.state()) {
          case CREATING -> open(request);
          case CANCELLED -> ServiceException.fail(REFUSED_BY_PROVIDER, "the payment of order " + orderId
              + " was cancelled before it opened");
          // Opened before (a retry of this step): the same page.
          default -> Future.succeededFuture(payment.toSession());
        });
  }

  private Future<PaymentSession> open(PaymentRequest request) {
    String orderId = request.getOrderId();
    return api.createSession(request).compose(session -> {
      String sessionId = session.getString("id");
      String url = session.getString("url");
      if (sessionId == null || url == null) {
        return ServiceException.fail(PROVIDER_UNAVAILABLE, "Stripe answered a session without id or url");
      }
      return payments.move(orderId, PaymentState.OPEN, new Payment.Changes(sessionId, url, null, null, null))
          .compose(payment -> {
            if (payment.state() == PaymentState.CANCELLED) {
              // The compensation overtook this call: nobody will be shown this page, so close it.
              log.info("payment cancelled while its session was created; expiring it orderId={} session={}", orderId,
                  sessionId);
              return api.expire(sessionId).<PaymentSession>transform(x -> ServiceException.fail(REFUSED_BY_PROVIDER,
                  "the payment of order " + orderId + " was cancelled while it opened"));
            }
            return Future.succeededFuture(payment.toSession());
          });
    });
  }

  @Override
  public Future<PaymentSession> cancelPayment(SagaStep step, String orderId) {
    if (orderId == null) {
      return ServiceException.fail(INVALID_REQUEST, "cancelling a payment needs the order id");
    }
    return payments.find(orderId).compose(payment -> {
      if (payment == null || payment.state() == PaymentState.CREATING) {
        return payments.cancelBeforeCreated(orderId, StripeSettings.CHANNEL, "cancelled before it opened")
            .compose(now -> now.state() == PaymentState.CANCELLED ? Future.succeededFuture(now.toSession())
                : undo(now, 1));
      }
      // Failed, expired, refunded or cancelled: nothing is left to undo. (Stripe alone could not tell a failed delayed
      // payment from one still processing: both are a complete, unpaid session.)
      return payment.paymentId() == null || payment.state().terminal() ? Future.succeededFuture(payment.toSession())
          : undo(payment, 1);
    });
  }

  /** Does what Stripe's view of the session calls for (see the class comment). */
  private Future<PaymentSession> undo(Payment payment, int attempt) {
    String orderId = payment.orderId();
    return api.session(payment.paymentId()).compose(session -> {
      String status = session.getString("status");
      String paymentStatus = session.getString("payment_status");
      String intent = session.getString("payment_intent");
      if ("open".equals(status)) {
        return api.expire(payment.paymentId())
            .compose(x -> record(orderId, PaymentState.EXPIRED,
                new Payment.Changes(null, null, null, null, "expired by kilosail: the order was cancelled")))
            // Paid (or expired) between our look and the expiry: look again, once.
            .recover(err -> attempt < 2 && err instanceof ServiceException e
                && e.failureCode() == REFUSED_BY_PROVIDER ? undo(payment, attempt + 1) : Future.failedFuture(err));
      }
      if ("complete".equals(status) && ("paid".equals(paymentStatus) || "no_payment_required".equals(paymentStatus))) {
        if (intent == null) {
          return ServiceException.fail(PROVIDER_UNAVAILABLE, "Stripe shows session " + payment.paymentId()
              + " paid but without a payment intent to refund");
        }
        return api.refund(intent, orderId)
            .map(refund -> refund.getString("id"))
            // Refunded already (by an earlier try whose answer was lost, or by hand in Stripe's dashboard).
            .recover(err -> "charge_already_refunded".equals(StripeApi.stripeCode(err))
                ? Future.succeededFuture(null) : Future.failedFuture(err))
            .compose(refundId -> record(orderId, PaymentState.REFUNDED,
                new Payment.Changes(null, null, intent, refundId, "refunded by kilosail: the order was cancelled")));
      }
      if ("complete".equals(status)) {
        return ServiceException.fail(PROVIDER_UNAVAILABLE, "the payment of order " + orderId
            + " is still processing at Stripe; it is undone once it settles");
      }
      // Expired: nothing to undo; make sure our record says so.
      return record(orderId, PaymentState.EXPIRED, new Payment.Changes(null, null, null, null, "expired at Stripe"));
    });
  }

  private Future<PaymentSession> record(String orderId, PaymentState target, Payment.Changes changes) {
    return payments.move(orderId, target, changes).map(Payment::toSession);
  }

  @Override
  public Future<PaymentSession> find(String orderId) {
    return payments.find(orderId).compose(payment -> payment == null
        ? ServiceException.fail(PAYMENT_NOT_FOUND, "no payment for order " + orderId)
        : Future.succeededFuture(payment.toSession()));
  }

  private static String invalid(PaymentRequest request) {
    if (request == null || request.getOrderId() == null || request.getOrderId().isBlank()) {
      return "a payment needs an order id";
    }
    if (request.getCurrency() == null || !CURRENCY.matcher(request.getCurrency()).matches()) {
      return "currency must be a lower-case ISO 4217 code, got " + request.getCurrency();
    }
    if (request.getLines() == null || request.getLines().isEmpty()) {
      return "a payment needs at least one line";
    }
    long sum = 0;
    for (PaymentLine line : request.getLines()) {
      if (line.getQuantity() < 1 || line.getUnitAmountMinor() < 0) {
        return "every line needs a quantity of at least 1 and an amount of at least 0";
      }
      sum = Math.addExact(sum, Math.multiplyExact(line.getUnitAmountMinor(), line.getQuantity()));
    }
    if (sum != request.getAmountMinor() || sum <= 0) {
      return "the lines add up to " + sum + " but the amount is " + request.getAmountMinor();
    }
    long now = Instant.now().getEpochSecond();
    if (request.getExpiresAtEpochSeconds() < now + MIN_EXPIRY_SECONDS) {
      return "Stripe needs the payment page open at least 30 minutes; it would expire in "
          + (request.getExpiresAtEpochSeconds() - now) + " s (checkout.paymentWindowSeconds)";
    }
    return null;
  }
}
