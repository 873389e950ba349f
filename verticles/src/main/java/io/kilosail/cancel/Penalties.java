package io.kilosail.cancel;

import io.kilosail.contracts.courier.CourierState;
import io.kilosail.infra.Times;
import io.kilosail.ledger.Ledger;
import io.kilosail.ledger.LedgerRepository;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;

/** Penalties into the ledger, each in the transaction of the fact that causes it. */
public final class Penalties {

  /** What a courier platform's cancel cost us, as recorded. */
  public record CourierPenalty(String orderId, String platform, CourierState courierState, long penaltyFen,
                               boolean stated, boolean recordedNow) {
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
   * the platform stated (Shansong answers with it) or, for platforms that do not, the {@code courierPenalties} table at
   * the courier's state as its callbacks last told us (a callback that moved nothing on our order, say an acceptance
   * that lost a race with the food platform's cancel, still tells how far that courier got).
   */
  public static Future<CourierPenalty> courierCancelled(Pool pool, CancellationPolicy policy, String orderId,
                                                        String platform, Long statedPenaltyFen) {
    Instant now = Instant.now();
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT state FROM courier_callback"
            + " WHERE order_id = ? AND platform = ?").execute(Tuple.of(orderId, platform))
        .compose(rows -> {
          CourierState reached = CourierState.CREATED;
          for (Row r : rows) {
            CourierState s = CourierState.valueOf(r.getString(0));
            if (!s.isTerminal() && s.isAfter(reached)) {
              reached = s;
            }
          }
          long penalty = statedPenaltyFen != null ? statedPenaltyFen : policy.courierPenaltyFen(platform, reached);
          CourierState courierState = reached;
          return conn.preparedQuery("INSERT IGNORE INTO courier_penalty (order_id, platform, courier_state,"
                  + " penalty_fen, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?)")
              .execute(Tuple.of(orderId, platform, reached.name(), penalty, statedPenaltyFen != null ? "STATED" : "TABLE",
                  Times.toDb(now)))
              .compose(inserted -> {
                boolean first = inserted.rowCount() == 1;
                Future<Void> postings = first
                    ? LedgerRepository.write(conn, Ledger.courierPenalty(orderId, platform, penalty, now))
                    : Future.succeededFuture();
                return postings.map(new CourierPenalty(orderId, platform, courierState, penalty,
                    statedPenaltyFen != null, first));
              });
        }));
  }
}
