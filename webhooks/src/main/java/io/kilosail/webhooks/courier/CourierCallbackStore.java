package io.kilosail.webhooks.courier;

import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.cancel.Penalties;
import io.kilosail.checkout.CheckoutDeliveries;
import io.kilosail.checkout.CheckoutSettings;
import io.kilosail.contracts.courier.CourierState;
import io.kilosail.courier.wire.CourierCallback;
import io.kilosail.dispatch.Dispatcher;
import io.kilosail.infra.Times;
import io.kilosail.ledger.CourierCharges;
import io.kilosail.ledger.Ledger;
import io.kilosail.ledger.LedgerRepository;
import io.kilosail.order.CourierCallbackRules.Decision;
import io.kilosail.order.CourierCallbackRules.OrderView;
import io.kilosail.order.CourierCallbackRules;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.OrderRepository;
import io.kilosail.order.OrderTransitions.CourierReport;
import io.kilosail.order.OrderTransitions;
import io.kilosail.order.Transition;
import io.vertx.core.Future;
import io.vertx.mysqlclient.MySQLException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;

/**
 * Stores a verified callback and applies it where it arrives, in one MySQL transaction: lock the order row, ask the
 * order's {@link OrderTransitions#courierReported} what the callback does, insert the callback (its unique (platform, dedup_key) turns a duplicate into a
 * no-op), move the order, its ledger and its dispatch (which keeps the fact for the delivery saga), and write the
 * order's outbox event. Nothing of it is visible until the commit, so the platform is answered
 * 2xx only for a callback that is durably recorded.
 */
public final class CourierCallbackStore {

  /** What storing one callback did; {@code duplicate} true means it had been stored before and nothing changed. */
  public record Stored(boolean duplicate, Decision decision) {
  }

  private static final int DUPLICATE_KEY = 1062;
  // Column sizes of courier_callback and delivery_order (V4, V5 migrations), in characters as MySQL counts them.
  private static final int MAX_ORDER_ID = 64;
  private static final int MAX_PLATFORM_ORDER_ID = 64;
  private static final int MAX_RAW_STATUS = 16;
  private static final int MAX_COURIER_NAME = 64;
  private static final int MAX_COURIER_PHONE = 32;
  /** The DATETIME range: an instant outside it is refused by MySQL. */
  private static final Instant EARLIEST = Instant.parse("1000-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");
  private static final Logger log = LoggerFactory.getLogger(CourierCallbackStore.class);

  // The lock comes first: callbacks for one order are then applied one at a time, in the order they reach the row,
  // and a concurrent duplicate waits here and then finds the first copy's key already taken.
  // The calling platform's placement (and whether there are any) tells a live dispatch candidate from a withdrawn one.
  // The money columns and the caller's fee (its placement's charged price, else its quote) feed the delivery's ledger
  // postings (see Money).
  private static final String LOCK_ORDER = "SELECT o.state, o.courier_platform, o.courier_order_id,"
      + " o.platform, o.delivery_fee_fen, o.courier_fee_fen,"
      + " EXISTS (SELECT 1 FROM courier_placement p WHERE p.order_id = o.id) AS dispatched,"
      + " (SELECT p.state FROM courier_placement p WHERE p.order_id = o.id AND p.platform = ?) AS candidate_state,"
      + " (SELECT COALESCE(p.charged_fen, p.price_fen) FROM courier_placement p"
      + " WHERE p.order_id = o.id AND p.platform = ?) AS candidate_price_fen,"
      + " (SELECT p.tip_fen FROM courier_placement p WHERE p.order_id = o.id AND p.platform = ?) AS candidate_tip_fen"
      + " FROM delivery_order o WHERE o.id = ? FOR UPDATE";
  private static final String INSERT = "INSERT INTO courier_callback (platform, dedup_key, order_id, platform_order_id,"
      + " raw_status, state, courier_name, courier_phone, penalty_fen, occurred_at, received_at, outcome, body)"
      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private final Pool pool;
  private final Dispatcher dispatcher;
  private final CheckoutSettings checkout;

  /**
   * @param dispatcher moves the order's dispatch with each callback, in the callback's transaction
   * @param checkout   tells our shop's orders from the food platforms': a shop order's delivery ends its checkout
   */
  public CourierCallbackStore(Pool pool, Dispatcher dispatcher, CheckoutSettings checkout) {
    this.pool = pool;
    this.dispatcher = dispatcher;
    this.checkout = checkout;
  }

  /**
   * Why {@code callback} cannot be stored as sent (a field longer than its column, an instant DATETIME cannot hold),
   * or null when it can. Checked before any SQL: such a callback would fail its insert on every retry.
   */
  public static String unstorable(CourierCallback callback) {
    String tooLong = tooLong("orderId", callback.orderId(), MAX_ORDER_ID);
    tooLong = tooLong != null ? tooLong : tooLong("platformOrderId", callback.platformOrderId(), MAX_PLATFORM_ORDER_ID);
    tooLong = tooLong != null ? tooLong : tooLong("status", callback.rawStatus(), MAX_RAW_STATUS);
    tooLong = tooLong != null ? tooLong : tooLong("courier name", callback.courierName(), MAX_COURIER_NAME);
    tooLong = tooLong != null ? tooLong : tooLong("courier phone", callback.courierPhone(), MAX_COURIER_PHONE);
    if (tooLong != null) {
      return tooLong;
    }
    Instant at = callback.occurredAt();
    if (at == null || at.isBefore(EARLIEST) || at.isAfter(LATEST)) {
      return "the callback's time " + at + " is outside the years 1000 to 9999";
    }
    return null;
  }

  private static String tooLong(String field, String value, int max) {
    return value != null && value.codePointCount(0, value.length()) > max
        ? "the callback's " + field + " is longer than " + max + " characters" : null;
  }

  public Future<Stored> store(CourierCallback callback, String body, Instant receivedAt) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_ORDER)
        .execute(Tuple.of(callback.platform().id(), callback.platform().id(), callback.platform().id(),
            callback.orderId()))
        .compose(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          OrderView order = row == null ? null : view(row);
          CourierReport report = OrderTransitions.courierReported(order, callback);
          Decision decision = report.decision();
          return insert(conn, callback, body, receivedAt, decision)
              .compose(inserted -> inserted
                  ? apply(conn, callback, report, receivedAt, row == null ? null : Money.of(row))
                      .compose(x -> moveDispatch(conn, callback, report))
                      .map(new Stored(false, decision))
                  : Future.succeededFuture(new Stored(true, decision)));
        }));
  }

  private static OrderView view(Row row) {
    return new OrderView(row.getString("state"), row.getString("courier_platform"), row.getString("courier_order_id"),
        row.getInteger("dispatched") != 0, row.getString("candidate_state"));
  }

  /**
   * The money of the locked order row, for the ledger: the food platform and its delivery fee, and what the calling
   * courier platform bills: its placement's charged price, else its quote ({@code candidatePriceFen}, read with the
   * row). The order's courier_fee_fen may still hold the quote when the placement's answer was stored after the
   * claim, so the placement is what counts; courier_fee_fen is used only for an order nobody dispatched.
   */
  private record Money(String foodPlatform, long deliveryFeeFen, String courierPlatform, Long courierFeeFen,
                       Long candidatePriceFen, Long candidateTipFen) {

    static Money of(Row row) {
      return new Money(row.getString("platform"), row.getLong("delivery_fee_fen"), row.getString("courier_platform"),
          row.getLong("courier_fee_fen"), row.getLong("candidate_price_fen"), row.getLong("candidate_tip_fen"));
    }

    /** The holder applying this callback: the caller when it claims the order or nobody held it. */
    String holder(CourierCallback cb, Decision decision) {
      return decision.claims() || courierPlatform == null ? cb.platform().id() : courierPlatform;
    }

    /** What the holder bills for the order: its placement's price when it has one, else the order's recorded fee. */
    Long holderFee(CourierCallback cb, Decision decision) {
      boolean callerHolds = holder(cb, decision).equals(cb.platform().id());
      return callerHolds && candidatePriceFen != null ? candidatePriceFen : courierFeeFen;
    }

    /** The delivery's postings, at the courier's delivery instant. */
    List<Ledger.Posting> delivered(CourierCallback cb, Decision decision) {
      String courier = holder(cb, decision);
      Long courierFee = holderFee(cb, decision);
      if (courierFee == null) {
        // Only an order nobody dispatched (placed by hand) has no price: post its fee, flag the missing cost.
        log.warn("ledger: delivered order has no courier fee; posting the delivery fee only orderId={} courier={}",
            cb.orderId(), courier);
      }
      List<Ledger.Posting> postings = Ledger.deliveryCompleted(cb.orderId(), foodPlatform, deliveryFeeFen, courier,
          courierFee == null ? 0 : courierFee, cb.occurredAt());
      // The tips its platform confirmed in dispatch's tip rounds are billed with the fee: booked in the same INSERT.
      boolean callerHolds = courier.equals(cb.platform().id());
      if (!callerHolds || candidateTipFen == null || candidateTipFen == 0) {
        return postings;
      }
      List<Ledger.Posting> withTips = new java.util.ArrayList<>(postings);
      withTips.addAll(Ledger.courierTip(cb.orderId(), courier, candidateTipFen, cb.occurredAt()));
      return withTips;
    }

    /** A return to the shop: the holder's stated charge for the trip, else its fee; no delivery fee earned. */
    List<Ledger.Posting> returned(CourierCallback cb, Decision decision) {
      Long fee = holderFee(cb, decision);
      return Ledger.deliveryReturned(cb.orderId(), holder(cb, decision),
          CourierCharges.returnedFee(cb.penaltyFen(), fee == null ? 0 : fee), cb.occurredAt());
    }
  }

  /** True when inserted; false when this (platform, dedup_key) was already stored. */
  private static Future<Boolean> insert(SqlConnection conn, CourierCallback cb, String body, Instant receivedAt,
                                        Decision decision) {
    Tuple row = Tuple.tuple()
        .addString(cb.platform().id()).addString(cb.dedupKey()).addString(cb.orderId())
        .addString(cb.platformOrderId()).addString(cb.rawStatus()).addString(cb.state().name())
        .addString(cb.courierName()).addString(cb.courierPhone()).addLong(cb.penaltyFen())
        .addValue(Times.toDb(cb.occurredAt())).addValue(Times.toDb(receivedAt))
        .addString(decision.outcome().name()).addString(body);
    return conn.preparedQuery(INSERT).execute(row)
        .map(inserted -> true)
        // MySQL undoes only the failed statement; the transaction goes on (and then writes nothing else).
        .recover(err -> err instanceof MySQLException e && e.getErrorCode() == DUPLICATE_KEY
            ? Future.succeededFuture(false)
            : Future.failedFuture(err));
  }

  private Future<Void> apply(SqlConnection conn, CourierCallback cb, CourierReport report, Instant now, Money money) {
    Decision decision = report.decision();
    Transition transition = report.transition();
    // The order's timeline shows a courier's state from the stored callback itself (OrderTimeline): no copy is written.
    Future<Void> moved = OrderRepository.apply(conn, cb.orderId(), transition, now).mapEmpty();
    if (transition.target() == DeliveryOrder.State.CANCELLED) {
      // The courier's side ended the order: nobody owes a penalty (see CancellationPolicy), but the order's
      // cancellation is on record like any other, so a later cancel request is answered with who ended it.
      moved = moved.compose(x -> conn.preparedQuery("INSERT IGNORE INTO order_cancellation (order_id, cancelled_by,"
              + " reason, state_at_cancel, platform_penalty_fen, cancelled_at) VALUES (?, 'COURIER', ?, ?, 0, ?)")
          .execute(Tuple.of(cb.orderId(), cb.platform().id() + " cancelled (status " + cb.rawStatus() + ")",
              decision.from().name(), Times.toDb(now))))
          .mapEmpty();
    }
    switch (transition.booking()) {
      case RETURN_TRIP ->
        // Not a delivery: no delivery fee is earned, the courier platform bills the trip (what it states, else its
        // fee), and a shop order's checkout learns that its delivery failed.
          moved = moved.compose(x -> LedgerRepository.write(conn, money.returned(cb, decision)))
              .compose(x -> CheckoutDeliveries.cancelled(conn, checkout, money.foodPlatform(), cb.orderId(),
                  CancellationPolicy.By.COURIER, cb.platform().id() + " returned the order to the shop"));
      case DELIVERY ->
        // The settlement ledger, in the transaction that delivers the order; DELIVERED is terminal, so this runs once.
        // A shop order's checkout saga learns of it in the same transaction.
          moved = moved.compose(x -> LedgerRepository.write(conn, money.delivered(cb, decision)))
              .compose(x -> CheckoutDeliveries.delivered(conn, checkout, money.foodPlatform(), cb.orderId(),
                  cb.platform().id()));
      case EXTRA_COURIER -> {
        // What really happened wins: this courier carried the order too, and its platform will bill it.
        log.warn("courier delivered an order it did not hold orderId={} platform={} platformOrderId={} feeFen={}",
            cb.orderId(), cb.platform().id(), cb.platformOrderId(), money.candidatePriceFen());
        moved = moved.compose(x -> LedgerRepository.write(conn, Ledger.extraCourierDelivery(cb.orderId(),
            cb.platform().id(), money.candidatePriceFen() == null ? 0 : money.candidatePriceFen(), cb.occurredAt())));
      }
      case NONE -> {
      }
    }
    if (cb.state() == CourierState.CANCELLED && cb.penaltyFen() != null && money != null) {
      // The platform states what it charges for the cancel (Shansong's deductAmount): what it states is what is
      // booked, whoever ended the order and whatever the decision (the order is usually cancelled already).
      moved = moved.compose(x -> Penalties.statedInCallback(conn, cb.orderId(), cb.platform().id(), decision.from(),
          cb.penaltyFen(), cb.occurredAt()));
    } else if (cb.state() == CourierState.CANCELLED) {
      // Cancelled at the platform without a stated charge: what it took from a prepaid balance comes back, less any
      // penalty booked so far.
      moved = moved.compose(x -> Penalties.cancelledWithoutStatement(conn, cb.orderId(), cb.platform().id(),
          cb.occurredAt())).mapEmpty();
    }
    return moved;
  }

  /**
   * The order's dispatch follows the callback in the same transaction (a claim, a delivery, a give-up, a loser to call
   * off); whatever it must send goes out after the commit.
   */
  private Future<Void> moveDispatch(SqlConnection conn, CourierCallback cb, CourierReport report) {
    String type = report.transition().eventType();
    return type == null ? Future.succeededFuture()
        : dispatcher.courierCallback(conn, cb.orderId(), type,
            CourierCallbackRules.payload(cb.orderId(), report.decision(), cb));
  }
}
