package io.kilosail.order;

import io.kilosail.infra.Texts;
import io.kilosail.infra.Times;
import io.kilosail.messaging.Transactions;
import io.kilosail.pushback.Pushback;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The status push-back's part of the {@code delivery_order} row (V13: {@code state_at}, {@code push_*}), for
 * {@link OrderRepository}, the row's owner, which delegates to this class: the bookkeeping that every transition
 * writes in its own statement ({@link #MOVED}), and the writes of the pusher
 * ({@code io.kilosail.pushback.PushbackVerticle}):
 * acknowledgements of several orders in one statement ({@link #acked}), a failure, a claim's lease, a slow push's
 * lease extension. None of them touches the order's own columns (state, version, courier, {@code updated_at}); each is
 * guarded by the lease that holds the row's push, so a pusher never overwrites a newer state's bookkeeping.
 *
 * <p>The pusher reads what it sends (state, version, courier, platform ids) from the order row itself: nothing is
 * copied. Every statement here is written so that no assignment reads a column assigned before it in the same
 * statement, so it means the same whatever order the server applies the assignments in.
 */
public final class OrderPushback {

  /** What the row says the platform must hear: the order as it is, and how the pusher sends it. */
  public record Snapshot(String orderId, String platform, String platformOrderId, String state, int version,
                         Instant occurredAt, JsonObject courier) {

    /** The callback body: {@code orderId, platformOrderId, state, occurredAt, version, courier} (UTC instants). */
    public JsonObject body() {
      return new JsonObject().put("orderId", orderId).put("platformOrderId", platformOrderId).put("state", state)
          .put("occurredAt", occurredAt.toString()).put("version", version).put("courier", courier);
    }
  }

  /**
   * A row held by a pusher: its snapshot, the lease it is held under (a claim's, or the move's that the nudge named),
   * and how many skipped states this pusher counts when its outcome is written.
   */
  public record Claimed(Snapshot snapshot, int attempts, String leaseToken, int superseded) {
  }

  /** A row as read for a nudge: what to push, and whose lease it is under until when. */
  public record Nudged(Claimed claimed, int ackedVersion, Instant leaseUntil) {
  }

  /** Backlog per platform: orders to send and since when the oldest has waited. */
  public record Backlog(String platform, long rows, Instant oldestPendingSince) {
  }

  public static final Instant NO_LEASE = Instant.EPOCH;

  // ---------------------------------------------------------------- written by the transitions themselves

  private static final String PENDING = "version > push_acked_version";
  /** A failing row waits out its backoff: a newer state goes at the next retry. */
  private static final String BACKING_OFF = "(" + PENDING + " AND push_attempts > 0 AND push_due_at IS NOT NULL)";
  /** Nobody holds the row's push (no push in flight or awaiting its batched ack, no other move's grace). */
  private static final String TAKES_LEASE = "push_lease_until <= ? AND NOT " + BACKING_OFF;
  /**
   * The push-back assignments every transition puts first in its {@code UPDATE … SET} (before it assigns state and
   * {@code version = version + 1}, so {@code version} here is the one the platform may not have heard yet): the new
   * state is due after the grace and leased to the push its commit nudges, unless a pusher holds the row (it sends the
   * newer state after its acknowledgement) or the row is backing off (the newer state goes at that retry); a state
   * still unacknowledged is now skipped, and counted. Parameters: see {@link #moved}.
   */
  static final String MOVED = " push_superseded = IF(" + PENDING + ", push_superseded + 1, push_superseded),"
      + " push_lease_token = IF(" + TAKES_LEASE + ", ?, push_lease_token),"
      + " push_lease_until = IF(" + TAKES_LEASE + ", ?, push_lease_until),"
      + " push_pending_since = IF(" + PENDING + " AND push_pending_since IS NOT NULL, push_pending_since, ?),"
      + " push_due_at = IF(" + BACKING_OFF + ", push_due_at, ?),"
      + " state_at = ?,";
  /** The columns a new order sets for its CREATED (see {@link #created}). */
  static final String CREATED_COLUMNS =
      ", state_at, push_due_at, push_pending_since, push_lease_until, push_lease_token";
  static final String CREATED_VALUES = ", ?, ?, ?, ?, ?";

  /** The parameters of {@link #MOVED}, added to {@code args} (they come first in a transition's statement). */
  static Tuple moved(Tuple args, Pushback.Lease lease, Instant stateAt) {
    Object now = Times.toDb(lease.now());
    Object graceEnd = Times.toDb(lease.graceEnd());
    return args.addValue(now).addString(lease.token()).addValue(now).addValue(graceEnd)
        .addValue(now).addValue(graceEnd).addValue(Times.toDb(stateAt));
  }

  /** The parameters of {@link #CREATED_VALUES}, added to {@code args}. */
  static Tuple created(Tuple args, Pushback.Lease lease, Instant receivedAt) {
    Object graceEnd = Times.toDb(lease.graceEnd());
    return args.addValue(Times.toDb(receivedAt)).addValue(graceEnd).addValue(Times.toDb(lease.now()))
        .addValue(graceEnd).addString(lease.token());
  }

  // ---------------------------------------------------------------- the pusher's side

  private static final String COLUMNS = "id, platform, platform_order_id, state, version,"
      + " COALESCE(state_at, updated_at) AS state_at, courier_platform, courier_name, courier_phone,"
      + " rider_lat, rider_lng, rider_at,"
      + " push_attempts, push_superseded, push_acked_version, push_lease_until, push_lease_token";
  private static final String READ = "SELECT " + COLUMNS + " FROM delivery_order WHERE id = ?";
  private static final String HOLD = "UPDATE delivery_order SET push_lease_until = ?"
      + " WHERE id = ? AND push_lease_token = ?";
  // A failure under the pusher's lease: the row (perhaps a newer state by now) waits out the backoff; lease released.
  private static final String FAILED = "UPDATE delivery_order SET push_attempts = push_attempts + 1, push_due_at = ?,"
      + " push_pending_since = COALESCE(push_pending_since, ?), push_last_error = ?, push_lease_until = ?,"
      + " push_superseded = push_superseded - ?"
      + " WHERE id = ? AND push_lease_token = ? AND push_attempts = ? AND " + PENDING;
  // An acknowledgement by a pusher that lost its lease (it outlived it): only the acknowledged version is recorded.
  private static final String ACK_ONLY = "UPDATE delivery_order"
      + " SET push_acked_version = GREATEST(push_acked_version, ?) WHERE id = ? AND push_acked_version < ?";
  private static final String BACKLOG = "SELECT platform, COUNT(*) AS n, MIN(push_pending_since) AS oldest"
      + " FROM delivery_order WHERE push_due_at IS NOT NULL AND " + PENDING + " GROUP BY platform";

  /** At most this many acknowledgements in one statement (one per order). */
  public static final int MAX_ACKS = 200;

  private final Pool pool;
  private final String claim;
  private final String due;

  /** @param platforms the platforms this pusher can send to (those with a callback URL) */
  public OrderPushback(Pool pool, Collection<String> platforms) {
    this.pool = pool;
    String in = platforms.isEmpty() ? "NULL" : String.join(", ", platforms.stream().map(p -> "?").toList());
    String where = " FROM delivery_order WHERE push_due_at <= ? AND push_lease_until <= ? AND " + PENDING
        + " AND platform IN (" + in + ")";
    this.claim = "SELECT " + COLUMNS + where + " ORDER BY push_due_at LIMIT ? FOR UPDATE SKIP LOCKED";
    // The idle check: one plain read, no transaction, no lock; the claim runs only when something is due.
    this.due = "SELECT 1" + where + " LIMIT 1";
  }

  /** Whether any order of the given platforms is due now (a read; the claim takes them). */
  public Future<Boolean> anyDue(Collection<String> platforms, Instant now) {
    if (platforms.isEmpty()) {
      return Future.succeededFuture(false);
    }
    Tuple args = Tuple.tuple().addValue(Times.toDb(now)).addValue(Times.toDb(now));
    platforms.forEach(args::addString);
    return pool.preparedQuery(due).execute(args).map(rows -> rows.size() > 0);
  }

  /** The order's push-back as it is now, for a nudged push; null when there is no such order. A read. */
  public Future<Nudged> read(String orderId) {
    return pool.preparedQuery(READ).execute(Tuple.of(orderId))
        .map(rows -> rows.size() == 0 ? null : nudged(rows.iterator().next()));
  }

  /** Extends the lease of a push whose answer is slow; false when the lease is no longer this pusher's. */
  public Future<Boolean> hold(Claimed claimed, Instant until) {
    return pool.preparedQuery(HOLD).execute(Tuple.of(Times.toDb(until), claimed.snapshot().orderId(),
        claimed.leaseToken())).map(rows -> rows.rowCount() > 0);
  }

  /**
   * Claims up to {@code limit} due orders of the given platforms under one fresh lease until {@code leaseUntil}: the
   * read under {@code FOR UPDATE SKIP LOCKED} and one UPDATE for all of them.
   */
  public Future<List<Claimed>> claim(Collection<String> platforms, int limit, Instant now, Instant leaseUntil) {
    if (platforms.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    String token = UUID.randomUUID().toString();
    Tuple args = Tuple.tuple().addValue(Times.toDb(now)).addValue(Times.toDb(now));
    platforms.forEach(args::addString);
    args.addInteger(limit);
    return Transactions.readCommitted(pool, conn -> conn.preparedQuery(claim).execute(args).compose(rows -> {
      List<Claimed> claimed = new ArrayList<>();
      Tuple lease = Tuple.tuple().addValue(Times.toDb(leaseUntil)).addString(token);
      for (Row r : rows) {
        Claimed c = nudged(r).claimed();
        claimed.add(new Claimed(c.snapshot(), c.attempts(), token, c.superseded()));
        lease.addString(c.snapshot().orderId());
      }
      return claimed.isEmpty() ? Future.succeededFuture(claimed)
          : conn.preparedQuery("UPDATE delivery_order SET push_lease_until = ?, push_lease_token = ? WHERE id IN ("
              + marks(claimed.size()) + ")").execute(lease).map(claimed);
    }));
  }

  /**
   * Writes the acknowledgements of several pushes in one statement, each guarded by the lease its push was held
   * under, and only when it acknowledges more than is recorded (a late or repeated one changes nothing): the
   * acknowledged version only ever grows; a row whose order moved on while its push was in flight stays leased to the
   * same holder, due now, for the newer state; any other rests (not due, lease released). A row no longer under that
   * lease is left alone. Then one read answers the rows that still have a state
   * to send, by order id (the caller tells by their lease whether it holds them, see
   * {@code PushbackRules#afterAck}).
   *
   * @param holdUntil how long at least a row that moved on stays leased to the holder for its newer state
   */
  public Future<Map<String, Nudged>> acked(List<Claimed> acks, Instant now, Instant holdUntil) {
    if (acks.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    if (acks.size() > MAX_ACKS) {
      throw new IllegalArgumentException("at most " + MAX_ACKS + " acknowledgements a statement, got " + acks.size());
    }
    int n = acks.size();
    String version = cases(n);
    String superseded = cases(n);
    String token = cases(n);
    String sql = "UPDATE delivery_order SET"
        + " push_acked_version = GREATEST(push_acked_version, " + version + "),"
        + " push_attempts = 0, push_last_error = NULL,"
        + " push_due_at = IF(version > " + version + ", ?, NULL),"
        + " push_pending_since = IF(version > " + version + ", ?, NULL),"
        + " push_lease_until = IF(version > " + version + ", GREATEST(push_lease_until, ?), ?),"
        + " push_superseded = push_superseded - " + superseded
        + " WHERE id IN (" + marks(n) + ") AND push_lease_token = " + token
        + " AND push_acked_version < " + version;
    Object at = Times.toDb(now);
    Tuple args = Tuple.tuple();
    versions(args, acks);
    versions(args, acks).addValue(at);
    versions(args, acks).addValue(at);
    versions(args, acks).addValue(Times.toDb(holdUntil)).addValue(Times.toDb(NO_LEASE));
    for (Claimed c : acks) {
      args.addString(c.snapshot().orderId()).addInteger(c.superseded());
    }
    for (Claimed c : acks) {
      args.addString(c.snapshot().orderId());
    }
    for (Claimed c : acks) {
      args.addString(c.snapshot().orderId()).addString(c.leaseToken());
    }
    versions(args, acks);
    Tuple ids = Tuple.tuple();
    acks.forEach(c -> ids.addString(c.snapshot().orderId()));
    return pool.preparedQuery(sql).execute(args)
        .compose(x -> pool.preparedQuery("SELECT " + COLUMNS + " FROM delivery_order WHERE id IN (" + marks(n)
            + ") AND " + PENDING).execute(ids))
        .map(rows -> {
          Map<String, Nudged> pending = new LinkedHashMap<>();
          for (Row r : rows) {
            Nudged row = nudged(r);
            pending.put(row.claimed().snapshot().orderId(), row);
          }
          return pending;
        });
  }

  /** Records the acknowledgement of a pusher that lost its lease: the acknowledged version, nothing else. */
  public Future<Void> ackedOnly(String orderId, int version) {
    return pool.preparedQuery(ACK_ONLY).execute(Tuple.of(version, orderId, version)).mapEmpty();
  }

  /**
   * Writes a failed push under this pusher's lease (and at the attempts read): the row waits until
   * {@code nextAttemptAt}, lease released. False when the lease is no longer this pusher's (the holder decides).
   */
  public Future<Boolean> failed(Claimed claimed, String error, Instant now, Instant nextAttemptAt) {
    Tuple args = Tuple.tuple().addValue(Times.toDb(nextAttemptAt)).addValue(Times.toDb(now))
        .addString(abbreviate(error)).addValue(Times.toDb(NO_LEASE)).addInteger(claimed.superseded())
        .addString(claimed.snapshot().orderId()).addString(claimed.leaseToken()).addInteger(claimed.attempts());
    return pool.preparedQuery(FAILED).execute(args).map(rows -> rows.rowCount() > 0);
  }

  public Future<List<Backlog>> backlog() {
    return pool.query(BACKLOG).execute().map(rows -> {
      List<Backlog> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(new Backlog(r.getString("platform"), r.getLong("n"), Times.fromDb(r.getLocalDateTime("oldest"))));
      }
      return out;
    });
  }

  // ---------------------------------------------------------------- helpers

  /** {@code CASE id WHEN ? THEN ? … END} for {@code n} orders: each order's own value in a statement for several. */
  private static String cases(int n) {
    StringBuilder sql = new StringBuilder("CASE id");
    for (int i = 0; i < n; i++) {
      sql.append(" WHEN ? THEN ?");
    }
    return sql.append(" END").toString();
  }

  private static Tuple versions(Tuple args, List<Claimed> acks) {
    for (Claimed c : acks) {
      args.addString(c.snapshot().orderId()).addInteger(c.snapshot().version());
    }
    return args;
  }

  private static String marks(int n) {
    return String.join(", ", java.util.Collections.nCopies(n, "?"));
  }

  private static String abbreviate(String error) {
    return Texts.clip(error, 500);
  }

  /** Where the holder's rider was last reported (GCJ-02, the system the food platforms push), or null. */
  private static JsonObject rider(Row r) {
    java.math.BigDecimal lat = r.getBigDecimal("rider_lat");
    java.math.BigDecimal lng = r.getBigDecimal("rider_lng");
    return lat == null || lng == null ? null : new JsonObject().put("lat", lat.doubleValue())
        .put("lng", lng.doubleValue()).put("at", r.getLocalDateTime("rider_at") == null ? null
            : Times.fromDb(r.getLocalDateTime("rider_at")).toString());
  }

  private static Nudged nudged(Row r) {
    String courierPlatform = r.getString("courier_platform");
    JsonObject courier = courierPlatform == null ? null : new JsonObject().put("platform", courierPlatform)
        .put("name", r.getString("courier_name")).put("phone", r.getString("courier_phone"))
        .put("rider", rider(r));
    Snapshot s = new Snapshot(r.getString("id"), r.getString("platform"), r.getString("platform_order_id"),
        r.getString("state"), r.getInteger("version"), Times.fromDb(r.getLocalDateTime("state_at")), courier);
    return new Nudged(new Claimed(s, r.getInteger("push_attempts"), r.getString("push_lease_token"),
        r.getInteger("push_superseded")), r.getInteger("push_acked_version"),
        Times.fromDb(r.getLocalDateTime("push_lease_until")));
  }
}
