package io.kilosail.messaging;

import io.kilosail.infra.Times;

import io.vertx.core.Future;
import io.vertx.mysqlclient.MySQLException;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.List;

/**
 * Durable timers, used inside the caller's transaction like the {@link Outbox}: "publish this message at that
 * instant". MySQL holds them, so they survive restarts; the {@link DurableTimerVerticle} moves each due timer into the
 * outbox exactly once, and the relay publishes it.
 */
public final class DurableTimers {

  private static final int DUPLICATE_KEY = 1062;
  static final String INSERT = "INSERT INTO durable_timer (timer_key, topic, message_key, message_type, envelope,"
      + " due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
  static final String CANCEL = "UPDATE durable_timer SET cancelled_at = ? WHERE timer_key = ? AND fired_at IS NULL"
      + " AND cancelled_at IS NULL";
  static final String CANCEL_MATCHING = "UPDATE durable_timer SET cancelled_at = ? WHERE timer_key LIKE ?"
      + " AND fired_at IS NULL AND cancelled_at IS NULL";

  private DurableTimers() {
  }

  /**
   * Schedules {@code envelope} for {@code topic} at {@code dueAt}. {@code timerKey} names the timer (e.g. saga id +
   * step): scheduling the same key again changes nothing and answers {@code false}.
   */
  public static Future<Boolean> schedule(SqlConnection conn, String timerKey, Instant dueAt, String topic,
                                         Envelope envelope) {
    if (timerKey == null || timerKey.isBlank() || timerKey.length() > 191) {
      return Future.failedFuture(new IllegalArgumentException("timerKey must be 1..191 characters"));
    }
    return conn.preparedQuery(INSERT)
        .execute(Tuple.of(timerKey, topic, envelope.aggregateId(), envelope.type(), EnvelopeCodec.encode(envelope),
            Times.toDb(dueAt), Times.toDb(Instant.now())))
        .map(inserted -> true)
        .recover(e -> e instanceof MySQLException m && m.getErrorCode() == DUPLICATE_KEY
            ? Future.succeededFuture(false)
            : Future.failedFuture(e));
  }

  /** A timer to schedule: {@code envelope} for {@code topic} at {@code dueAt}, named {@code key}. */
  public record Timer(String key, Instant dueAt, String topic, Envelope envelope) {
  }

  /**
   * Schedules several timers in one multi-row statement (one round trip, one write however many); a timer whose key is
   * scheduled already is left as it is, like {@link #schedule}.
   */
  public static Future<Void> scheduleAll(SqlConnection conn, List<Timer> timers) {
    if (timers.isEmpty()) {
      return Future.succeededFuture();
    }
    StringBuilder sql = new StringBuilder("INSERT IGNORE INTO durable_timer (timer_key, topic, message_key,"
        + " message_type, envelope, due_at, created_at) VALUES");
    Tuple rows = Tuple.tuple();
    Object now = Times.toDb(Instant.now());
    for (Timer t : timers) {
      if (t.key() == null || t.key().isBlank() || t.key().length() > 191) {
        return Future.failedFuture(new IllegalArgumentException("timerKey must be 1..191 characters"));
      }
      sql.append(rows.size() == 0 ? " " : ", ").append("(?, ?, ?, ?, ?, ?, ?)");
      rows.addString(t.key()).addString(t.topic()).addString(t.envelope().aggregateId())
          .addString(t.envelope().type()).addString(EnvelopeCodec.encode(t.envelope()))
          .addValue(Times.toDb(t.dueAt())).addValue(now);
    }
    return conn.preparedQuery(sql.toString()).execute(rows).mapEmpty();
  }

  /**
   * Cancels every timer not fired yet whose key matches the SQL LIKE {@code keyPattern}; give it a fixed prefix, so the
   * key's unique index finds them.
   */
  public static Future<Void> cancelMatching(SqlConnection conn, String keyPattern) {
    return conn.preparedQuery(CANCEL_MATCHING).execute(Tuple.of(Times.toDb(Instant.now()), keyPattern))
        .mapEmpty();
  }

  /** Cancels a timer that has not fired; {@code false} when it already fired, was cancelled or never existed. */
  public static Future<Boolean> cancel(SqlConnection conn, String timerKey) {
    return conn.preparedQuery(CANCEL).execute(Tuple.of(Times.toDb(Instant.now()), timerKey))
        .map(rows -> rows.rowCount() == 1);
  }
}
