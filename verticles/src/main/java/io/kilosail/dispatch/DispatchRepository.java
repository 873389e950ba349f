package io.kilosail.dispatch;

import io.kilosail.infra.Texts;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The {@code courier_dispatch} and {@code courier_placement} rows of a {@link Dispatch}; every call joins the caller's transaction. */
final class DispatchRepository {

  /**
   * A dispatch with the delivery its placements send, and its rows as they were read: {@link #save} writes only what
   * a transition changed (most facts change one candidate of several, or nothing at all).
   */
  record Stored(Dispatch dispatch, JsonObject delivery, RowImage loaded) {
  }

  /** What the rows held when read: the dispatch's state and round, and each candidate's columns by platform. */
  record RowImage(Dispatch.State state, int round, Map<String, List<Object>> candidates) {

    static RowImage of(Dispatch d) {
      Map<String, List<Object>> candidates = new HashMap<>();
      for (Candidate c : d.candidates()) {
        candidates.put(c.platform(), columns(c));
      }
      return new RowImage(d.state(), d.round(), candidates);
    }

    private static List<Object> columns(Candidate c) {
      return Arrays.asList(c.status(), c.platformOrderId(), truncate(c.lastError()), c.chargedFen(), c.tipRound(),
          c.tipFen(), c.tipPendingFen());
    }
  }

  private static final String LOCK = "SELECT strategy, state, round, acceptance_timeout_ms, delivery"
      + " FROM courier_dispatch WHERE order_id = ? FOR UPDATE";
  private static final String CANDIDATES = "SELECT platform, position, state, price_fen, eta_seconds, quote_token,"
      + " platform_order_id, last_error, charged_fen, tip_round, tip_fen, tip_pending_fen FROM courier_placement"
      + " WHERE order_id = ? ORDER BY position";
  // INSERT IGNORE: the order's one dispatch row is also the saga step's barrier. A row already there is an earlier try
  // of the same step (done) or the tombstone of a withdraw that came first (the late dispatch must do nothing).
  private static final String INSERT = "INSERT IGNORE INTO courier_dispatch (order_id, saga_id, strategy, state, round,"
      + " acceptance_timeout_ms, delivery, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String INSERT_CANDIDATES = "INSERT INTO courier_placement (order_id, platform, position,"
      + " state, price_fen, eta_seconds, quote_token, platform_order_id, last_error, updated_at) VALUES";
  private static final String UPDATE = "UPDATE courier_dispatch SET state = ?, round = ?, updated_at = ?,"
      + " version = version + 1 WHERE order_id = ?";
  // The charged price rides along in the UPDATE a placement's answer makes anyway (PLACING -> PLACED), and so do the
  // tip columns (V20): unchanged for an order that gets no tip, which writes nothing more for them.
  private static final String UPDATE_CANDIDATE = "UPDATE courier_placement SET state = ?, platform_order_id = ?,"
      + " last_error = ?, charged_fen = ?, tip_round = ?, tip_fen = ?, tip_pending_fen = ?, updated_at = ?"
      + " WHERE order_id = ? AND platform = ?";

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
              c.getString("platform_order_id"), c.getString("last_error"), c.getLong("charged_fen"),
              c.getInteger("tip_round"), c.getLong("tip_fen"), c.getLong("tip_pending_fen")));
        }
        Dispatch dispatch = new Dispatch(orderId, DispatchStrategy.valueOf(d.getString("strategy")),
            d.getLong("acceptance_timeout_ms"), Dispatch.State.valueOf(d.getString("state")), d.getInteger("round"),
            list);
        return new Stored(dispatch, new JsonObject(d.getString("delivery")), RowImage.of(dispatch));
      });
    });
  }

  /**
   * Stores a new dispatch with its candidates; false (and nothing written) if the order has a dispatch row already: an
   * earlier try of the same saga step, or the tombstone of a withdraw that overtook it ({@link #withdrawnFirst}).
   */
  static Future<Boolean> insert(SqlConnection conn, Dispatch d, String sagaId, JsonObject delivery, Instant now) {
    Tuple row = Tuple.of(d.orderId(), sagaId, d.strategy().name(), d.state().name(), d.round(),
        d.acceptanceTimeoutMs(), delivery.encode(), Times.toDb(now), Times.toDb(now));
    // One multi-row INSERT for every candidate: one statement and one round trip, however many couriers quoted.
    StringBuilder sql = new StringBuilder(INSERT_CANDIDATES);
    Tuple candidates = Tuple.tuple();
    for (Candidate c : d.candidates()) {
      sql.append(candidates.size() == 0 ? " " : ", ").append("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      candidates.addString(d.orderId()).addString(c.platform()).addInteger(c.position()).addString(c.status().name())
          .addLong(c.offer().priceFen()).addValue(c.offer().etaSeconds()).addString(c.offer().quoteToken())
          .addString(c.platformOrderId()).addString(truncate(c.lastError())).addValue(Times.toDb(now));
    }
    return conn.preparedQuery(INSERT).execute(row).compose(inserted -> inserted.rowCount() == 0
        ? Future.succeededFuture(false)
        : (d.candidates().isEmpty() ? Future.succeededFuture() : conn.preparedQuery(sql.toString()).execute(candidates))
            .map(true));
  }

  /**
   * A withdraw for an order that has no dispatch yet (the saga compensates before its dispatch step's action landed):
   * writes a WITHDRAWN dispatch with no candidates (round 0), so the late action finds the row and does nothing.
   * False when the order has a dispatch already: withdraw that one.
   */
  static Future<Boolean> withdrawnFirst(SqlConnection conn, String orderId, String sagaId, Instant now) {
    return conn.preparedQuery(INSERT).execute(Tuple.of(orderId, sagaId, DispatchStrategy.SEQUENTIAL.name(),
            Dispatch.State.WITHDRAWN.name(), 0, 0L, "{}", Times.toDb(now), Times.toDb(now)))
        .map(inserted -> inserted.rowCount() == 1);
  }

  /** Writes the rows of {@code stored}'s dispatch that differ from what was read; nothing when nothing changed. */
  static Future<Void> save(SqlConnection conn, Stored stored, Instant now) {
    Dispatch d = stored.dispatch();
    RowImage loaded = stored.loaded();
    List<Tuple> candidates = new ArrayList<>();
    for (Candidate c : d.candidates()) {
      if (!RowImage.columns(c).equals(loaded.candidates().get(c.platform()))) {
        candidates.add(Tuple.tuple().addString(c.status().name()).addString(c.platformOrderId())
            .addString(truncate(c.lastError())).addLong(c.chargedFen()).addInteger(c.tipRound())
            .addLong(c.tipFen()).addLong(c.tipPendingFen()).addValue(Times.toDb(now))
            .addString(d.orderId()).addString(c.platform()));
      }
    }
    Future<?> dispatchRow = d.state() == loaded.state() && d.round() == loaded.round() ? Future.succeededFuture()
        : conn.preparedQuery(UPDATE).execute(Tuple.of(d.state().name(), d.round(), Times.toDb(now), d.orderId()));
    return dispatchRow
        .compose(x -> candidates.isEmpty() ? Future.succeededFuture()
            : conn.preparedQuery(UPDATE_CANDIDATE).executeBatch(candidates))
        .mapEmpty();
  }

  private static String truncate(String s) {
    return Texts.clip(s, 500);
  }
}
