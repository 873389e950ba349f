package io.kilosail.delivery;

import static io.kilosail.contracts.saga.DeliverySagaSignals.ORDER_CANCELLED;
import static io.kilosail.contracts.saga.DeliverySagaSignals.RETURNED;
import static io.kilosail.contracts.saga.DeliverySagaSignals.DELIVERED;
import static io.kilosail.contracts.saga.DeliverySagaSignals.NO_COURIER;
import static io.kilosail.contracts.saga.DeliverySagaSignals.COURIER_ASSIGNED;
import io.kilosail.contracts.saga.DeliverySagaSignals;
import io.kilosail.cancel.OrderCancellations;
import io.kilosail.contracts.courier.CourierQuoteResult;
import io.kilosail.contracts.courier.DeliveryPlace;
import io.kilosail.contracts.courier.DeliveryRequest;
import io.kilosail.contracts.dispatch.DispatchPlan;
import io.kilosail.contracts.dispatch.DispatchRequest;
import io.kilosail.contracts.dispatch.DispatchService;
import io.kilosail.contracts.quote.QuoteRequest;
import io.kilosail.contracts.quote.QuoteService;
import io.kilosail.contracts.quote.QuoteSet;
import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.dispatch.DispatchSettings;
import io.kilosail.saga.RetryPolicy;
import io.kilosail.saga.Saga;
import io.kilosail.saga.SagaDefinition;
import io.kilosail.saga.SagaStarts;
import io.kilosail.saga.StepDefinition;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.OrderRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The life of a pushed order (seed 004): quote it with the eligible courier platforms, dispatch it by strategy, wait
 * until a courier holds it, wait until it is delivered.
 *
 * <pre>
 *   receive ─ quote ─ dispatch ─ await-courier ─ await-delivery ─ completed
 *   (cancel order)    (withdraw: cancel every placement)
 * </pre>
 *
 * Every wait has a timeout and a failure event, and both end the same way: the dispatch is withdrawn (every courier
 * platform holding or offered the order is told to cancel) and the order is CANCELLED by the system with the reason in
 * its timeline. Quoting that finds nobody (no eligible platform, none answered after retries) cancels the order too.
 * A food platform's cancel ends the order first and keeps {@link DeliverySagaSignals#ORDER_CANCELLED} for this saga in the same
 * transaction: the saga's wait fails on it and the saga compensates; its own cancel then finds the order ended and
 * changes nothing.
 *
 * <p>What really happened wins over a signal that never came: at a wait's timeout, and before compensating for any
 * reason, the saga reads the order's row. A DELIVERED order completes the saga; a courier holding the order when the
 * courier wait runs out ends that wait. A delivered order is never cancelled, nor its dispatch withdrawn.
 */
public final class DeliverySaga {

  public static final String TYPE = DeliverySagaSignals.SAGA_TYPE;
  /** The order was cancelled (or never stored) before the saga began: nothing to do, nothing to undo. */
  static final int ORDER_ENDED = 4409;

  /** The saga's data: the order as couriers see it, and what quoting and dispatch found. */
  public static class Data {
    public String orderId;
    public String foodPlatform;
    public Map<String, Object> delivery;
    public List<Map<String, Object>> offers = new ArrayList<>();
    public String strategy;
    public List<String> candidates = new ArrayList<>();
    public String courierPlatform;
    public String courierOrderId;
    public Long courierFeeFen;
    public String deliveredAt;
    /** What the food platform pays for the delivery; the margin rules cap the courier price by it. */
    public Long deliveryFeeFen;
    /** Why the order goes back to its food platform instead of to a courier (the margin rules), when it does. */
    public String handBackReason;
  }

  private final Pool pool;
  private final OrderCancellations cancellations;
  private final QuoteService quotes;
  private final DispatchService dispatch;
  private final DispatchSettings settings;

  public DeliverySaga(Pool pool, OrderCancellations cancellations, QuoteService quotes, DispatchService dispatch,
                      DispatchSettings settings) {
    this.pool = pool;
    this.cancellations = cancellations;
    this.quotes = quotes;
    this.dispatch = dispatch;
    this.settings = settings;
  }

  public SagaDefinition<Data> definition() {
    return Saga.define(TYPE, Data.class)
        // receive and quote change nothing that must survive a crash: no checkpoint of their own; the write after
        // dispatch (which also parks on await-courier) carries them, and a node that dies before it runs them again.
        .step("receive").invokeLocal(this::receive).noDurableEffect()
            .onFailure(ORDER_ENDED, (d, refusal) -> { })
            .withCompensation(this::cancelOrder)
        .step("quote").invokeParticipant((d, step) -> quotes.quote(new QuoteRequest()
                .setFoodPlatform(d.foodPlatform).setDelivery(delivery(d)).setDeliveryFeeFen(d.deliveryFeeFen)))
            .noDurableEffect()
            // No courier within the margin: the order goes back to its food platform with the reason (a compensation).
            .onFailure(QuoteService.NO_COURIER_WITHIN_MARGIN, (d, refusal) -> d.handBackReason = refusal.getMessage())
            .onReply(QuoteSet.class, (d, set) -> {
              d.offers = set.getOffers().stream().map(o -> o.toJson().getMap()).toList();
              // The shop's own courier accounts the offers were quoted under: dispatch places under the same ones.
              boolean accounts = set.getCourierAccounts() != null && !set.getCourierAccounts().isEmpty();
              boolean prepaid = set.getPrepaidPlatforms() != null && !set.getPrepaidPlatforms().isEmpty();
              if (accounts || prepaid) {
                Map<String, Object> delivery = new java.util.LinkedHashMap<>(d.delivery);
                if (accounts) {
                  delivery.put("courierAccounts", set.getCourierAccounts().getMap());
                }
                if (prepaid) {
                  delivery.put("prepaidPlatforms", set.getPrepaidPlatforms().getList());
                }
                d.delivery = delivery;
              }
            })
            .timeout(Duration.ofSeconds(5))
            // Nobody answering is worth more tries, spread past a courier circuit's reset (10 s by default: retries at
            // 1, 3, 7 and 12 s) so a short overload or outage delays the order instead of handing it back; no eligible
            // courier is final.
            .retry(new RetryPolicy(5, Duration.ofSeconds(1), 2, Duration.ofSeconds(5),
                java.util.Set.of(QuoteService.NO_ELIGIBLE_COURIER, QuoteService.INVALID_REQUEST,
                QuoteService.NO_COURIER_WITHIN_MARGIN)))
        .step("dispatch").invokeParticipant((d, step) -> dispatch.dispatch(step, new DispatchRequest()
                .setFoodPlatform(d.foodPlatform).setDelivery(delivery(d))
                .setOffers(d.offers.stream().map(o -> new CourierQuoteResult(new JsonObject(o))).toList())))
            .onReply(DispatchPlan.class, (d, plan) -> {
              d.strategy = plan.getStrategy();
              d.candidates = plan.getCandidates();
            })
            .withCompensation(this::withdrawUnlessDelivered)
            .timeout(Duration.ofSeconds(5))
            .retry(RetryPolicy.DEFAULT.notRetrying(DispatchService.NO_CANDIDATE, DispatchService.INVALID_REQUEST))
        .step("await-courier").awaitEvent(COURIER_ASSIGNED, settings.courierWait(), (d, fact) -> {
              d.courierPlatform = fact.getString("platform");
              d.courierOrderId = fact.getString("platformOrderId");
              d.courierFeeFen = fact.getLong("priceFen");
            })
            .failOn(NO_COURIER, ORDER_CANCELLED)
            .resolveTimeoutWith(this::courierFoundMeanwhile)
        .step("await-delivery").awaitEvent(DELIVERED, settings.deliveryWait(),
                (d, fact) -> d.deliveredAt = Instant.now().toString())
            // A courier bringing the order back to the shop ends the delivery as failed: the saga compensates, which
            // calls nobody off (the dispatch is complete) and leaves the RETURNED order as it is.
            .failOn(NO_COURIER, ORDER_CANCELLED, RETURNED)
            .resolveTimeoutWith(this::deliveredMeanwhile)
        .beforeCompensating(this::deliveredAnyway)
        .build();
  }

  /** Each new order's delivery saga, written in the order's own transaction ({@link OrderRepository#receive}). */
  public static final OrderRepository.SagaStart STARTS = (conn, orders) -> {
    Map<String, JsonObject> byOrder = new LinkedHashMap<>();
    orders.forEach(order -> byOrder.put(order.id(), dataOf(order.toJson())));
    return SagaStarts.startAll(conn, TYPE, byOrder);
  };

  /** The saga's data for a freshly received order (the payload of {@code order.received}). */
  public static JsonObject dataOf(JsonObject order) {
    JsonObject pickup = order.getJsonObject("pickup");
    JsonObject dropoff = order.getJsonObject("dropoff");
    DeliveryRequest delivery = new DeliveryRequest()
        .setOrderId(order.getString("orderId"))
        .setCityName(order.getString("city"))
        .setShop(place(pickup))
        .setCustomer(place(dropoff))
        .setWeightGrams(order.getInteger("weightGrams"))
        // The push may omit the goods value (JSON null): couriers then insure nothing.
        .setGoodsValueFen(order.getValue("goodsValueFen") instanceof Number value ? value.longValue() : 0L)
        .setNote(order.getString("remark"))
        .setShopId(order.getJsonObject("shop") == null ? null : order.getJsonObject("shop").getString("id"));
    return new JsonObject()
        .put("orderId", order.getString("orderId"))
        .put("foodPlatform", order.getString("platform"))
        .put("deliveryFeeFen", order.getValue("deliveryFeeFen") instanceof Number fee ? fee.longValue() : null)
        .put("delivery", delivery.toJson())
        .put("offers", new JsonArray());
  }

  private static DeliveryPlace place(JsonObject p) {
    return new DeliveryPlace().setName(p.getString("name")).setPhone(p.getString("phone"))
        .setAddress(p.getString("address")).setLat(p.getDouble("lat")).setLng(p.getDouble("lng"));
  }

  private static DeliveryRequest delivery(Data d) {
    return new DeliveryRequest(new JsonObject(d.delivery));
  }

  /** The order as dispatch and the courier callbacks left it; null if it is not stored. */
  private record OrderNow(DeliveryOrder.State state, String courierPlatform, String courierOrderId, Long courierFeeFen) {

    boolean heldByCourier() {
      return courierPlatform != null && (state == DeliveryOrder.State.ACCEPTED
          || state == DeliveryOrder.State.ARRIVED_AT_SHOP || state == DeliveryOrder.State.PICKED_UP);
    }

    StepDefinition.Fact courierAssigned() {
      return new StepDefinition.Fact(COURIER_ASSIGNED, new JsonObject().put("platform", courierPlatform)
          .put("platformOrderId", courierOrderId).put("priceFen", courierFeeFen));
    }

    StepDefinition.Fact delivered() {
      return new StepDefinition.Fact(DELIVERED, new JsonObject().put("platform", courierPlatform));
    }

    StepDefinition.Fact returned() {
      return new StepDefinition.Fact(RETURNED, new JsonObject().put("platform", courierPlatform));
    }
  }

  private Future<OrderNow> orderNow(String orderId) {
    return pool.preparedQuery("SELECT state, courier_platform, courier_order_id, courier_fee_fen FROM delivery_order"
            + " WHERE id = ?").execute(Tuple.of(orderId))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row row = rows.iterator().next();
          return new OrderNow(DeliveryOrder.State.valueOf(row.getString(0)), row.getString(1), row.getString(2),
              row.getLong(3));
        });
  }

  /**
   * The courier wait ran out: its signal may have been lost while the order moved on. A courier holding it means the
   * wait is over (the saga goes on to wait for the delivery); a delivered order also brings its delivery.
   */
  private Future<List<StepDefinition.Fact>> courierFoundMeanwhile(Data d) {
    return orderNow(d.orderId).map(order -> {
      if (order == null) {
        return List.of();
      }
      if (order.state() == DeliveryOrder.State.DELIVERED) {
        return List.of(order.courierAssigned(), order.delivered());
      }
      if (order.state() == DeliveryOrder.State.RETURNED) {
        return List.of(order.courierAssigned(), order.returned());
      }
      return order.heldByCourier() ? List.of(order.courierAssigned()) : List.of();
    });
  }

  /**
   * The delivery wait ran out: a delivered order is delivered, and a returned one returned, whatever happened to the
   * signal.
   */
  private Future<List<StepDefinition.Fact>> deliveredMeanwhile(Data d) {
    return orderNow(d.orderId).map(order -> {
      if (order == null) {
        return List.of();
      }
      return switch (order.state()) {
        case DELIVERED -> List.of(order.delivered());
        case RETURNED -> List.of(order.returned());
        default -> List.of();
      };
    });
  }

  /** A delivered order is never given up, whatever made the saga want to compensate: it completes instead. */
  private Future<Boolean> deliveredAnyway(Data d) {
    return orderNow(d.orderId).map(order -> order != null && order.state() == DeliveryOrder.State.DELIVERED);
  }

  /** Calls the couriers off, unless the order was delivered: there is nobody to call off, and nothing to cancel. */
  private Future<Void> withdrawUnlessDelivered(Data d, SagaStep step) {
    return orderNow(d.orderId).compose(order -> order != null && order.state() == DeliveryOrder.State.DELIVERED
        ? Future.succeededFuture()
        : dispatch.withdraw(step, d.orderId, "order cancelled"));
  }

  /** The saga gives the order up: CANCELLED by the system unless it already ended (delivered, or cancelled). */
  private Future<Void> cancelOrder(Data d, SagaStep step) {
    String reason = d.handBackReason != null ? "handed back: " + d.handBackReason
        : "no courier delivered the order (delivery saga " + step.getSagaId() + ")";
    return pool.withTransaction(conn -> cancellations.cancelBySystem(conn, d.orderId, reason)).mapEmpty();
  }

  /** An order its food platform cancelled before the saga got going is not quoted or dispatched at all. */
  private Future<Void> receive(Data d, SagaStep step) {
    return pool.preparedQuery("SELECT state FROM delivery_order WHERE id = ?").execute(Tuple.of(d.orderId))
        .compose(rows -> {
          String state = rows.size() == 0 ? null : rows.iterator().next().getString(0);
          return state == null || "CANCELLED".equals(state)
              ? ServiceException.fail(ORDER_ENDED, "order " + d.orderId + " is " + (state == null ? "unknown" : state))
              : Future.succeededFuture();
        });
  }
}
