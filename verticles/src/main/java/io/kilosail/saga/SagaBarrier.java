package io.kilosail.saga;

import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.infra.Times;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.function.Supplier;

/**
 * The participant side of a saga step (after DTM's sub-transaction barrier). A participant runs its effect through
 * {@link #action} or {@link #compensation} inside its own transaction, so the barrier row and the effect commit
 * together:
 * <ul>
 *   <li>a repeated action or compensation is a no-op;</li>
 *   <li>a compensation for an action that never ran records itself and does nothing (null compensation);</li>
 *   <li>an action arriving after its compensation does nothing (no hanging reservation).</li>
 * </ul>
 */
public final class SagaBarrier {

  private static final String INSERT =
      "INSERT IGNORE INTO saga_barrier (saga_id, step, op, reason, created_at) VALUES (?, ?, ?, ?, ?)";

  private SagaBarrier() {
  }

  /**
   * Runs {@code effect} unless this step's action already ran or was compensated first.
   *
   * @return whether the effect ran now
   */
  public static Future<Boolean> action(SqlConnection conn, SagaStep step, Supplier<Future<?>> effect) {
    return insert(conn, step, "ACTION", "ACTION")
        .compose(first -> first ? effect.get().map(true) : Future.succeededFuture(false));
  }

  /**
   * Runs {@code undo} if this step's action ran and was not compensated yet.
   *
   * @return whether the undo ran now
   */
  public static Future<Boolean> compensation(SqlConnection conn, SagaStep step, Supplier<Future<?>> undo) {
    return insert(conn, step, "ACTION", "COMPENSATION")
        .compose(actionNeverRan -> insert(conn, step, "COMPENSATION", "COMPENSATION")
            .compose(firstCompensation -> firstCompensation && !actionNeverRan
                ? undo.get().map(true)
                : Future.succeededFuture(false)));
  }

  private static Future<Boolean> insert(SqlConnection conn, SagaStep step, String op, String reason) {
    return conn.preparedQuery(INSERT)
        .execute(Tuple.of(step.getSagaId(), step.getStep(), op, reason, Times.toDb(Instant.now())))
        .map(rows -> rows.rowCount() == 1);
  }
}
