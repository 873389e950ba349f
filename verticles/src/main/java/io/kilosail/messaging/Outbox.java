package io.kilosail.messaging;

import io.kilosail.infra.Times;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.List;

/**
 * The transactional outbox, used by domain code inside its own transaction:
 *
 * <pre>{@code
 * pool.withTransaction(conn -> orders.insert(conn, order)
 *     .compose(x -> Outbox.add(conn, Topics.ORDER_EVENTS, Envelope.create("order.accepted", "order", id, payload))));
 * }</pre>
 *
 * <p>The row commits or rolls back with the business rows: no event without its commit, no commit without its event.
 * The {@link OutboxRelayVerticle} publishes it to {@code topic}, keyed by the aggregate id.
 */
public final class Outbox {

  static final String INSERT = "INSERT INTO outbox (message_id, topic, message_key, shard, message_type, envelope,"
      + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";

  private Outbox() {
  }

  /** Adds one event to the outbox, in the transaction {@code conn} is in. */
  public static Future<Void> add(SqlConnection conn, String topic, Envelope envelope) {
    return conn.preparedQuery(INSERT).execute(row(topic, envelope)).mapEmpty();
  }

  /** Adds several events in one round trip, in list order (which is their publish order for one aggregate). */
  public static Future<Void> addAll(SqlConnection conn, String topic, List<Envelope> envelopes) {
    if (envelopes.isEmpty()) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(INSERT).executeBatch(envelopes.stream().map(e -> row(topic, e)).toList()).mapEmpty();
  }

  static Tuple row(String topic, Envelope envelope) {
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("topic is required");
    }
    return Tuple.of(envelope.id(), topic, envelope.aggregateId(), OutboxShards.of(envelope.aggregateId()),
        envelope.type(), EnvelopeCodec.encode(envelope), Times.toDb(envelope.createdAt()));
  }
}
