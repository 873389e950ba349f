package io.kilosail.pushback;

import io.kilosail.order.OrderPushback;
import io.kilosail.order.OrderPushback.Claimed;
import io.kilosail.order.OrderPushback.Nudged;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.mysqlclient.MySQLException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The acknowledgements of one pusher, written together: the first one waits at most {@code maxDelayMs} for others,
 * or until {@code maxSize} are waiting, and then all of them go in one UPDATE ({@link OrderPushback#acked}) and one
 * read of the rows that still have something to send. An acknowledgement lost with its node (never written) only makes the
 * row's state be sent again after its lease (at-least-once: the platform de-duplicates on order and version).
 *
 * <p>Runs on its verticle's event loop; no locking.
 */
final class AckBatch {

  private static final int DEADLOCK = 1213;
  private static final int LOCK_WAIT_TIMEOUT = 1205;

  private final Vertx vertx;
  private final OrderPushback repository;
  private final long maxDelayMs;
  private final int maxSize;
  /** Waiting acknowledgements by order: one per order in a statement (its CASE picks one value per id). */
  private Map<String, Waiting> waiting = new LinkedHashMap<>();
  private long timer = -1;
  private boolean stopping;

  private record Waiting(Claimed claimed, Promise<Nudged> promise) {
  }

  AckBatch(Vertx vertx, OrderPushback repository, long maxDelayMs, int maxSize) {
    this.vertx = vertx;
    this.repository = repository;
    this.maxDelayMs = maxDelayMs;
    this.maxSize = Math.max(1, Math.min(maxSize, OrderPushback.MAX_ACKS));
  }

  /**
   * Queues the acknowledgement of {@code claimed}'s push; completes once it is written, with the order row as it is
   * after that when the row still has a state to send, else null.
   */
  Future<Nudged> add(Claimed claimed) {
    String orderId = claimed.snapshot().orderId();
    if (waiting.containsKey(orderId)) {
      flush(); // a second acknowledgement of one order (a pusher that outlived its lease) goes in the next statement
    }
    Promise<Nudged> promise = Promise.promise();
    waiting.put(orderId, new Waiting(claimed, promise));
    if (stopping || maxDelayMs == 0 || waiting.size() >= maxSize) {
      flush();
    } else if (timer == -1) {
      timer = vertx.setTimer(maxDelayMs, t -> {
        timer = -1;
        flush();
      });
    }
    return promise.future();
  }

  /** The node stops: what waits is written now, and every later acknowledgement at once. */
  void stopping() {
    stopping = true;
    flush();
  }

  private void flush() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    if (waiting.isEmpty()) {
      return;
    }
    Map<String, Waiting> batch = waiting;
    waiting = new LinkedHashMap<>();
    List<Claimed> acks = new ArrayList<>(batch.size());
    batch.values().forEach(w -> acks.add(w.claimed()));
    write(acks, true).onComplete(ar -> batch.forEach((orderId, w) -> {
      if (ar.succeeded()) {
        w.promise().complete(ar.result().get(orderId));
      } else {
        w.promise().fail(ar.cause());
      }
    }));
  }

  private Future<Map<String, Nudged>> write(List<Claimed> acks, boolean again) {
    Instant now = Instant.now();
    return repository.acked(acks, now, now.plusMillis(Pushback.GRACE_MS)).recover(err -> {
      // The rows of a batch are locked in key order, but an order's own transaction may hold one of them: retry once.
      boolean transient_ = err instanceof MySQLException e
          && (e.getErrorCode() == DEADLOCK || e.getErrorCode() == LOCK_WAIT_TIMEOUT);
      return again && transient_ ? write(acks, false) : Future.failedFuture(err);
    });
  }
}
