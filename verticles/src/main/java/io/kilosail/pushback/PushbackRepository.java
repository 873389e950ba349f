package io.kilosail.pushback;

import io.kilosail.infra.Times;
import io.kilosail.messaging.Transactions;
import io.kilosail.pushback.PushbackRules.Progress;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.mysqlclient.MySQLClient;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * The pusher's side of the {@code order_pushback} table (V7, V12); the writers of an order fill it through
 * {@link Pushback#mark}.
 */
final class PushbackRepository {

  /** What the row says the platform must hear: a row as {@link Pushback#mark} writes it and the pusher sends it. */
  record Snapshot(String orderId, String platform, String platformOrderId, String state, int version,
                  Instant occurredAt, JsonObject courier) {

    /** The callback body: {@code orderId, platformOrderId, state, occurredAt, version, courier} (UTC instants). */
    JsonObject body() {
      return new JsonObject().put("orderId", orderId).put("platformOrderId", platformOrderId).put("state", state)
          .put("occurredAt", occurredAt.toString()).put("version", version).put("courier", courier);
    }
  }

  /**
   * A row held by this pusher: its snapshot, the lease it is held under (a claim's, or the mark's that the nudge
   * named), and how many states were skipped that this pusher counts when its outcome is written.
   */
  record Claimed(Snapshot snapshot, int attempts, String leaseToken, int superseded) {
  }

  /** A row read for a nudge: what to push, and whose lease it is under until when. */
  record Nudged(Claimed claimed, int ackedVersion, Instant leaseUntil) {
  }

  /** Backlog per platform: rows to send and since when the oldest has waited. */
  record Backlog(String platform, long rows, Instant oldestPendingSince) {
  }

  static final Instant NO_LEASE = Instant.EPOCH;

  private static final String LOCK = "SELECT version, acked_version, attempts, next_attempt_at, pending_since,"
      + " lease_token FROM order_pushback WHERE order_id = ? FOR UPDATE";
  private static final String SETTLE = "UPDATE order_pushback SET acked_version = ?, attempts = ?, next_attempt_at = ?,"
      + " pending_since = ?, last_error = ?, lease_until = ?, lease_token = NULL, superseded = superseded - ?,"
      + " updated_at = ? WHERE order_id = ?";
  // The outcome in one statement while the row is under this pusher's lease (else SETTLE decides under the row
  // lock). An acknowledgement of a row that moved on while the push was in flight keeps the lease, so the holder sends
  // the newer state next without another lease write; LAST_INSERT_ID(version) hands the row's version back in the
  // statement's answer, which tells the two cases apart. No condition reads a column assigned before it.
  private static final String ACKED = "UPDATE order_pushback SET acked_version = GREATEST(acked_version, ?),"
      + " attempts = 0, last_error = NULL,"
      + " next_attempt_at = IF(version > ?, ?, NULL), pending_since = IF(version > ?, ?, NULL),"
      + " lease_until = IF(version > ?, GREATEST(lease_until, ?), ?), lease_token = IF(version > ?, lease_token, NULL),"
      + " superseded = superseded - ?, updated_at = ?, version = LAST_INSERT_ID(version)"
      + " WHERE order_id = ? AND lease_token = ?";
  private static final String FAILED = "UPDATE order_pushback SET attempts = attempts + 1, next_attempt_at = ?,"
      + " pending_since = COALESCE(pending_since, ?), last_error = ?, lease_until = ?, lease_token = NULL,"
      + " superseded = superseded - ?, updated_at = ?"
      + " WHERE order_id = ? AND lease_token = ? AND attempts = ? AND version > acked_version";
  private static final String READ = "SELECT order_id, platform, platform_order_id, state, version, occurred_at,"
      + " courier, attempts, superseded, acked_version, lease_until, lease_token FROM order_pushback WHERE order_id = ?";
  private static final String HOLD = "UPDATE order_pushback SET lease_until = ? WHERE order_id = ? AND lease_token = ?";
  private static final String ACK_ONLY = "UPDATE order_pushback SET acked_version = GREATEST(acked_version, ?),"
      + " updated_at = ? WHERE order_id = ?";
  private static final String LEASE = "UPDATE order_pushback SET lease_until = ?, lease_token = ? WHERE order_id = ?";
  private static final String BACKLOG = "SELECT platform, COUNT(*) AS n, MIN(pending_since) AS oldest"
      + " FROM order_pushback WHERE next_attempt_at IS NOT NULL GROUP BY platform";
  private static final String CLEAN_UP = "DELETE FROM order_pushback WHERE next_attempt_at IS NULL AND updated_at < ?"
      + " AND state IN ('DELIVERED', 'CANCELLED') LIMIT 1000";

  private final Pool pool;
  private final String claim;
  private final String due;

  /** @param platforms the platforms this pusher can send to (those with a callback URL) */
  PushbackRepository(Pool pool, Collection<String> platforms) {
    this.pool = pool;
    String in = platforms.isEmpty() ? "NULL" : String.join(", ", platforms.stream().map(p -> "?").toList());
    String where = " FROM order_pushback WHERE next_attempt_at <= ? AND lease_until <= ? AND version > acked_version"
        + " AND platform IN (" + in + ")";
    this.claim = "SELECT order_id, platform, platform_order_id, state, version, occurred_at, courier, attempts,"
        + " superseded" + where + " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED";
    // The idle check: one plain read, no transaction, no lock; the claim runs only when something is due.
    this.due = "SELECT 1" + where + " LIMIT 1";
  }

  // ---------------------------------------------------------------- pusher side

  /** Whether any row of the given platforms is due now (a read; the claim takes them). */
  Future<Boolean> anyDue(Collection<String> platforms, Instant now) {
    if (platforms.isEmpty()) {
      return Future.succeededFuture(false);
    }
    Tuple args = Tuple.tuple().addValue(Times.toDb(now)).addValue(Times.toDb(now));
    platforms.forEach(args::addString);
    return pool.preparedQuery(due).execute(args).map(rows -> rows.size() > 0);
  }

  /** The order's row as it is now, for a nudged push; null when there is none. A read: no lock, no write. */
  Future<Nudged> read(String orderId) {
    return pool.preparedQuery(READ).execute(Tuple.of(orderId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row r = rows.iterator().next();
      return new Nudged(new Claimed(snapshot(r), r.getInteger("attempts"), r.getString("lease_token"),
          r.getInteger("superseded")), r.getInteger("acked_version"), Times.fromDb(r.getLocalDateTime("lease_until")));
    });
  }

  /** Extends the lease of a push whose answer is slow; false when the lease is no longer this pusher's. */
  Future<Boolean> hold(Claimed claimed, Instant until) {
    return pool.preparedQuery(HOLD).execute(Tuple.of(Times.toDb(until), claimed.snapshot().orderId(),
        claimed.leaseToken())).map(rows -> rows.rowCount() > 0);
  }

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
        Snapshot s = snapshot(r);
        claimed.add(new Claimed(s, r.getInteger("attempts"), token, r.getInteger("superseded")));
        leases.add(Tuple.of(Times.toDb(leaseUntil), token, s.orderId()));
      }
      return leases.isEmpty() ? Future.succeededFuture(claimed)
          : conn.preparedQuery(LEASE).executeBatch(leases).map(claimed);
    }));
  }

  /** What {@link #settleHeld} wrote. */
  enum Settled {
    /** acknowledged, the row rests (or failed, the row waits out its backoff); the lease is released */
    DONE,
    /** acknowledged, but the order moved on while the push was in flight: the row is due now, still under the lease */
    MOVED_ON,
    /** the lease is no longer this pusher's (or the row changed under it): {@link #settle} decides under the lock */
    NOT_HELD
  }

  /**
   * Writes the outcome of one push in one UPDATE while the row is under this pusher's lease (and, for a failure, at
   * the attempts read). An acknowledgement of a row that moved on keeps the lease for at least {@code holdUntil}.
   */
  Future<Settled> settleHeld(Claimed claimed, boolean acked, String error, Instant now, Instant nextAttemptAt,
                             Instant holdUntil) {
    Snapshot s = claimed.snapshot();
    if (acked) {
      int v = s.version();
      Object at = Times.toDb(now);
      Tuple args = Tuple.tuple().addInteger(v).addInteger(v).addValue(at).addInteger(v).addValue(at)
          .addInteger(v).addValue(Times.toDb(holdUntil)).addValue(Times.toDb(NO_LEASE)).addInteger(v)
          .addInteger(claimed.superseded()).addValue(at).addString(s.orderId()).addString(claimed.leaseToken());
      return pool.preparedQuery(ACKED).execute(args).map(rows -> {
        if (rows.rowCount() == 0) {
          return Settled.NOT_HELD;
        }
        Long version = rows.property(MySQLClient.LAST_INSERTED_ID);
        return version != null && version > v ? Settled.MOVED_ON : Settled.DONE;
      });
    }
    Tuple args = Tuple.tuple().addValue(Times.toDb(nextAttemptAt)).addValue(Times.toDb(now))
        .addString(abbreviate(error)).addValue(Times.toDb(NO_LEASE)).addInteger(claimed.superseded())
        .addValue(Times.toDb(now)).addString(s.orderId()).addString(claimed.leaseToken())
        .addInteger(claimed.attempts());
    return pool.preparedQuery(FAILED).execute(args).map(rows -> rows.rowCount() > 0 ? Settled.DONE : Settled.NOT_HELD);
  }

  /**
   * Writes the outcome of one push: {@code decide} gets the row as it is now (a writer may have moved it on while
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
              .addString(abbreviate(error)).addValue(Times.toDb(NO_LEASE)).addInteger(claimed.superseded())
              .addValue(Times.toDb(now)).addString(orderId))
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

  private static String abbreviate(String error) {
    return error == null ? null : error.length() > 500 ? error.substring(0, 500) : error;
  }

  private static Snapshot snapshot(Row r) {
    String courier = r.getString("courier");
    return new Snapshot(r.getString("order_id"), r.getString("platform"), r.getString("platform_order_id"),
        r.getString("state"), r.getInteger("version"), Times.fromDb(r.getLocalDateTime("occurred_at")),
        courier == null ? null : new JsonObject(courier));
  }

  private static Progress progress(Row r) {
    return new Progress(r.getInteger("version"), r.getInteger("acked_version"), r.getInteger("attempts"),
        Times.fromDb(r.getLocalDateTime("next_attempt_at")), Times.fromDb(r.getLocalDateTime("pending_since")));
  }

}
