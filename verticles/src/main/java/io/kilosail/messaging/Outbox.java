package io.kilosail.messaging;

import io.kilosail.contracts.events.Nudges;

import io.kilosail.infra.Times;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;

import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The transactional outbox, used by domain code inside its own transaction:
 *
 * <pre>{@code
 * // a durable timer firing: its event leaves through the outbox in the transaction that marks it fired
 * Outbox.add(conn, timer.topic(), timer.envelope()).compose(x -> markFired(conn, timer.id(), now));
 * }</pre>
 *
 * <p>The row commits or rolls back with the business rows: no event without its commit, no commit without its event.
 * The {@link OutboxRelayVerticle} publishes it to {@code topic}, keyed by the aggregate id.
 *
 * <p>Adding a row also wakes a relay: once the transaction has committed ({@link Transaction#completion()}), a nudge
 * naming the row's shard is sent to {@link Nudges#OUTBOX} on the (clustered) event bus, and the one relay that gets it
 * claims that shard at once. Without a transaction ({@code conn.transaction()} is null: autocommit, or a transaction
 * begun by a plain {@code BEGIN} query) the nudge leaves at once and says it may precede the commit. A lost nudge
 * (no relay on the bus, a node dying) only costs latency: the relay's idle poll finds the row within
 * {@code relay.idleMaxPollMs}.
 */
public final class Outbox {

  static final String INSERT = "INSERT INTO outbox (message_id, topic, message_key, shard, message_type, envelope,"
      + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";

  /**
   * Where a relay is told that outbox rows committed: {@code {"shards": [3, 9], "committed": true}}. Sent, not
   * published: one relay of the cluster is enough, and the shard lock would make all but one of several idle anyway.
   */

  private Outbox() {
  }

  /** Adds one event to the outbox, in the transaction {@code conn} is in. */
  public static Future<Void> add(SqlConnection conn, String topic, Envelope envelope) {
    Tuple row = row(topic, envelope);
    return conn.preparedQuery(INSERT).execute(row)
        .onSuccess(x -> nudgeAfterCommit(conn, List.of(OutboxShards.of(envelope.aggregateId()))))
        .mapEmpty();
  }

  /** Adds several events in one round trip, in list order (which is their publish order for one aggregate). */
  public static Future<Void> addAll(SqlConnection conn, String topic, List<Envelope> envelopes) {
    if (envelopes.isEmpty()) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(INSERT).executeBatch(envelopes.stream().map(e -> row(topic, e)).toList())
        .onSuccess(x -> nudgeAfterCommit(conn, envelopes.stream().map(e -> OutboxShards.of(e.aggregateId())).toList()))
        .mapEmpty();
  }

  /**
   * Tells a relay about the rows just added, after the commit when there is a transaction to wait for. Nothing is sent
   * on a rollback. Best effort: outside a Vert.x context there is no event bus to use, and the idle poll takes over.
   */
  static void nudgeAfterCommit(SqlConnection conn, Collection<Integer> shards) {
    Context context = Vertx.currentContext();
    if (context == null) {
      return;
    }
    Vertx vertx = context.owner();
    JsonArray distinct = new JsonArray(List.copyOf(new TreeSet<>(shards)));
    Transaction tx = conn.transaction();
    if (tx == null) {
      vertx.eventBus().send(Nudges.OUTBOX, new JsonObject().put("shards", distinct).put("committed", false));
    } else {
      tx.completion().onSuccess(committed -> vertx.eventBus().send(Nudges.OUTBOX,
          new JsonObject().put("shards", distinct).put("committed", true)));
    }
  }

  static Tuple row(String topic, Envelope envelope) {
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("topic is required");
    }
    return Tuple.of(envelope.id(), topic, envelope.aggregateId(), OutboxShards.of(envelope.aggregateId()),
        envelope.type(), EnvelopeCodec.encode(envelope), Times.toDb(envelope.createdAt()));
  }
}
