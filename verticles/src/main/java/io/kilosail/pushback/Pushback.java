package io.kilosail.pushback;

import io.kilosail.infra.Times;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.UUID;

/**
 * The one entry point for the writers of an order's state (intake, dispatch, the courier webhook, cancellations): in
 * the transaction that moves the order, {@link #mark} writes the order's {@code order_pushback} row forward in one
 * statement, and after that transaction commits a nudge on the event bus makes a pusher send it at once. No Kafka
 * consumer, no inbox row; the claim loop of {@link PushbackVerticle} is the fallback for a nudge that went nowhere.
 *
 * <p>The mark leases the row for {@link #GRACE_MS} to whoever receives its nudge (the lease token travels in the
 * nudge), unless a pusher already holds it (a push in flight: the newer state is sent after its answer) or the row is
 * waiting out a failure's backoff (a newer state goes at the next retry). So one order never has two pushes in flight,
 * and the nudged push writes nothing before its POST: its outcome is its only write.
 */
public final class Pushback {

  /** Where the nudges go; any node with the {@code relay} role listens. */
  public static final String NUDGE_ADDRESS = "kilosail.pushback.nudge";
  /**
   * How long a mark reserves its row for the nudged push; after this the claim loop may take it. A nudged push whose
   * answer takes longer extends the lease before it runs out (see {@link PushbackVerticle}).
   */
  public static final long GRACE_MS = 5_000;

  // One statement: the row as the order now is (the caller's transaction has just written and locked it). A version
  // no higher than the stored one changes nothing, so a late or repeated mark is harmless. Each condition reads only
  // columns assigned after it or itself (old values either way), and version is assigned last. '@.' is the stored row.
  private static final String NEWER = "VALUES(version) > @.version";
  /** A failing row waits out its backoff: a newer state goes at the next retry (see {@link PushbackRules#observe}). */
  private static final String BACKING_OFF = "(@.version > @.acked_version AND @.attempts > 0"
      + " AND @.next_attempt_at IS NOT NULL)";
  /** A pusher holds the row (a push in flight, or a mark's grace for its nudge): the lease stays with it. */
  private static final String TAKES_LEASE = NEWER + " AND @.lease_until <= ? AND NOT " + BACKING_OFF;
  private static final String MARK = ("INSERT INTO order_pushback (order_id, platform, platform_order_id, state,"
      + " version, occurred_at, courier, acked_version, attempts, next_attempt_at, pending_since, lease_until,"
      + " lease_token, created_at, updated_at)"
      + " SELECT o.id, o.platform, o.platform_order_id, o.state, o.version, ?,"
      + " IF(o.courier_platform IS NULL, NULL,"
      + " JSON_OBJECT('platform', o.courier_platform, 'name', o.courier_name, 'phone', o.courier_phone)),"
      + " -1, 0, ?, ?, ?, ?, ?, ?"
      + " FROM delivery_order o WHERE o.id = ?"
      + " ON DUPLICATE KEY UPDATE"
      // a pending state replaced before it was acknowledged: skipped (the pusher turns this into its counter)
      + " @.superseded = IF(" + NEWER + " AND @.version > @.acked_version, @.superseded + 1, @.superseded),"
      + " @.lease_token = IF(" + TAKES_LEASE + ", VALUES(lease_token), @.lease_token),"
      + " @.lease_until = IF(" + TAKES_LEASE + ", VALUES(lease_until), @.lease_until),"
      + " @.pending_since = IF(" + NEWER + " AND NOT (@.version > @.acked_version AND @.pending_since IS NOT NULL),"
      + "   VALUES(pending_since), @.pending_since),"
      + " @.next_attempt_at = IF(" + NEWER + " AND NOT " + BACKING_OFF + ", VALUES(next_attempt_at),"
      + "   @.next_attempt_at),"
      + " @.platform_order_id = IF(" + NEWER + ", VALUES(platform_order_id), @.platform_order_id),"
      + " @.state = IF(" + NEWER + ", VALUES(state), @.state),"
      + " @.occurred_at = IF(" + NEWER + ", VALUES(occurred_at), @.occurred_at),"
      + " @.courier = IF(" + NEWER + ", VALUES(courier), @.courier),"
      + " @.updated_at = IF(" + NEWER + ", VALUES(updated_at), @.updated_at),"
      + " @.version = GREATEST(@.version, VALUES(version))").replace("@.", "order_pushback.");

  private Pushback() {
  }

  /**
   * Records, in the caller's transaction, that the order's food platform must hear the state the order row has now
   * (state, version, courier as the caller just wrote them); call it after the caller's update of
   * {@code delivery_order}. One statement. After the transaction commits (at once when there is none), a pusher is
   * nudged to send it; if the transaction rolls back, nothing happened.
   *
   * @param occurredAt the instant of the new state as the order's timeline shows it (CREATED: when it was received)
   */
  public static Future<Void> mark(SqlConnection conn, String orderId, Instant occurredAt) {
    Instant now = Instant.now();
    Object graceEnd = Times.toDb(now.plusMillis(GRACE_MS));
    Object dbNow = Times.toDb(now);
    String token = UUID.randomUUID().toString();
    Context context = Vertx.currentContext();
    return conn.preparedQuery(MARK).execute(Tuple.tuple()
            .addValue(Times.toDb(occurredAt))
            .addValue(graceEnd).addValue(dbNow).addValue(graceEnd).addString(token).addValue(dbNow).addValue(dbNow)
            .addString(orderId)
            .addValue(dbNow).addValue(dbNow))
        .map(rows -> {
          if (rows.rowCount() > 0 && context != null) {
            Transaction tx = conn.transaction();
            if (tx == null) {
              nudge(context.owner(), orderId, token);
            } else {
              tx.completion().onSuccess(x -> nudge(context.owner(), orderId, token));
            }
          }
          return null;
        });
  }

  /**
   * Asks a pusher to send the order's row now. Only the holder of {@code token} (the mark's lease) sends; a stale
   * nudge costs one read and is dropped. Fire and forget: a nudge that reaches nobody leaves the row to the claim loop
   * once the mark's grace has passed.
   */
  static void nudge(Vertx vertx, String orderId, String token) {
    vertx.eventBus().send(NUDGE_ADDRESS, new JsonObject().put("orderId", orderId).put("token", token));
  }
}
