package io.kilosail.saga;

import io.kilosail.saga.SagaProgress.State;
import io.kilosail.saga.SagaRepository.LogEntry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

/**
 * Group commit for saga transitions. Transitions that arrive while a transaction is in flight wait and are written
 * together in the next one: one batched, version-guarded UPDATE, then the step log and outbox rows of the sagas whose
 * update matched. Each transition still completes only after its own commit, so nothing is acknowledged early; a
 * transition whose version no longer matches fails alone. With many sagas running, this turns five transactions per
 * saga into a fraction of one (the commit, not the SQL, is what a transaction costs).
 *
 * <p>Used from one verticle's context only. A saga never has two transitions queued (the coordinator chains them), so
 * concurrent batches never touch the same row.
 */
final class TransitionWriter {

  /**
   * One saga's transition, as the coordinator asks for it. {@code start} is the saga's first row (an insert, which
   * matches unless a saga of that type and business key exists); every other transition is a version-guarded update.
   */
  record Transition(String sagaId, long expectedVersion, State state, JsonObject progress, String data,
                    String awaitingEvent, String lastError, String owner, Instant nextWakeupAt, List<LogEntry> logs,
                    Start start, Promise<Boolean> written) {
  }

  /** What only a saga's first row has. */
  record Start(String type, String businessKey) {
  }

  private final Pool pool;
  private final SagaRepository repository;
  private final String nodeId;
  private final int maxBatch;
  private final int maxConcurrentBatches;
  private final Queue<Transition> queue = new ArrayDeque<>();
  private int batchesInFlight;

  TransitionWriter(Pool pool, SagaRepository repository, String nodeId, int maxBatch, int maxConcurrentBatches) {
    this.pool = pool;
    this.repository = repository;
    this.nodeId = nodeId;
    this.maxBatch = maxBatch;
    this.maxConcurrentBatches = maxConcurrentBatches;
  }

  /** Answers true once the transition is committed, false if the saga's version moved on (nothing written). */
  Future<Boolean> write(Transition transition) {
    queue.add(transition);
    flush();
    return transition.written().future();
  }

  /** Whether nothing is queued or being committed (a stopping coordinator waits for this). */
  boolean idle() {
    return queue.isEmpty() && batchesInFlight == 0;
  }

  private void flush() {
    while (!queue.isEmpty() && batchesInFlight < maxConcurrentBatches) {
      List<Transition> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
      while (!queue.isEmpty() && batch.size() < maxBatch) {
        batch.add(queue.poll());
      }
      batchesInFlight++;
      commit(batch).onComplete(result -> {
        batchesInFlight--;
        for (int i = 0; i < batch.size(); i++) {
          if (result.succeeded()) {
            batch.get(i).written().complete(result.result().get(i));
          } else {
            batch.get(i).written().fail(result.cause());
          }
        }
        flush();
      });
    }
  }

  private Future<List<Boolean>> commit(List<Transition> batch) {
    Instant now = Instant.now();
    List<Transition> starts = batch.stream().filter(t -> t.start() != null).toList();
    List<Transition> updates = batch.stream().filter(t -> t.start() == null).toList();
    return pool.withTransaction(conn -> repository.insert(conn, starts, now)
        .compose(inserted -> repository.update(conn, updates, now).map(updated -> inBatchOrder(batch, starts, inserted,
            updated)))
        .compose(matched -> {
      List<LogEntry> logs = new ArrayList<>();
      List<String> logSagas = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        if (matched.get(i)) {
          Transition t = batch.get(i);
          t.logs().forEach(entry -> {
            logs.add(entry);
            logSagas.add(t.sagaId());
          });
        }
      }
      return repository.insertLogs(conn, logSagas, nodeId, logs).map(matched);
    }));
  }

  private static List<Boolean> inBatchOrder(List<Transition> batch, List<Transition> starts, List<Boolean> inserted,
                                            List<Boolean> updated) {
    List<Boolean> matched = new ArrayList<>(batch.size());
    int s = 0;
    int u = 0;
    for (Transition t : batch) {
      matched.add(t.start() != null ? inserted.get(s++) : updated.get(u++));
    }
    return matched;
  }
}
