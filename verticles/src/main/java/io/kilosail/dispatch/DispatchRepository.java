package io.kilosail.dispatch;

import io.kilosail.dispatch.Dispatch.Candidate;
import io.kilosail.dispatch.Dispatch.Offer;
import io.kilosail.infra.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The {@code courier_dispatch} and {@code courier_placement} rows of a {@link Dispatch}; every call joins the caller's transaction. */
final class DispatchRepository {

  /** A dispatch with the delivery its placements send. */
  record Stored(Dispatch dispatch, JsonObject delivery) {
  }

  private static final String LOCK = "SELECT strategy, state, round, acceptance_timeout_ms, delivery"
      + " FROM courier_dispatch WHERE order_id = ? FOR UPDATE";
  private static final String CANDIDATES = "SELECT platform, position, state, price_fen, eta_seconds, quote_token,"
      + " platform_order_id, last_error FROM courier_placement WHERE order_id = ? ORDER BY position";
  private static final String INSERT = "INSERT INTO courier_dispatch (order_id, saga_id, strategy, state, round,"
      + " acceptance_timeout_ms, delivery, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String INSERT_CANDIDATE = "INSERT INTO courier_placement (order_id, platform, position, state,"
      + " price_fen, eta_seconds, quote_token, platform_order_id, last_error, updated_at)"
      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String UPDATE = "UPDATE courier_dispatch SET state = ?, round = ?, updated_at = ?,"
      + " version = version + 1 WHERE order_id = ?";
  private static final String UPDATE_CANDIDATE = "UPDATE courier_placement SET state = ?, platform_order_id = ?,"
      + " last_error = ?, updated_at = ? WHERE order_id = ? AND platform = ?";

  private DispatchRepository() {
  }

  /** The order's dispatch, locked until the transaction ends; null when the order was never dispatched. */
  static Future<Stored> lock(SqlConnection conn, String orderId) {
    return conn.preparedQuery(LOCK).execute(Tuple.of(orderId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture();
      }
      Row d = rows.iterator().next();
      return conn.preparedQuery(CANDIDATES).execute(Tuple.of(orderId)).map(candidates -> {
        List<Candidate> list = new ArrayList<>();
        for (Row c : candidates) {
          list.add(new Candidate(new Offer(c.getString("platform"), c.getLong("price_fen"), c.getInteger("eta_seconds"),
              c.getString("quote_token")), c.getInteger("position"), Candidate.Status.valueOf(c.getString("state")),
              c.getString("platform_order_id"), c.getString("last_error")));
        }
        Dispatch dispatch = new Dispatch(orderId, DispatchStrategy.valueOf(d.getString("strategy")),
            d.getLong("acceptance_timeout_ms"), Dispatch.State.valueOf(d.getString("state")), d.getInteger("round"),
            list);
        return new Stored(dispatch, new JsonObject(d.getString("delivery")));
      });
    });
  }

  /** Stores a new dispatch; fails with a duplicate key if the order has one already. */
  static Future<Void> insert(SqlConnection conn, Dispatch d, String sagaId, JsonObject delivery, Instant now) {
    Tuple row = Tuple.of(d.orderId(), sagaId, d.strategy().name(), d.state().name(), d.round(),
        d.acceptanceTimeoutMs(), delivery.encode(), Times.toDb(now), Times.toDb(now));
    List<Tuple> candidates = new ArrayList<>();
    for (Candidate c : d.candidates()) {
      candidates.add(Tuple.from(new Object[] {d.orderId(), c.platform(), c.position(), c.status().name(),
          c.offer().priceFen(), c.offer().etaSeconds(), c.offer().quoteToken(), c.platformOrderId(), c.lastError(),
          Times.toDb(now)}));
    }
    return conn.preparedQuery(INSERT).execute(row)
        .compose(x -> conn.preparedQuery(INSERT_CANDIDATE).executeBatch(candidates))
        .mapEmpty();
  }

  static Future<Void> save(SqlConnection conn, Dispatch d, Instant now) {
    List<Tuple> candidates = new ArrayList<>();
    for (Candidate c : d.candidates()) {
      candidates.add(Tuple.of(c.status().name(), c.platformOrderId(), truncate(c.lastError()), Times.toDb(now),
          d.orderId(), c.platform()));
    }
    return conn.preparedQuery(UPDATE).execute(Tuple.of(d.state().name(), d.round(), Times.toDb(now), d.orderId()))
        .compose(x -> conn.preparedQuery(UPDATE_CANDIDATE).executeBatch(candidates))
        .mapEmpty();
  }

  private static String truncate(String s) {
    return s == null || s.length() <= 500 ? s : s.substring(0, 500);
  }
}
