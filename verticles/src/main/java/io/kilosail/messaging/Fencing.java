package io.kilosail.messaging;

import io.kilosail.infra.Times;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;

/**
 * Makes a MySQL write conditional on a fencing token ({@link FencedLock.Lease#token()}). Call it first in the
 * transaction that does the protected write:
 *
 * <pre>{@code
 * pool.withTransaction(conn -> Fencing.check(conn, "order:" + id, lease.token())
 *     .compose(ok -> orders.reassign(conn, id, courier)));
 * }</pre>
 *
 * <p>It records the highest token seen per resource and locks that row until the transaction ends, so concurrent
 * holders are serialised; a token lower than the highest seen fails the transaction with
 * {@link StaleFencingTokenException} and the protected write never happens.
 */
public final class Fencing {

  // GREATEST keeps the highest token. Parameters repeated instead of VALUES()/row aliases: works on MySQL 8 and
  // MariaDB alike. Assignments run left to right, so updated_at is decided against the old token.
  private static final String RECORD = "INSERT INTO fencing_token (resource, token, updated_at) VALUES (?, ?, ?)"
      + " ON DUPLICATE KEY UPDATE updated_at = IF(? >= token, ?, updated_at), token = GREATEST(token, ?)";
  private static final String HIGHEST = "SELECT token FROM fencing_token WHERE resource = ? FOR UPDATE";

  private Fencing() {
  }

  public static Future<Void> check(SqlConnection conn, String resource, long token) {
    var now = Times.toDb(Instant.now());
    return conn.preparedQuery(RECORD)
        .execute(Tuple.of(resource, token, now, token, now, token))
        // The upsert holds the row lock until commit, so this read sees the value no one else can change meanwhile.
        .compose(recorded -> conn.preparedQuery(HIGHEST).execute(Tuple.of(resource)))
        .compose(rows -> {
          long highest = rows.iterator().next().getLong("token");
          return isCurrent(highest, token)
              ? Future.succeededFuture()
              : Future.failedFuture(new StaleFencingTokenException(resource, token, highest));
        });
  }

  /** A token may write when no higher one has written: equal is the same lease writing again. */
  static boolean isCurrent(long highestSeen, long presented) {
    return presented >= highestSeen;
  }

  /** The writer's lease was superseded: a newer holder has already written to this resource. */
  public static final class StaleFencingTokenException extends RuntimeException {
    private final long presented;
    private final long highest;

    public StaleFencingTokenException(String resource, long presented, long highest) {
      super("stale fencing token for " + resource + ": presented " + presented + ", newer holder has " + highest);
      this.presented = presented;
      this.highest = highest;
    }

    public long presented() {
      return presented;
    }

    public long highest() {
      return highest;
    }
  }
}
