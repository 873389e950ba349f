package io.kilosail.cancel;

import io.kilosail.cancel.CancellationPolicy.By;
import io.kilosail.checkout.CheckoutDeliveries;
import io.kilosail.checkout.CheckoutSettings;
import io.kilosail.contracts.saga.DeliverySagaSignals;
import io.kilosail.infra.Texts;
import io.kilosail.infra.Times;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.OrderRepository;
import io.kilosail.order.OrderTransitions;
import io.kilosail.saga.SagaSignals;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;

/**
 * Ends orders: a food platform's cancel request, the delivery saga giving an order up. The order row is locked first,
 * so a cancel and a courier's callback for the same order are applied one after the other and the penalty is the one
 * of the state the order really had. The cancel row, the order's state, its timeline, the {@code order.cancelled}
 * event (which makes the delivery saga call every courier off) and the food platform's penalty postings commit
 * together.
 */
public final class OrderCancellations {


  /** A cancellation as recorded; {@code repeated} is true when the order had been cancelled this way before. */
  public record Cancellation(String orderId, By cancelledBy, String reason, String stateAtCancel,
                             long platformPenaltyFen, Instant cancelledAt, boolean repeated) {
    public JsonObject toJson() {
      return new JsonObject().put("orderId", orderId).put("state", DeliveryOrder.State.CANCELLED.name())
          .put("cancelledBy", cancelledBy.name()).put("reason", reason).put("stateAtCancel", stateAtCancel)
          .put("platformPenaltyFen", platformPenaltyFen).put("cancelledAt", cancelledAt.toString());
    }
  }

  /** The order may not be cancelled (delivered, or already cancelled by somebody else): HTTP 409. */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** No such order for that platform: HTTP 404. */
  public static final class NotFound extends RuntimeException {
    public NotFound(String message) {
      super(message, null, false, false);
    }
  }

  private static final String LOCK = "SELECT platform, state FROM delivery_order WHERE id = ? FOR UPDATE";
  private static final String EXISTING = "SELECT cancelled_by, reason, state_at_cancel, platform_penalty_fen,"
      + " cancelled_at FROM order_cancellation WHERE order_id = ?";

  /** The column {@code order_cancellation.reason}. */
  static final int REASON_MAX = 255;

  private final Pool pool;
  private final CancellationPolicy policy;
  private final CheckoutSettings checkout;
  private final MeterRegistry registry;

  /** @param checkout tells our shop's orders (whose checkout saga learns of the cancel) from the food platforms' */
  public OrderCancellations(Pool pool, CancellationPolicy policy, CheckoutSettings checkout, MeterRegistry registry) {
    this.pool = pool;
    this.policy = policy;
    this.checkout = checkout;
    this.registry = registry;
  }

  /** The food platform {@code platform} cancels its order; a repeated request is answered with the first outcome. */
  public Future<Cancellation> cancelByPlatform(String platform, String orderId, String reason) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK).execute(Tuple.of(orderId)).compose(rows -> {
      Row order = rows.size() == 0 ? null : rows.iterator().next();
      if (order == null || !order.getString("platform").equals(platform)) {
        return Future.failedFuture(new NotFound("no order " + orderId + " from platform " + platform));
      }
      DeliveryOrder.State state = DeliveryOrder.State.valueOf(order.getString("state"));
      if (state == DeliveryOrder.State.CANCELLED) {
        return existing(conn, orderId).compose(previous -> previous != null && previous.cancelledBy() == By.PLATFORM
            ? Future.succeededFuture(previous)
            : Future.failedFuture(new Refused("order " + orderId + " is already CANCELLED"
                + (previous == null ? "" : " (by " + previous.cancelledBy().name().toLowerCase() + ")"))));
      }
      CancellationPolicy.Decision decision = policy.decide(By.PLATFORM, platform, state);
      if (!decision.allowed()) {
        return Future.failedFuture(new Refused("order " + orderId + " cannot be cancelled: " + decision.refusal()));
      }
      return record(conn, orderId, platform, By.PLATFORM, reason, state, decision.platformPenaltyFen(), Instant.now());
    })).onSuccess(c -> {
      if (!c.repeated()) {
        count(c);
      }
    });
  }

  /**
   * The delivery saga gives the order up (nobody would deliver it): CANCELLED by the system, no penalty, unless the
   * order already ended. Joins the caller's transaction.
   */
  public Future<Boolean> cancelBySystem(SqlConnection conn, String orderId, String reason) {
    return conn.preparedQuery(LOCK).execute(Tuple.of(orderId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(false);
      }
      Row order = rows.iterator().next();
      DeliveryOrder.State state = DeliveryOrder.State.valueOf(order.getString("state"));
      CancellationPolicy.Decision decision = policy.decide(By.SYSTEM, order.getString("platform"), state);
      if (!decision.allowed()) {
        return Future.succeededFuture(false);
      }
      return record(conn, orderId, order.getString("platform"), By.SYSTEM, reason, state, 0, Instant.now())
          .onSuccess(this::count)
          .map(true);
    });
  }

  private Future<Cancellation> record(SqlConnection conn, String orderId, String platform, By by, String anyReason,
                                      DeliveryOrder.State state, long penaltyFen, Instant now) {
    // A reason composed at run time (a hand-back names every courier and why) must fit its column: a cancel that
    // cannot be written would be retried, and refused, forever.
    String reason = Texts.clip(anyReason, REASON_MAX);
    Cancellation c = new Cancellation(orderId, by, reason, state.name(), penaltyFen, now, false);
    JsonObject fact = c.toJson().put("platform", platform);
    return OrderRepository.apply(conn, orderId,
            OrderTransitions.cancelled(state, by.name().toLowerCase(), reason, penaltyFen, now), now)
        .compose(x -> conn.preparedQuery("INSERT INTO order_cancellation (order_id, cancelled_by, reason,"
                + " state_at_cancel, platform_penalty_fen, cancelled_at) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(Tuple.of(orderId, by.name(), reason, state.name(), penaltyFen, Times.toDb(now))))
        // Whoever waits for this order learns of the cancel in this transaction: its delivery saga, when the food
        // platform cancelled (it then calls every courier off; a cancel by the system comes from the saga itself),
        // and a shop order's checkout saga.
        .compose(x -> by == By.PLATFORM
            ? SagaSignals.keep(conn, DeliverySagaSignals.SAGA_TYPE, orderId, DeliverySagaSignals.ORDER_CANCELLED, fact)
            : Future.succeededFuture())
        .compose(x -> CheckoutDeliveries.cancelled(conn, checkout, platform, orderId, by, reason))
        .compose(x -> Penalties.platformPenalty(conn, orderId, platform, penaltyFen, now))
        .map(c);
  }

  private static Future<Cancellation> existing(SqlConnection conn, String orderId) {
    return conn.preparedQuery(EXISTING).execute(Tuple.of(orderId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row r = rows.iterator().next();
      return new Cancellation(orderId, By.valueOf(r.getString("cancelled_by")), r.getString("reason"),
          r.getString("state_at_cancel"), r.getLong("platform_penalty_fen"),
          Times.fromDb(r.getLocalDateTime("cancelled_at")), true);
    });
  }

  private void count(Cancellation c) {
    Counter.builder("kilosail.cancellations").description("Orders cancelled, by who and the state they were in")
        .tag("by", c.cancelledBy().name().toLowerCase()).tag("state", c.stateAtCancel())
        .register(registry).increment();
  }
}
