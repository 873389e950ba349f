package io.kilosail.pushback;

import io.kilosail.contracts.events.Nudges;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;

import java.time.Instant;
import java.util.UUID;

/**
 * The one entry point for the writers of an order's state (all of them {@code OrderRepository} transitions): the
 * push-back bookkeeping lives on the order row itself ({@code delivery_order.push_*}, V13), and the statement that
 * moves the order also makes its new state due and leases it to the push its commit nudges
 * ({@code io.kilosail.order.OrderPushback#MOVED}). No extra statement, no copy of the order: the pusher reads state,
 * version and courier from the order row. {@link #lease} names that lease, and {@link #nudgeAfterCommit} makes a pusher
 * send it as soon as the caller's transaction commits. The claim loop of {@link PushbackVerticle} is the fallback for
 * a nudge that went nowhere.
 *
 * <p>The move leases the row for {@link #GRACE_MS} to whoever receives its nudge (the lease token travels in the
 * nudge), unless a pusher already holds it (a push in flight, or its acknowledgement waiting for its batch: the newer
 * state is sent after it) or the row is waiting out a failure's backoff (a newer state goes at the next retry). So one
 * order never has two pushes in flight, and the nudged push writes nothing before its POST: its outcome, batched with
 * others, is its only write.
 */
public final class Pushback {

  /** Where the nudges go; any node with the {@code relay} role listens. */
  /**
   * How long a move reserves its row for the nudged push; after this the claim loop may take it. A nudged push whose
   * answer takes longer extends the lease before it runs out (see {@link PushbackVerticle}).
   */
  public static final long GRACE_MS = 5_000;

  /**
   * The lease a move of the order gives to the push it nudges: the token to write with the move, the instant of the
   * move, and the end of the grace (the row is due then for the claim loop, and the lease runs out).
   */
  public record Lease(String token, Instant now, Instant graceEnd) {
  }

  private Pushback() {
  }

  /** A fresh lease for a move happening now. */
  public static Lease lease() {
    Instant now = Instant.now();
    return new Lease(UUID.randomUUID().toString(), now, now.plusMillis(GRACE_MS));
  }

  /**
   * After the caller's transaction commits (at once when there is none), nudges a pusher to send the order's new state
   * under {@code lease}; if the transaction rolls back, nothing happened and nothing is sent. Call it only when the
   * caller's statement did move the order (and so wrote the lease).
   */
  public static void nudgeAfterCommit(SqlConnection conn, String orderId, Lease lease) {
    Context context = Vertx.currentContext();
    if (context == null) {
      return; // nobody to send it: the claim loop takes the row after the grace
    }
    Transaction tx = conn.transaction();
    if (tx == null) {
      nudge(context.owner(), orderId, lease.token());
    } else {
      tx.completion().onSuccess(x -> nudge(context.owner(), orderId, lease.token()));
    }
  }

  /**
   * Asks a pusher to send the order's row now. Only the holder of {@code token} (the move's lease) sends; a stale
   * nudge costs one read and is dropped. Fire and forget: a nudge that reaches nobody leaves the row to the claim loop
   * once the move's grace has passed.
   */
  static void nudge(Vertx vertx, String orderId, String token) {
    vertx.eventBus().send(Nudges.PUSHBACK, new JsonObject().put("orderId", orderId).put("token", token));
  }
}
