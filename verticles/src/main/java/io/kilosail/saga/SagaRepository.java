package io.kilosail.saga;

import io.kilosail.infra.Texts;
import io.kilosail.infra.Times;
import io.kilosail.saga.SagaProgress.State;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The SQL of the saga coordinator. Writes take the caller's connection, so they join its transaction. */
final class SagaRepository {

  /** A saga_instance row. */
  record Instance(String id, String type, String businessKey, State state, JsonObject progress, String data,
                  String awaitingEvent, String lastError, long version, Instant nextWakeupAt, Instant createdAt,
                  Instant updatedAt) {
  }

  /** A saga_step_log row. */
  record LogEntry(String step, String phase, int attempt, String outcome, String error, Instant startedAt,
                  long durationMs) {
  }

  /** A fact kept for a saga that was not yet waiting for it. */
  record PendingSignal(String eventType, JsonObject payload) {
  }

  private final Pool pool;

  SagaRepository(Pool pool) {
    this.pool = pool;
  }

  /** A new saga's row; INSERT IGNORE: an existing saga of the same type and business key is kept (row count 0). */
  static final String INSERT_INSTANCE = "INSERT IGNORE INTO saga_instance (id, saga_type, business_key, state,"
      + " progress, data, awaiting_event, last_error, version, owner, next_wakeup_at, created_at, updated_at)"
      + " VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, 0, ?, ?, ?, ?)";

  /**
   * Inserts new sagas in one batched statement; per saga, false if one of its type and business key exists already
   * (then nothing is written for it).
   */
  Future<List<Boolean>> insert(SqlConnection conn, List<TransitionWriter.Transition> starts, Instant now) {
    if (starts.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Tuple> rows = new ArrayList<>(starts.size());
    for (TransitionWriter.Transition t : starts) {
      rows.add(Tuple.from(new Object[] {t.sagaId(), t.start().type(), t.start().businessKey(), t.state().name(),
          t.progress().encode(), t.data(), t.owner(), Times.toDb(t.nextWakeupAt()), Times.toDb(now), Times.toDb(now)}));
    }
    // INSERT IGNORE: a duplicate business key must not fail the other sagas of the batch; its row count says 0.
    return conn.preparedQuery(INSERT_INSTANCE)
        .executeBatch(rows)
        .map(result -> rowCounts(result, starts.size()));
  }

  /**
   * Writes transitions in one batched statement, each only if its saga is still at the expected version. Answers, per
   * transition, whether it matched (false: somebody else moved that saga on, nothing written for it).
   */
  Future<List<Boolean>> update(SqlConnection conn, List<TransitionWriter.Transition> transitions, Instant now) {
    if (transitions.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Tuple> rows = new ArrayList<>(transitions.size());
    for (TransitionWriter.Transition t : transitions) {
      rows.add(Tuple.from(new Object[] {t.state().name(), t.progress().encode(), t.data(), t.awaitingEvent(),
          truncate(t.lastError()), t.owner(), Times.toDb(t.nextWakeupAt()), Times.toDb(now), t.sagaId(),
          t.expectedVersion()}));
    }
    return conn.preparedQuery("UPDATE saga_instance SET state = ?, progress = ?, data = ?, awaiting_event = ?,"
            + " last_error = ?, owner = ?, next_wakeup_at = ?, updated_at = ?, version = version + 1"
            + " WHERE id = ? AND version = ?")
        .executeBatch(rows)
        .map(result -> rowCounts(result, transitions.size()));
  }

  private static List<Boolean> rowCounts(RowSet<Row> result, int expected) {
    List<Boolean> matched = new ArrayList<>(expected);
    for (RowSet<Row> each = result; each != null; each = each.next()) {
      matched.add(each.rowCount() == 1);
    }
    if (matched.size() != expected) {
      throw new IllegalStateException("batch answered " + matched.size() + " results for " + expected + " rows");
    }
    return matched;
  }

  /** Step log rows per statement at most: bounds the statement's size and the shapes the statement cache holds. */
  static final int LOG_ROWS_PER_STATEMENT = 64;
  private static final String INSERT_LOG = "INSERT INTO saga_step_log (saga_id, step, phase, attempt, outcome, error,"
      + " node_id, started_at, duration_ms) VALUES ";
  private static final String LOG_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";

  /**
   * Step log rows, as one multi-row INSERT (up to {@link #LOG_ROWS_PER_STATEMENT} rows a statement), in the order given:
   * the admin timeline reads them back by id. {@code sagaIds.get(i)} is the saga of {@code logs.get(i)}.
   */
  Future<Void> insertLogs(SqlConnection conn, List<String> sagaIds, String nodeId, List<LogEntry> logs) {
    Future<Void> written = Future.succeededFuture();
    for (int from = 0; from < logs.size(); from += LOG_ROWS_PER_STATEMENT) {
      int to = Math.min(logs.size(), from + LOG_ROWS_PER_STATEMENT);
      List<Object> params = new ArrayList<>((to - from) * 9);
      for (int i = from; i < to; i++) {
        LogEntry log = logs.get(i);
        params.addAll(java.util.Arrays.asList(sagaIds.get(i), log.step(), log.phase(), log.attempt(), log.outcome(),
            truncate(log.error()), nodeId, Times.toDb(log.startedAt()),
            (int) Math.min(Integer.MAX_VALUE, log.durationMs())));
      }
      String sql = INSERT_LOG + String.join(", ", java.util.Collections.nCopies(to - from, LOG_ROW));
      written = written.compose(x -> conn.preparedQuery(sql).execute(Tuple.from(params)).mapEmpty());
    }
    return written;
  }

  /**
   * Takes over a saga that is due (lease expired, wait timed out, or handed over): bumps its version and gives it a
   * fresh lease. Only one node's claim can succeed.
   */
  Future<Boolean> claimDue(String id, String owner, Instant now, Instant leaseUntil) {
    return pool.preparedQuery("UPDATE saga_instance SET owner = ?, next_wakeup_at = ?, version = version + 1"
            + " WHERE id = ? AND next_wakeup_at <= ?")
        .execute(Tuple.of(owner, Times.toDb(leaseUntil), id, Times.toDb(now)))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * Takes over a saga written by {@link SagaStarts} that nobody has run yet (version 0: no write of any coordinator has
   * touched it, so its row is exactly what the start's nudge says). Only one node's claim can succeed.
   */
  Future<Boolean> claimNew(String id, String owner, Instant leaseUntil) {
    return pool.preparedQuery("UPDATE saga_instance SET owner = ?, next_wakeup_at = ?, version = version + 1"
            + " WHERE id = ? AND version = 0")
        .execute(Tuple.of(owner, Times.toDb(leaseUntil), id))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * A saga somebody must look at: its wake-up time has passed ({@code keptSignal} false), or it waits for a fact that is
   * already kept for it ({@code keptSignal} true: the reads that should have delivered it failed).
   */
  record WakeUp(String sagaId, boolean keptSignal) {
  }

  /** An event a waiting step of {@code sagaType} takes while the saga's {@code awaiting_event} is {@code awaitedEvent}. */
  record TakenEvent(String sagaType, String awaitedEvent, String eventType) {
  }

  /**
   * The wake-up scan's one query: sagas whose wake-up time has passed, then waiting sagas with a kept fact that their
   * wait takes, received before {@code keptBefore} (younger ones are still being delivered by the signal or the park).
   * The second half reads the kept facts (a handful of rows, deleted when their saga ends) and finds each one's saga by
   * its unique key, so it costs next to nothing when all is well.
   */
  Future<List<WakeUp>> due(Instant now, Instant keptBefore, int limit, List<TakenEvent> taken) {
    List<Object> params = new ArrayList<>(List.of(Times.toDb(now), limit));
    String sql = "(SELECT id, 0 AS kept FROM saga_instance WHERE next_wakeup_at <= ? ORDER BY next_wakeup_at LIMIT ?)";
    if (!taken.isEmpty()) {
      sql += " UNION ALL (SELECT s.id, 1 AS kept FROM saga_pending_signal p JOIN saga_instance s"
          + " ON s.saga_type = p.saga_type AND s.business_key = p.business_key"
          + " WHERE s.state = 'WAITING' AND p.received_at <= ?"
          + " AND (s.saga_type, s.awaiting_event, p.event_type) IN ("
          + String.join(", ", java.util.Collections.nCopies(taken.size(), "(?, ?, ?)")) + ") LIMIT ?)";
      params.add(Times.toDb(keptBefore));
      taken.forEach(t -> params.addAll(List.of(t.sagaType(), t.awaitedEvent(), t.eventType())));
      params.add(limit);
    }
    return pool.preparedQuery(sql)
        .execute(Tuple.from(params))
        .map(rows -> {
          List<WakeUp> wakeUps = new ArrayList<>();
          rows.forEach(r -> wakeUps.add(new WakeUp(r.getString(0), r.getInteger(1) == 1)));
          return wakeUps;
        });
  }

  /**
   * A stopping node gives back the sagas it holds: no owner, wake-up now, so the next scan of any node resumes them
   * instead of waiting out the lease. The version is bumped, so a late write of the stopping node changes nothing.
   * {@code held} is (saga id, version as last written); answers how many were handed back.
   */
  Future<Integer> handBack(List<Tuple> held, Instant now) {
    if (held.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<Tuple> rows = held.stream().map(t -> Tuple.of(Times.toDb(now), t.getString(0), t.getLong(1))).toList();
    return pool.preparedQuery("UPDATE saga_instance SET owner = NULL, next_wakeup_at = ?, version = version + 1"
            + " WHERE id = ? AND version = ? AND state IN ('RUNNING', 'WAITING', 'COMPENSATING')")
        .executeBatch(rows)
        .map(result -> (int) rowCounts(result, rows.size()).stream().filter(matched -> matched).count());
  }

  private static final String SELECT = "SELECT id, saga_type, business_key, state, progress, data, awaiting_event,"
      + " last_error, version, next_wakeup_at, created_at, updated_at FROM saga_instance ";

  Future<Instance> load(String id) {
    return pool.preparedQuery(SELECT + "WHERE id = ?").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : instance(rows.iterator().next()));
  }

  Future<Instance> load(String type, String businessKey) {
    return pool.preparedQuery(SELECT + "WHERE saga_type = ? AND business_key = ?").execute(Tuple.of(type, businessKey))
        .map(rows -> rows.size() == 0 ? null : instance(rows.iterator().next()));
  }

  /** A saga row and the facts kept for it (oldest first), read in one statement. */
  record WithKept(Instance instance, List<PendingSignal> kept) {
  }

  private static final String SELECT_WITH_KEPT = "SELECT s.id, s.saga_type, s.business_key, s.state, s.progress, s.data,"
      + " s.awaiting_event, s.last_error, s.version, s.next_wakeup_at, s.created_at, s.updated_at, p.event_type,"
      + " p.payload FROM saga_instance s LEFT JOIN saga_pending_signal p ON p.saga_type = s.saga_type"
      + " AND p.business_key = s.business_key ";

  /** {@link #load(String, String)} and {@link #pendingSignals} in one round trip; null if there is no such saga. */
  Future<WithKept> loadWithKept(String type, String businessKey) {
    return pool.preparedQuery(SELECT_WITH_KEPT + "WHERE s.saga_type = ? AND s.business_key = ? ORDER BY p.received_at")
        .execute(Tuple.of(type, businessKey))
        .map(SagaRepository::withKept);
  }

  /** As {@link #loadWithKept(String, String)}, by saga id. */
  Future<WithKept> loadWithKept(String id) {
    return pool.preparedQuery(SELECT_WITH_KEPT + "WHERE s.id = ? ORDER BY p.received_at")
        .execute(Tuple.of(id))
        .map(SagaRepository::withKept);
  }

  private static WithKept withKept(RowSet<Row> rows) {
    Instance instance = null;
    List<PendingSignal> kept = new ArrayList<>();
    for (Row r : rows) {
      if (instance == null) {
        instance = instance(r);
      }
      if (r.getString("event_type") != null) {
        kept.add(new PendingSignal(r.getString("event_type"), new JsonObject(r.getString("payload"))));
      }
    }
    return instance == null ? null : new WithKept(instance, kept);
  }

  Future<List<Instance>> byBusinessKey(String businessKey) {
    return pool.preparedQuery(SELECT + "WHERE business_key = ? ORDER BY created_at").execute(Tuple.of(businessKey))
        .map(rows -> {
          List<Instance> list = new ArrayList<>();
          rows.forEach(r -> list.add(instance(r)));
          return list;
        });
  }

  Future<List<LogEntry>> log(String sagaId) {
    return pool.preparedQuery("SELECT step, phase, attempt, outcome, error, started_at, duration_ms"
            + " FROM saga_step_log WHERE saga_id = ? ORDER BY id")
        .execute(Tuple.of(sagaId))
        .map(rows -> {
          List<LogEntry> list = new ArrayList<>();
          rows.forEach(r -> list.add(new LogEntry(r.getString("step"), r.getString("phase"), r.getInteger("attempt"),
              r.getString("outcome"), r.getString("error"), Times.fromDb(r.getLocalDateTime("started_at")),
              r.getInteger("duration_ms"))));
          return list;
        });
  }

  /** Keeps a fact for a saga that does not wait for it yet; the first copy per event type wins. */
  Future<Void> keepSignal(String type, String businessKey, String eventType, JsonObject payload, Instant now) {
    return pool.preparedQuery("INSERT IGNORE INTO saga_pending_signal (saga_type, business_key, event_type, payload,"
            + " received_at) VALUES (?, ?, ?, ?, ?)")
        .execute(Tuple.of(type, businessKey, eventType, payload.encode(), Times.toDb(now)))
        .mapEmpty();
  }

  Future<List<PendingSignal>> pendingSignals(String type, String businessKey) {
    return pool.preparedQuery("SELECT event_type, payload FROM saga_pending_signal"
            + " WHERE saga_type = ? AND business_key = ? ORDER BY received_at")
        .execute(Tuple.of(type, businessKey))
        .map(rows -> {
          List<PendingSignal> kept = new ArrayList<>();
          rows.forEach(r -> kept.add(new PendingSignal(r.getString(0), new JsonObject(r.getString(1)))));
          return kept;
        });
  }

  /** Forgets the kept facts of a saga that has ended: nothing can wait for them any more. */
  Future<Void> dropSignals(String type, String businessKey) {
    return pool.preparedQuery("DELETE FROM saga_pending_signal WHERE saga_type = ? AND business_key = ?")
        .execute(Tuple.of(type, businessKey))
        .mapEmpty();
  }

  private static Instance instance(Row r) {
    return new Instance(r.getString("id"), r.getString("saga_type"), r.getString("business_key"),
        State.valueOf(r.getString("state")), new JsonObject(r.getString("progress")), r.getString("data"),
        r.getString("awaiting_event"), r.getString("last_error"), r.getLong("version"),
        Times.fromDb(r.getLocalDateTime("next_wakeup_at")), Times.fromDb(r.getLocalDateTime("created_at")),
        Times.fromDb(r.getLocalDateTime("updated_at")));
  }

  private static String truncate(String s) {
    return Texts.clip(s, 2000);
  }
}
