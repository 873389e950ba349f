package io.kilosail.messaging;

import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.kilosail.messaging.MessagingTestSupport.await;
import static io.kilosail.messaging.MessagingTestSupport.createTopic;
import static io.kilosail.messaging.MessagingTestSupport.eventually;
import static io.kilosail.messaging.MessagingTestSupport.pool;
import static io.kilosail.messaging.MessagingTestSupport.readTopic;
import static io.kilosail.messaging.MessagingTestSupport.relayConfig;
import static io.kilosail.messaging.MessagingTestSupport.sent;
import static io.kilosail.messaging.MessagingTestSupport.uniqueTopic;
import static io.kilosail.messaging.MessagingTestSupport.unsent;
import static org.assertj.core.api.Assertions.assertThat;

/** The relay against real MariaDB and Kafka: crash recovery, rollbacks, two relays, per-aggregate order. */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class OutboxRelayTest {

  private static final int AGGREGATES = 200;

  @Test
  void relayKilledMidBacklogLosesNothingAndNeverPublishesRolledBackEvents(Vertx vertx, TestInfra infra) {
    String topic = uniqueTopic("relay-crash");
    createTopic(infra, topic, 4);
    Pool pool = pool(vertx, infra);
    Writer writer = new Writer(pool, topic);
    // Committed and rolled-back transactions interleaved, before and during the relay's life.
    await(writer.write(4_000, 20));
    await(writer.rollBack(300));

    // A slow relay (one worker, small batches) on its own Vert.x: the "node" we are going to kill.
    Vertx doomedNode = Vertx.vertx();
    await(doomedNode.deployVerticle(new OutboxRelayVerticle(), new DeploymentOptions().setConfig(relayConfig(infra,
        new JsonObject().put("workers", 1).put("batchSize", 20).put("stopGraceMs", 0)))));
    eventually(Duration.ofSeconds(20), () -> sent(pool, topic) >= 300, "the relay to publish some events");
    await(writer.write(1_000, 20));
    // Kill it: stopGraceMs=0 aborts the in-flight batch, closing Vert.x drops its MySQL connection.
    await(doomedNode.close());
    assertThat(unsent(pool, topic)).as("committed events still waiting when the relay died").isPositive();
    await(writer.rollBack(100));

    await(vertx.deployVerticle(new OutboxRelayVerticle(), new DeploymentOptions().setConfig(relayConfig(infra,
        new JsonObject()))));
    eventually(Duration.ofSeconds(30), () -> unsent(pool, topic) == 0, "the restarted relay to drain the outbox");

    List<ConsumerRecord<String, String>> records = readTopic(infra, topic, writer.committed.size(),
        Duration.ofSeconds(30), Duration.ofMillis(300));
    Set<String> published = new HashSet<>();
    records.forEach(r -> published.add(EnvelopeCodec.decode(r.value()).id()));
    assertThat(published).as("every committed event reached Kafka").containsAll(writer.committed.keySet());
    assertThat(published).as("no rolled-back event ever reached Kafka").doesNotContainAnyElementsOf(writer.rolledBack);
    assertThat(published).hasSize(writer.committed.size());
    assertPerAggregateOrder(records);
  }

  @Test
  void twoRelaysPublishTenThousandEventsWithoutLossOrDuplicate(Vertx vertx, TestInfra infra) {
    String topic = uniqueTopic("relay-two");
    createTopic(infra, topic, 4);
    Pool pool = pool(vertx, infra);
    // Two nodes, each with its relay, competing for the same outbox while the events are being written.
    Vertx nodeA = Vertx.vertx();
    Vertx nodeB = Vertx.vertx();
    JsonObject relay = new JsonObject().put("workers", 2).put("batchSize", 200).put("shardsPerClaim", 2);
    try {
      await(nodeA.deployVerticle(new OutboxRelayVerticle(), new DeploymentOptions().setConfig(relayConfig(infra, relay))));
      await(nodeB.deployVerticle(new OutboxRelayVerticle(), new DeploymentOptions().setConfig(relayConfig(infra, relay))));
      Writer writer = new Writer(pool, topic);
      List<Future<Void>> streams = new ArrayList<>();
      for (int stream = 0; stream < 5; stream++) {
        streams.add(writer.writeStream(stream, 5, 2_000, 20));
      }
      await(Future.all(streams));
      assertThat(writer.committed).hasSize(10_000);
      eventually(Duration.ofSeconds(60), () -> unsent(pool, topic) == 0, "both relays to drain the outbox");

      List<ConsumerRecord<String, String>> records = readTopic(infra, topic, 10_000, Duration.ofSeconds(30),
          Duration.ofSeconds(1));
      List<String> ids = records.stream().map(r -> EnvelopeCodec.decode(r.value()).id()).toList();
      Map<String, List<String>> where = new HashMap<>();
      records.forEach(r -> where.computeIfAbsent(EnvelopeCodec.decode(r.value()).id(), k -> new ArrayList<>())
          .add(r.partition() + "@" + r.offset() + " t=" + r.timestamp()));
      where.entrySet().stream().filter(e -> e.getValue().size() > 1).limit(10)
          .forEach(e -> System.out.println("DUPLICATE " + e.getKey() + " at " + e.getValue()));
      assertThat(ids).as("no duplicate").doesNotHaveDuplicates();
      assertThat(new HashSet<>(ids)).as("no loss").isEqualTo(writer.committed.keySet());
      assertPerAggregateOrder(records);
    } finally {
      await(Future.join(nodeA.close(), nodeB.close()));
    }
  }

  @Test
  void aCommittedEventHeldByAnotherTransactionIsWaitedForNotSkipped(Vertx vertx, TestInfra infra) throws Exception {
    String topic = uniqueTopic("relay-held");
    createTopic(infra, topic, 1);
    Pool pool = pool(vertx, infra);
    Writer writer = new Writer(pool, topic);
    // Two events of one aggregate, committed one after the other.
    await(writer.write(1, 1));
    await(writer.write(1, 1));
    String first = writer.committed.keySet().iterator().next();
    // Someone else holds the first row for a moment (a scan passing over it, an operator's SELECT ... FOR UPDATE).
    SqlConnection holder = await(pool.getConnection());
    Transaction held = await(holder.begin());
    await(holder.preparedQuery("SELECT id FROM outbox WHERE message_id = ? FOR UPDATE").execute(Tuple.of(first)));
    try {
      await(vertx.deployVerticle(new OutboxRelayVerticle(), new DeploymentOptions().setConfig(relayConfig(infra,
          new JsonObject()))));
      Thread.sleep(1_500);
      assertThat(sent(pool, topic)).as("events published while the first one was held").isZero();
    } finally {
      await(held.rollback());
      await(holder.close());
    }
    eventually(Duration.ofSeconds(20), () -> unsent(pool, topic) == 0, "the relay to publish both once released");
    List<ConsumerRecord<String, String>> records = readTopic(infra, topic, 2, Duration.ofSeconds(20),
        Duration.ofMillis(300));
    assertThat(records).hasSize(2);
    assertPerAggregateOrder(records);
  }

  /** Per key, the first delivery of each event follows the order in which the events were committed. */
  static void assertPerAggregateOrder(List<ConsumerRecord<String, String>> records) {
    Map<String, Integer> lastSequence = new HashMap<>();
    Set<String> seen = new HashSet<>();
    for (ConsumerRecord<String, String> record : records) {
      Envelope envelope = EnvelopeCodec.decode(record.value());
      assertThat(record.key()).isEqualTo(envelope.aggregateId());
      if (!seen.add(envelope.id())) {
        continue;
      }
      int sequence = envelope.payload().getInteger("sequence");
      Integer previous = lastSequence.put(record.key(), sequence);
      assertThat(sequence).as("order of aggregate %s", record.key()).isGreaterThan(previous == null ? -1 : previous);
    }
  }

  /** Writes numbered events for a fixed set of aggregates; remembers what was committed and what rolled back. */
  static final class Writer {
    final Pool pool;
    final String topic;
    final Map<String, String> committed = new LinkedHashMap<>();
    final Set<String> rolledBack = new HashSet<>();
    final Map<String, Integer> sequences = new HashMap<>();
    private int nextAggregate;

    Writer(Pool pool, String topic) {
      this.pool = pool;
      this.topic = topic;
    }

    /** {@code count} events in transactions of {@code perTransaction}, one transaction after the other. */
    Future<Void> write(int count, int perTransaction) {
      return writeStream(0, 1, count, perTransaction);
    }

    /**
     * Stream {@code stream} of {@code streams} writes only aggregates whose number ≡ stream (mod streams), one
     * transaction at a time, so writes to one aggregate are serialised as a business transaction's row lock would.
     */
    Future<Void> writeStream(int stream, int streams, int count, int perTransaction) {
      Future<Void> chain = Future.succeededFuture();
      int[] cursor = {stream};
      for (int done = 0; done < count; done += perTransaction) {
        int size = Math.min(perTransaction, count - done);
        chain = chain.compose(x -> {
          List<Envelope> batch = new ArrayList<>();
          for (int i = 0; i < size; i++) {
            batch.add(next("order-" + (cursor[0] % AGGREGATES)));
            cursor[0] += streams;
          }
          return pool.withTransaction(conn -> Outbox.addAll(conn, topic, batch))
              .onSuccess(ok -> batch.forEach(e -> committed.put(e.id(), e.aggregateId())));
        });
      }
      return chain;
    }

    /** {@code count} events added inside transactions that then fail. */
    Future<Void> rollBack(int count) {
      List<Envelope> batch = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        batch.add(next("order-" + (nextAggregate++ % AGGREGATES)));
      }
      return pool.withTransaction(conn -> Outbox.addAll(conn, topic, batch)
              .compose(x -> Future.<Void>failedFuture(new IllegalStateException("business rule failed"))))
          .recover(expected -> {
            batch.forEach(e -> rolledBack.add(e.id()));
            return Future.succeededFuture();
          });
    }

    private Envelope next(String aggregateId) {
      // Sequence numbers only grow per aggregate; rolled-back ones leave gaps, which the order check allows.
      int sequence;
      synchronized (sequences) {
        sequence = sequences.merge(aggregateId, 1, Integer::sum);
      }
      return Envelope.create("order.updated", "order", aggregateId, new JsonObject().put("sequence", sequence));
    }
  }
}
