package io.kilosail.pushback;

import io.kilosail.infra.Times;
import io.kilosail.messaging.Transactions;
import io.kilosail.pushback.PushbackRules.Progress;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.mysqlclient.MySQLException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The {@code order_pushback} table (V7) and the read of {@code delivery_order} it is filled from. */
final class PushbackRepository {

  /** What the row says the platform must hear: a row as the consumer writes it and the pusher sends it. */
  record Snapshot(String orderId, String platform, String platformOrderId, String state, int version,
                  Instant occurredAt, JsonObject courier) {

    /** The callback body: {@code orderId, platformOrderId, state, occurredAt, version, courier} (UTC instants). */
    JsonObject body() {
      return new JsonObject().put("orderId", orderId).put("platformOrderId", platformOrderId).put("state", state)
          .put("occurredAt", occurredAt.toString()).put("version", version).put("courier", courier);
    }
  }

  /** A claimed row: its snapshot and the lease it is held under. */
  record Claimed(Snapshot snapshot, int attempts, String leaseToken) {
  }

  /** Backlog per platform: rows to send and since when the oldest has waited. */
  record Backlog(String platform, long rows, Instant oldestPendingSince) {
  }

  private static final int DUPLICATE_KEY = 1062;
  static final Instant NO_LEASE = Instant.EPOCH;

  private static final String READ_ORDER = "SELECT o.platform, o.platform_order_id, o.state, o.version, o.received_at,"
      + " o.updated_at, o.courier_platform, o.courier_name, o.courier_phone,"
      + " t.state AS last_state, t.occurred_at AS last_at"
      + " FROM delivery_order o LEFT JOIN delivery_order_timeline t ON t.id ="
      + " (SELECT MAX(t2.id) FROM delivery_order_timeline t2 WHERE t2.order_id = o.id)"
      + " WHERE o.id = ?";
  private static final String INSERT = "INSERT INTO order_pushback (order_id, platform, platform_order_id, state,"
      + " version, occurred_at, courier, acked_version, attempts, next_attempt_at, pending_since, lease_until,"
      + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String LOCK = "SELECT version, acked_version, attempts, next_attempt_at, pending_since,"
      + " lease_token FROM order_pushback WHERE order_id = ? FOR UPDATE";
  private static final String MOVE_FORWARD = "UPDATE order_pushback SET platform_order_id = ?, state = ?, version = ?,"
      + " occurred_at = ?, courier = ?, attempts = ?, next_attempt_at = ?, pending_since = ?, updated_at = ?"
      + " WHERE order_id = ? AND version < ?";
  private static final String SETTLE = "UPDATE order_pushback SET acked_version = ?, attempts = ?, next_attempt_at = ?,"
      + " pending_since = ?, last_error = ?, lease_until = ?, lease_token = NULL, updated_at = ? WHERE order_id = ?";
  private static final String ACK_ONLY = "UPDATE order_pushback SET acked_version = GREATEST(acked_version, ?),"
      + " updated_at = ? WHERE order_id = ?";
  private static final String LEASE = "UPDATE order_pushback SET lease_until = ?, lease_token = ? WHERE order_id = ?";
  private static final String BACKLOG = "SELECT platform, COUNT(*) AS n, MIN(pending_since) AS oldest"
      + " FROM order_pushback WHERE next_attempt_at IS NOT NULL GROUP BY platform";
  private static final String CLEAN_UP = "DELETE FROM order_pushback WHERE next_attempt_at IS NULL AND updated_at < ?"
      + " AND state IN ('DELIVERED', 'CANCELLED') LIMIT 1000";

  private final Pool pool;
  private final String claim;

  /** @param platforms the platforms this pusher can send to (those with a callback URL) */
  PushbackRepository(Pool pool, Collection<String> platforms) {
    this.pool = pool;
    String in = platforms.isEmpty() ? "NULL" : String.join(", ", platforms.stream().map(p -> "?").toList());
    this.claim = "SELECT order_id, platform, platform_order_id, state, version, occurred_at, courier, attempts"
        + " FROM order_pushback WHERE next_attempt_at <= ? AND lease_until <= ? AND version > acked_version"
        + " AND platform IN (" + in + ") ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED";
  }

  // ---------------------------------------------------------------- consumer side (in the inbox's transaction)

  /** The order as it is now, or null when there is no such order. */
  static Future<Snapshot> readOrder(SqlConnection conn, String orderId) {
    return conn.preparedQuery(READ_ORDER).execute(Tuple.of(orderId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row r = rows.iterator().next();
      String state = r.getString("state");
      Instant occurredAt = PushbackRules.occurredAt(state, Times.fromDb(r.getLocalDateTime("received_at")),
          r.getString("last_state"), Times.fromDb(r.getLocalDateTime("last_at")),
          Times.fromDb(r.getLocalDateTime("updated_at")));
      String courierPlatform = r.getString("courier_platform");
      JsonObject courier = courierPlatform == null ? null : new JsonObject().put("platform", courierPlatform)
          .put("name", r.getString("courier_name")).put("phone", r.getString("courier_phone"));
      return new Snapshot(orderId, r.getString("platform"), r.getString("platform_order_id"), state,
          r.getInteger("version"), occurredAt, courier);
    });
  }

  /** What {@link #observe} did. */
  enum Observed { NEW, FORWARD, SUPERSEDED, NOT_NEWER }

  /**
   * Records that the order is at {@code order}'s version: a new row, or the row moved forward, or nothing when the row
   * already holds that version or a newer one. Insert first (one statement in the common case: the order's first
   * event); a duplicate key means the row exists, which is then locked and compared.
   */
  static Future<Observed> observe(SqlConnection conn, Snapshot order, Instant now) {
    Progress first = PushbackRules.first(order.version(), now);
    Tuple insert = Tuple.tuple().addString(order.orderId()).addString(order.platform())
        .addString(order.platformOrderId()).addString(order.state()).addInteger(order.version())
        .addValue(Times.toDb(order.occurredAt())).addString(courierText(order))
        .addInteger(first.ackedVersion()).addInteger(first.attempts()).addValue(Times.toDb(first.nextAttemptAt()))
        .addValue(Times.toDb(first.pendingSince())).addValue(Times.toDb(NO_LEASE))
        .addValue(Times.toDb(now)).addValue(Times.toDb(now));
    return conn.preparedQuery(INSERT).execute(insert).map(Observed.NEW)
        // MySQL undoes only the failed statement; the transaction goes on.
        .recover(err -> err instanceof MySQLException e && e.getErrorCode() == DUPLICATE_KEY
            ? moveForward(conn, order, now)
            : Future.failedFuture(err));
  }

  private static Future<Observed> moveForward(SqlConnection conn, Snapshot order, Instant now) {
    return conn.preparedQuery(LOCK).execute(Tuple.of(order.orderId())).compose(rows -> {
      Progress stored = progress(rows.iterator().next());
      Progress next = PushbackRules.observe(stored, order.version(), now);
      if (next == null) {
        return Future.succeededFuture(Observed.NOT_NEWER);
      }
      Observed outcome = PushbackRules.supersedesUnsent(stored, order.version()) ? Observed.SUPERSEDED
          : Observed.FORWARD;
      return conn.preparedQuery(MOVE_FORWARD).execute(Tuple.tuple()
              .addString(order.platformOrderId()).addString(order.state()).addInteger(order.version())
              .addValue(Times.toDb(order.occurredAt())).addString(courierText(order))
              .addInteger(next.attempts()).addValue(Times.toDb(next.nextAttemptAt()))
              .addValue(Times.toDb(next.pendingSince())).addValue(Times.toDb(now))
              .addString(order.orderId()).addInteger(order.version()))
          .map(outcome);
    });
  }

  private static String courierText(Snapshot order) {
    return order.courier() == null ? null : order.courier().encode();
  }

  // ---------------------------------------------------------------- pusher side

  /** Claims up to {@code limit} due rows of the given platforms under a fresh lease until {@code leaseUntil}. */
  Future<List<Claimed>> claim(Collection<String> platforms, int limit, Instant now, Instant leaseUntil) {
    if (platforms.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    String token = UUID.randomUUID().toString();
    Tuple args = Tuple.tuple().addValue(Times.toDb(now)).addValue(Times.toDb(now));
    platforms.forEach(args::addString);
    args.addInteger(limit);
    return Transactions.readCommitted(pool, conn -> conn.preparedQuery(claim).execute(args).compose(rows -> {
      List<Claimed> claimed = new ArrayList<>();
      List<Tuple> leases = new ArrayList<>();
      for (Row r : rows) {
        String courier = r.getString("courier");
        Snapshot s = new Snapshot(r.getString("order_id"), r.getString("platform"), r.getString("platform_order_id"),
            r.getString("state"), r.getInteger("version"), Times.fromDb(r.getLocalDateTime("occurred_at")),
            courier == null ? null : new JsonObject(courier));
        claimed.add(new Claimed(s, r.getInteger("attempts"), token));
        leases.add(Tuple.of(Times.toDb(leaseUntil), token, s.orderId()));
      }
      return leases.isEmpty() ? Future.succeededFuture(claimed)
          : conn.preparedQuery(LEASE).executeBatch(leases).map(claimed);
    }));
  }

  /**
   * Writes the outcome of one push: {@code decide} gets the row as it is now (the consumer may have moved it on while
   * the push was in flight) and answers its new progress. A pusher whose lease was taken over (it outlived it) only
   * records an acknowledgement, and leaves the row to the new holder.
   */
  Future<Progress> settle(Claimed claimed, boolean acked, String error, Instant now,
                          java.util.function.Function<Progress, Progress> decide) {
    String orderId = claimed.snapshot().orderId();
    return Transactions.readCommitted(pool, conn -> conn.preparedQuery(LOCK).execute(Tuple.of(orderId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(null);
      }
      Row row = rows.iterator().next();
      if (!claimed.leaseToken().equals(row.getString("lease_token"))) {
        return acked
            ? conn.preparedQuery(ACK_ONLY).execute(Tuple.of(claimed.snapshot().version(), Times.toDb(now), orderId))
                .map((Progress) null)
            : Future.succeededFuture(null);
      }
      Progress next = decide.apply(progress(row));
      return conn.preparedQuery(SETTLE).execute(Tuple.tuple()
              .addInteger(next.ackedVersion()).addInteger(next.attempts()).addValue(Times.toDb(next.nextAttemptAt()))
              .addValue(Times.toDb(next.pendingSince()))
              .addString(error == null ? null : error.length() > 500 ? error.substring(0, 500) : error)
              .addValue(Times.toDb(NO_LEASE)).addValue(Times.toDb(now)).addString(orderId))
          .map(next);
    }));
  }

  Future<List<Backlog>> backlog() {
    return pool.query(BACKLOG).execute().map(rows -> {
      List<Backlog> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(new Backlog(r.getString("platform"), r.getLong("n"), Times.fromDb(r.getLocalDateTime("oldest"))));
      }
      return out;
    });
  }

  /** Deletes up to 1000 acknowledged rows of finished orders last changed before {@code before}; answers how many. */
  Future<Integer> cleanUp(Instant before) {
    return pool.preparedQuery(CLEAN_UP).execute(Tuple.of(Times.toDb(before))).map(RowSet::rowCount);
  }

  private static Progress progress(Row r) {
    return new Progress(r.getInteger("version"), r.getInteger("acked_version"), r.getInteger("attempts"),
        Times.fromDb(r.getLocalDateTime("next_attempt_at")), Times.fromDb(r.getLocalDateTime("pending_since")));
  }

}
