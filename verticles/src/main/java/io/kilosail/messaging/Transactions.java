package io.kilosail.messaging;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

import java.util.function.Function;

/**
 * Transactions for the claim loops (relay, timers). READ COMMITTED rather than MySQL's REPEATABLE READ: a locking
 * range read under REPEATABLE READ takes gap locks, which would make every business transaction that inserts an
 * outbox row or a timer wait for the relay's batch to finish. SKIP LOCKED does the exclusion we need.
 */
public final class Transactions {

  private Transactions() {
  }

  public static <T> Future<T> readCommitted(Pool pool, Function<SqlConnection, Future<T>> work) {
    return pool.getConnection().compose(conn -> conn
        // Applies to the next transaction on this connection only; the pooled connection keeps its default.
        .query("SET TRANSACTION ISOLATION LEVEL READ COMMITTED").execute()
        .compose(set -> conn.begin())
        .compose(tx -> work.apply(conn).compose(
            result -> tx.commit().map(result),
            failure -> tx.rollback().transform(rolledBack -> Future.<T>failedFuture(failure))))
        .andThen(done -> conn.close()));
  }
}
