package io.kilosail.checkout;

import io.kilosail.delivery.DeliverySaga;
import io.kilosail.cancel.OrderCancellations;
import io.kilosail.checkout.CheckoutState.EndReason;
import io.kilosail.contracts.payment.PaymentChannel;
import io.kilosail.contracts.payment.PaymentLine;
import io.kilosail.contracts.payment.PaymentRequest;
import io.kilosail.contracts.payment.PaymentSession;
import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.contracts.stock.StockLine;
import io.kilosail.contracts.stock.StockRequest;
import io.kilosail.contracts.stock.StockService;
import io.kilosail.infra.Proxies;
import io.kilosail.intake.OrderPush;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.OrderRepository;
import io.kilosail.saga.RetryPolicy;
import io.kilosail.saga.Saga;
import io.kilosail.saga.SagaDefinition;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A customer's checkout (seeds 001, 003), from the order to its delivery:
 *
 * <pre>
 *   open ─ reserve-stock ─ create-payment ─ offer-payment ─ await-payment ─ confirm ─ commit-stock ─ deliver ─ await-delivery ─ complete
 *   (end)  (release)       (expire/refund)                                                         (cancel delivery)
 * </pre>
 *
 * Every failure compensates in reverse: a delivery that cannot be made is cancelled, the payment is expired (never
 * paid) or refunded (paid), the stock goes back on sale (reserved or sold), and the order ends in the state that says
 * why ({@link CheckoutState#endOf}). The payment wait lasts as long as the payment page stays open, plus a grace for
 * the provider's last webhook. The payment's channel is named by the order; the saga only knows
 * {@link PaymentChannel}.
 */
public final class CheckoutSaga {

  public static final String TYPE = "checkout";
  // The facts this saga waits for, as saga signals keyed by order id. The payment channel's webhook writes the first
  // four; CheckoutDeliveries keeps the delivery ones where they happen.
  public static final String PAYMENT_SUCCEEDED = "payment.succeeded";
  public static final String PAYMENT_FAILED = "payment.failed";
  public static final String PAYMENT_EXPIRED = "payment.expired";
  /** Told, not awaited: the order's payment was refunded (by a compensation, or by hand at the provider). */
  public static final String PAYMENT_REFUNDED = "payment.refunded";
  public static final String DELIVERY_DELIVERED = "delivery.delivered";
  public static final String DELIVERY_CANCELLED = "delivery.cancelled";

  /** The order ended (cancelled before the saga got to it, or while it was being handed to delivery). */
  static final int ORDER_ENDED = 4410;
  /**
   * The local steps write our own tables, idempotently (forward-only moves): a database hiccup under load (no pooled
   * connection in time) is retried rather than ending a customer's order.
   */
  private static final RetryPolicy LOCAL_RETRY = RetryPolicy.DEFAULT.notRetrying(ORDER_ENDED);

  private static final Logger log = LoggerFactory.getLogger(CheckoutSaga.class);

  /** The saga's data: what is bought and paid, where the answer goes, what happened. */
  public static class Data {
    public String orderId;
    public String channel;
    public String customerEmail;
    public String currency;
    public long totalMinor;
    public long goodsMinor;
    public long deliveryFeeMinor;
    public List<Map<String, Object>> lines = new ArrayList<>();
    public Map<String, Object> customer;
    public Map<String, Object> delivery;
    /** An event bus address waiting for the first answer (the checkout request's node); may be gone. */
    public String answerTo;
    public long expiresAt;
    public String paymentId;
    public String paymentUrl;
    public boolean paid;
    public String endReason;
  }

  private final Vertx vertx;
  private final Pool pool;
  private final CheckoutRepository orders;
  private final OrderRepository deliveries;
  private final OrderCancellations cancellations;
  private final StockService stock;
  private final CheckoutSettings settings;
  private final Map<String, PaymentChannel> channels = new ConcurrentHashMap<>();

  public CheckoutSaga(Vertx vertx, Pool pool, OrderCancellations cancellations, CheckoutSettings settings) {
    this.vertx = vertx;
    this.pool = pool;
    this.orders = new CheckoutRepository(pool);
    this.deliveries = new OrderRepository(pool, DeliverySaga.STARTS);
    this.cancellations = cancellations;
    this.stock = Proxies.stock(vertx);
    this.settings = settings;
  }

  public SagaDefinition<Data> definition() {
    return Saga.define(TYPE, Data.class)
        // open only reads when it succeeds (a cancelled order ends the saga, which writes at once): no checkpoint.
        .step("open").invokeLocal(this::open).noDurableEffect()
            .onFailure(ORDER_ENDED, (d, ended) -> { })
            .withCompensation(this::end)
            .retry(LOCAL_RETRY)
        .step("reserve-stock").invokeParticipant((d, step) -> stock.reserve(step, stockRequest(d)))
            .onFailure(StockService.OUT_OF_STOCK, (d, refusal) -> d.endReason =
                EndReason.of(EndReason.OUT_OF_STOCK, refusal.getMessage()))
            .onFailure(StockService.UNKNOWN_SKU, (d, refusal) -> d.endReason =
                EndReason.of(EndReason.OUT_OF_STOCK, refusal.getMessage()))
            .withCompensation((d, step) -> stock.release(step, d.orderId))
            .timeout(Duration.ofSeconds(5))
            .retry(RetryPolicy.DEFAULT.notRetrying(StockService.INVALID_REQUEST))
        .step("create-payment").invokeParticipant((d, step) -> channel(d).createPayment(step, paymentRequest(d)))
            .onReply(PaymentSession.class, (d, session) -> {
              d.paymentId = session.getPaymentId();
              d.paymentUrl = session.getUrl();
              d.expiresAt = session.getExpiresAtEpochSeconds();
            })
            .withCompensation((d, step) -> channel(d).cancelPayment(step, d.orderId))
            .timeout(Duration.ofSeconds(10))
            .retry(RetryPolicy.DEFAULT.notRetrying(PaymentChannel.INVALID_REQUEST, PaymentChannel.REFUSED_BY_PROVIDER))
        .step("offer-payment").invokeLocal(this::offerPayment).retry(LOCAL_RETRY)
        .step("await-payment").awaitEvent(PAYMENT_SUCCEEDED, settings.paymentWindow().plus(settings.paymentGrace()),
                (d, fact) -> d.paid = true)
            .failOn(PAYMENT_FAILED, (d, fact) -> d.endReason = EndReason.of(EndReason.PAYMENT_FAILED,
                fact.getString("reason")))
            .failOn(PAYMENT_EXPIRED, (d, fact) -> d.endReason = EndReason.of(EndReason.PAYMENT_EXPIRED,
                fact.getString("reason")))
        .step("confirm").invokeLocal((d, step) -> orders.move(d.orderId, CheckoutState.PAID, null, null, null))
            .retry(LOCAL_RETRY)
        .step("commit-stock").invokeParticipant((d, step) -> stock.commit(step, d.orderId))
            .timeout(Duration.ofSeconds(5))
            .retry(RetryPolicy.DEFAULT)
        .step("deliver").invokeLocal(this::deliver)
            .onFailure(ORDER_ENDED, (d, ended) -> { })
            .withCompensation(this::cancelDelivery)
            .retry(LOCAL_RETRY)
        .step("await-delivery").awaitEvent(DELIVERY_DELIVERED, settings.deliveryWait(), (d, fact) -> { })
            .failOn(DELIVERY_CANCELLED, (d, fact) -> d.endReason = EndReason.of(EndReason.NOT_DELIVERED,
                fact.getString("reason")))
        .step("complete").invokeLocal((d, step) -> orders.move(d.orderId, CheckoutState.COMPLETED, null, null, null))
            .retry(LOCAL_RETRY)
        .build();
  }

  /** The saga's data for a new order; {@code answerTo} hears when its payment page is open or the order ended. */
  public static JsonObject dataOf(CheckoutOrder order, String answerTo) {
    return new JsonObject()
        .put("orderId", order.id())
        .put("channel", order.paymentChannel())
        .put("customerEmail", order.customer().getString("email"))
        .put("currency", order.currency())
        .put("totalMinor", order.totalMinor())
        .put("goodsMinor", order.goodsMinor())
        .put("deliveryFeeMinor", order.deliveryFeeMinor())
        .put("lines", order.items())
        .put("customer", order.customer())
        .put("delivery", order.delivery())
        .put("answerTo", answerTo);
  }

  private PaymentChannel channel(Data d) {
    return channels.computeIfAbsent(d.channel, name -> Proxies.paymentChannel(vertx, name));
  }

  private static StockRequest stockRequest(Data d) {
    return new StockRequest().setOrderId(d.orderId).setLines(d.lines.stream()
        .map(l -> new StockLine((String) l.get("sku"), ((Number) l.get("quantity")).intValue())).toList());
  }

  private PaymentRequest paymentRequest(Data d) {
    List<PaymentLine> lines = new ArrayList<>();
    for (Map<String, Object> l : d.lines) {
      lines.add(new PaymentLine().setSku((String) l.get("sku")).setName((String) l.get("name"))
          .setUnitAmountMinor(((Number) l.get("unitPriceMinor")).longValue())
          .setQuantity(((Number) l.get("quantity")).intValue()));
    }
    if (d.deliveryFeeMinor > 0) {
      lines.add(new PaymentLine().setSku("delivery").setName("delivery").setUnitAmountMinor(d.deliveryFeeMinor)
          .setQuantity(1));
    }
    // The page closes when the reservation's hold ends: the same instant for every retry of this step.
    long expiresAt = d.expiresAt > 0 ? d.expiresAt
        : Instant.now().plus(settings.paymentWindow()).getEpochSecond();
    d.expiresAt = expiresAt;
    return new PaymentRequest().setOrderId(d.orderId).setCustomerEmail(d.customerEmail)
        .setCurrency(d.currency.toLowerCase(java.util.Locale.ROOT)).setAmountMinor(d.totalMinor).setLines(lines)
        .setExpiresAtEpochSeconds(expiresAt);
  }

  /** An order its customer cancelled before the saga began is not reserved or charged at all: it ends here. */
  private Future<Void> open(Data d, SagaStep step) {
    return orders.find(d.orderId).compose(order -> {
      if (order == null || order.state().terminal()) {
        return ServiceException.fail(ORDER_ENDED, "order " + d.orderId + " is "
            + (order == null ? "unknown" : order.state()));
      }
      if (order.cancelRequestedAt() != null) {
        return orders.move(d.orderId, CheckoutState.CANCELLED, null, null, "cancelled by the customer")
            .onSuccess(x -> answer(d))
            .compose(x -> ServiceException.fail(ORDER_ENDED, "order " + d.orderId + " was cancelled"));
      }
      return Future.succeededFuture();
    });
  }

  private Future<Void> offerPayment(Data d, SagaStep step) {
    return orders.move(d.orderId, CheckoutState.AWAITING_PAYMENT, d.paymentUrl, Instant.ofEpochSecond(d.expiresAt),
            null)
        .onSuccess(moved -> answer(d))
        .mapEmpty();
  }

  /** The last compensation: the order ends in the state that says why (the other compensations ran before). */
  private Future<Void> end(Data d, SagaStep step) {
    return pool.withTransaction(conn -> orders.cancelRequested(conn, d.orderId).compose(cancelRequested -> {
          CheckoutState end = CheckoutState.endOf(d.endReason, cancelRequested, d.paid);
          String reason = cancelRequested ? "cancelled by the customer"
              : d.endReason != null ? d.endReason
              : d.paid ? EndReason.NOT_DELIVERED + ": no delivery in time" : EndReason.PAYMENT_EXPIRED
                  + ": not paid in time";
          return CheckoutRepository.move(conn, d.orderId, end, null, null, reason)
              .onSuccess(moved -> {
                if (moved) {
                  log.info("checkout ended orderId={} state={} reason={} saga={}", d.orderId, end, reason,
                      step.getSagaId());
                }
              });
        }))
        .onSuccess(x -> answer(d))
        .mapEmpty();
  }

  /**
   * Hands the paid order to delivery: a delivery order with the same id, from the shop to the customer, which the
   * delivery saga picks up like any pushed order. A customer who cancelled meanwhile stops it here.
   */
  private Future<Void> deliver(Data d, SagaStep step) {
    return orders.find(d.orderId).compose(order -> {
      if (order == null || order.cancelRequestedAt() != null || order.state().terminal()) {
        return ServiceException.fail(ORDER_ENDED, "order " + d.orderId + " was cancelled before delivery");
      }
      Instant now = Instant.now();
      DeliveryOrder delivery = DeliveryOrder.received(d.orderId, settings.platform(),
          OrderPush.parse(deliveryPush(d, now)), now);
      return deliveries.receive(delivery)
          .compose(x -> orders.move(d.orderId, CheckoutState.DELIVERING, null, null, null))
          .mapEmpty();
    });
  }

  private JsonObject deliveryPush(Data d, Instant now) {
    JsonObject shop = settings.shop();
    JsonObject to = new JsonObject(d.delivery);
    JsonObject customer = new JsonObject(d.customer);
    return new JsonObject()
        .put("platformOrderId", d.orderId)
        .put("city", shop.getString("city"))
        .put("shop", new JsonObject().put("id", shop.getString("id")).put("name", shop.getString("name")))
        .put("pickup", new JsonObject().put("name", shop.getString("name")).put("phone", shop.getString("phone"))
            .put("address", shop.getString("address")).put("lat", shop.getValue("lat")).put("lng", shop.getValue("lng")))
        .put("dropoff", new JsonObject().put("name", to.getString("name", customer.getString("name")))
            .put("phone", to.getString("phone", customer.getString("phone")))
            .put("address", to.getString("address")).put("lat", to.getValue("lat")).put("lng", to.getValue("lng")))
        .put("weightGrams", settings.weightGrams())
        .put("deliveryFeeFen", d.deliveryFeeMinor)
        .put("goodsValueFen", d.goodsMinor)
        .put("remark", "checkout " + d.orderId)
        .put("placedAt", now.toString())
        .put("expectedDeliveryAt", now.plus(Duration.ofHours(1)).toString());
  }

  /** Calls the delivery off as the shop (its couriers are cancelled by the delivery saga); an ended one stays. */
  private Future<Void> cancelDelivery(Data d, SagaStep step) {
    return cancellations.cancelByPlatform(settings.platform(), d.orderId, "checkout " + d.orderId + " ended")
        .<Void>mapEmpty()
        .recover(err -> err instanceof OrderCancellations.NotFound || err instanceof OrderCancellations.Refused
            ? Future.succeededFuture() : Future.failedFuture(err));
  }

  /** Tells a waiting checkout request that its answer is ready; nobody listening is fine (it reads the row). */
  private void answer(Data d) {
    if (d.answerTo != null) {
      vertx.eventBus().send(d.answerTo, new JsonObject().put("orderId", d.orderId));
    }
  }

}
