package io.kilosail.cancel;

import io.kilosail.contracts.courier.CourierState;
import io.kilosail.infra.Times;
import io.kilosail.order.OrderRepository;
import io.kilosail.ledger.CourierCharges;
import io.kilosail.ledger.Ledger;
import io.kilosail.ledger.LedgerRepository;
import io.kilosail.shop.CourierAccountRepository;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;

/** Penalties into the ledger, each in the transaction of the fact that causes it. */
public final class Penalties {

  /**
   * What a courier platform's cancel cost us, as recorded ({@code recordedNow}: this call changed the record), and
   * what the prepaid account the placement was charged to got back by this call ({@code refundedFen}; negative: taken
   * back because the penalty grew).
   */
  public record CourierPenalty(String orderId, String platform, CourierState courierState, long penaltyFen,
                               boolean stated, boolean recordedNow, long refundedFen) {
  }

  /** A penalty booking and the refund settled with it. */
  private record Booked(CourierCharges.PenaltyBooking booking, long refundedFen) {
  }

  private Penalties() {
  }

  /** The food platform's penalty for its cancel: receivable from it. Joins the cancel's transaction. */
  static Future<Void> platformPenalty(SqlConnection conn, String orderId, String foodPlatform, long penaltyFen,
                                      Instant at) {
    return LedgerRepository.write(conn, Ledger.platformPenalty(orderId, foodPlatform, penaltyFen, at));
  }

  /**
   * A courier platform answered our cancel: record what it charges, once per (order, platform). The charge is the one
   * the platform stated (its cancel answer) or, for platforms that do not, the {@code courierPenalties} table at the
   * courier's state as its callbacks last told us (a callback that moved nothing on our order, say an acceptance that
   * lost a race with the food platform's cancel, still tells how far that courier got). A figure the platform states
   * later, in a callback ({@link #statedInCallback}), replaces the table's (see {@link CourierCharges#penalty}).
   */
  public static Future<CourierPenalty> courierCancelled(Pool pool, CancellationPolicy policy, String orderId,
                                                        String platform, Long statedPenaltyFen) {
    Instant now = Instant.now();
    // The order's row first, as the courier webhook locks it: a callback stating this penalty and this answer are
    // booked one after the other.
    return pool.withTransaction(conn -> OrderRepository.holding(conn, orderId)
        .compose(order -> conn.preparedQuery("SELECT state FROM courier_callback"
            + " WHERE order_id = ? AND platform = ?").execute(Tuple.of(orderId, platform)))
        .compose(rows -> {
          CourierState reached = CourierState.CREATED;
          for (Row r : rows) {
            CourierState s = CourierState.valueOf(r.getString(0));
            if (!s.isTerminal() && s.isAfter(reached)) {
              reached = s;
            }
          }
          CourierState courierState = reached;
          return book(conn, orderId, platform, courierState, statedPenaltyFen,
              policy.courierPenaltyFen(platform, reached), now)
              .map(booked -> new CourierPenalty(orderId, platform, courierState,
                  booked.booking().record().penaltyFen(),
                  booked.booking().record().source() == CourierCharges.Source.STATED, booked.booking().changed(),
                  booked.refundedFen()));
        }));
  }

  /**
   * A courier platform's callback states what it charges us for the order's cancel ({@code statedFen}): booked in the
   * callback's transaction {@code conn}, which holds the order's row. It replaces a table figure booked before, and
   * stands if our cancel's answer comes later without one; the prepaid balance the placement was charged to gets the
   * charge back less this figure.
   */
  public static Future<Void> statedInCallback(SqlConnection conn, String orderId, String platform,
                                              CourierState courierState, long statedFen, Instant at) {
    return book(conn, orderId, platform, courierState, statedFen, 0, at).mapEmpty();
  }

  /**
   * A courier platform's callback says it cancelled the order and states no charge: the prepaid balance gets the
   * placement's charge back less the penalty booked so far (none when nobody owes one: the platform gave up the order,
   * or our cancel's answer has not come yet; a penalty booked later settles the difference). Joins the callback's
   * transaction {@code conn}, which holds the order's row. Answers the fen credited now.
   */
  public static Future<Long> cancelledWithoutStatement(SqlConnection conn, String orderId, String platform,
                                                       Instant at) {
    return conn.preparedQuery("SELECT penalty_fen FROM courier_penalty WHERE order_id = ? AND platform = ? FOR UPDATE")
        .execute(Tuple.of(orderId, platform))
        .compose(rows -> CourierAccountRepository.settleRefund(conn, orderId, platform,
            rows.size() == 0 ? 0 : rows.iterator().next().getLong(0), at));
  }

  /**
   * Books the penalty and, when it changed, settles the cancelled placement's refund against it: the platform gives
   * the charge back less what it keeps, in the same transaction as the penalty it keeps.
   */
  private static Future<Booked> book(SqlConnection conn, String orderId, String platform,
                                                           CourierState courierState, Long statedFen, long tableFen,
                                                           Instant at) {
    return conn.preparedQuery("SELECT penalty_fen, source FROM courier_penalty WHERE order_id = ? AND platform = ?"
            + " FOR UPDATE").execute(Tuple.of(orderId, platform))
        .compose(rows -> {
          CourierCharges.Booked existing = rows.size() == 0 ? null : new CourierCharges.Booked(
              rows.iterator().next().getLong(0), CourierCharges.Source.valueOf(rows.iterator().next().getString(1)));
          CourierCharges.PenaltyBooking booking = CourierCharges.penalty(orderId, platform, existing, statedFen,
              tableFen, at);
          if (!booking.changed()) {
            return Future.succeededFuture(new Booked(booking, 0));
          }
          Future<?> row = existing == null
              ? conn.preparedQuery("INSERT INTO courier_penalty (order_id, platform, courier_state, penalty_fen,"
                  + " source, recorded_at) VALUES (?, ?, ?, ?, ?, ?)").execute(Tuple.of(orderId, platform,
                  courierState.name(), booking.record().penaltyFen(), booking.record().source().name(),
                  Times.toDb(at)))
              : conn.preparedQuery("UPDATE courier_penalty SET penalty_fen = ?, source = ?, recorded_at = ?"
                  + " WHERE order_id = ? AND platform = ?").execute(Tuple.of(booking.record().penaltyFen(),
                  booking.record().source().name(), Times.toDb(at), orderId, platform));
          return row.compose(x -> LedgerRepository.write(conn, booking.postings()))
              .compose(x -> CourierAccountRepository.settleRefund(conn, orderId, platform,
                  booking.record().penaltyFen(), at))
              .map(refunded -> new Booked(booking, refunded));
        });
  }
}
