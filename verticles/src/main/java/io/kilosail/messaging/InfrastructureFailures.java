package io.kilosail.messaging;

import io.kilosail.contracts.NodeStopping;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.mysqlclient.MySQLException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Tells a failure of the infrastructure (the database or a service unreachable, a pool closed, a call unanswered) from
 * a failure of the record itself (it cannot be decoded, its handler refused it). Only the latter spends a record's
 * attempts: retrying the former succeeds once the infrastructure is back, and dead-lettering a good record because
 * MySQL restarted, or because its node was stopping and closed its pool, would lose it for no reason.
 */
final class InfrastructureFailures {

  /** MySQL errors that say nothing about the statement: too many connections, shutdown, lock wait, deadlock. */
  private static final Set<Integer> TRANSIENT_MYSQL_ERRORS = Set.of(1040, 1053, 1205, 1213, 1290, 2006, 2013);

  /**
   * What Vert.x says when a client is used after close or loses its connection, also when it arrives as the text of
   * a remote failure (a service on another node whose own pool was closed).
   */
  private static final List<String> CLOSED_OR_UNREACHABLE = List.of("pool closed", "client is closed",
      "connection was closed", "connection has been closed", "closed connection", "connection refused",
      "connection reset", "failed to create a connection");

  private InfrastructureFailures() {
  }

  static boolean isInfrastructure(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof ClosedConnectionException || cause instanceof IOException
          || cause instanceof TimeoutException) {
        return true;
      }
      if (NodeStopping.is(cause)) {
        return true;
      }
      if (cause instanceof MySQLException mysql && TRANSIENT_MYSQL_ERRORS.contains(mysql.getErrorCode())) {
        return true;
      }
      // No node answered (no handler, or the one that had it died or is stuck); a service's own refusal
      // (RECIPIENT_FAILURE, a ServiceException) is the record's, unless its text says it is one of ours.
      if (cause instanceof ReplyException reply && reply.failureType() != ReplyFailure.RECIPIENT_FAILURE) {
        return true;
      }
      String message = cause.getMessage();
      if (message != null) {
        String lower = message.toLowerCase(Locale.ROOT);
        if (CLOSED_OR_UNREACHABLE.stream().anyMatch(lower::contains)) {
          return true;
        }
      }
    }
    return false;
  }
}
