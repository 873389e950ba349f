package io.kilosail.messaging;

import io.kilosail.infra.Meters;

import io.kilosail.infra.NodeConfig;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static io.kilosail.messaging.MessagingTestSupport.await;
import static io.kilosail.messaging.MessagingTestSupport.createTopic;
import static io.kilosail.messaging.MessagingTestSupport.eventually;
import static io.kilosail.messaging.MessagingTestSupport.pool;
import static io.kilosail.messaging.MessagingTestSupport.readTopic;
import static io.kilosail.messaging.MessagingTestSupport.uniqueTopic;
import static org.assertj.core.api.Assertions.assertThat;

/** The idempotent consumer against real Kafka and MariaDB. */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class IdempotentConsumerTest {

  private static final NodeConfig NODE = NodeConfig.fromJson(new JsonObject()
      .put("node", new JsonObject().put("metricsRegistry", "consumer-test")));

  @Test
  void recordDeliveredThreeTimesChangesTheDatabaseOnceAndAggregatesStayInOrder(Vertx vertx, TestInfra infra) {
    String topic = uniqueTopic("consumer-dup");
    String group = topic + "-group";
    Pool pool = pool(vertx, infra);
    await(pool.query("CREATE TABLE IF NOT EXISTS test_applied (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
        + " grp VARCHAR(191) NOT NULL, aggregate_id VARCHAR(191) NOT NULL, sequence INT NOT NULL)").execute());
    createTopic(infra, topic, 4);

    // 20 aggregates x 10 events, every record delivered three times (as a retrying producer or a replay would).
    List<Envelope> events = new ArrayList<>();
    for (int sequence = 1; sequence <= 10; sequence++) {
      for (int aggregate = 0; aggregate < 20; aggregate++) {
        events.add(Envelope.create("order.updated", "order", "order-" + aggregate,
            new JsonObject().put("sequence", sequence)));
      }
    }
    try (KafkaProducer<String, String> producer = rawProducer(infra)) {
      for (Envelope event : events) {
        for (int copy = 0; copy < 3; copy++) {
          producer.send(new ProducerRecord<>(topic, event.aggregateId(), EnvelopeCodec.encode(event)));
        }
      }
      producer.flush();
    }

    Map<String, List<Integer>> appliedOrder = new ConcurrentHashMap<>();
    String deployment = deploy(vertx, () -> IdempotentConsumer.create(vertx, pool(vertx, infra), infra.settings(), NODE,
        ConsumerSettings.of(group, topic).withMaxInFlight(16, 4),
        (conn, envelope) -> conn.preparedQuery("INSERT INTO test_applied (grp, aggregate_id, sequence) VALUES (?, ?, ?)")
            .execute(Tuple.of(group, envelope.aggregateId(), envelope.payload().getInteger("sequence")))
            .onSuccess(x -> appliedOrder.computeIfAbsent(envelope.aggregateId(), k -> new CopyOnWriteArrayList<>())
                .add(envelope.payload().getInteger("sequence")))
            .mapEmpty()));

    MeterRegistry registry = Meters.registry(NODE);
    eventually(Duration.ofSeconds(30), () -> duplicates(registry, group) == 400, "400 duplicates to be skipped");
    assertThat(countRows(pool, group)).as("one effect per message").isEqualTo(200);
    List<Row> rows = new ArrayList<>();
    await(pool.preparedQuery("SELECT aggregate_id, sequence FROM test_applied WHERE grp = ? ORDER BY id")
        .execute(Tuple.of(group))).forEach(rows::add);
    Map<String, Integer> last = new HashMap<>();
    for (Row row : rows) {
      Integer previous = last.put(row.getString("aggregate_id"), row.getInteger("sequence"));
      assertThat(row.getInteger("sequence")).isEqualTo(previous == null ? 1 : previous + 1);
    }
    assertThat(appliedOrder.values()).allSatisfy(sequence -> assertThat(sequence).isSorted().hasSize(10));
    eventually(Duration.ofSeconds(10), () -> committedTotal(infra, group, topic) == 600,
        "offsets of all 600 records to be committed");
    await(vertx.undeploy(deployment));
  }

  @Test
  void typesTheConsumerDoesNotActOnAreAcknowledgedWithoutEffectAndTheRestStayInOrderPerAggregate(Vertx vertx,
                                                                                                 TestInfra infra) {
    String topic = uniqueTopic("consumer-types");
    String group = topic + "-group";
    Pool pool = pool(vertx, infra);
    await(pool.query("CREATE TABLE IF NOT EXISTS test_applied (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
        + " grp VARCHAR(191) NOT NULL, aggregate_id VARCHAR(191) NOT NULL, sequence INT NOT NULL)").execute());
    createTopic(infra, topic, 2);
    // 10 aggregates on 2 partitions, each event of interest followed by two that are not: runs of ignored records
    // complete at once, while records of other aggregates of the same partition are still running.
    try (KafkaProducer<String, String> producer = rawProducer(infra)) {
      for (int sequence = 1; sequence <= 10; sequence++) {
        for (int aggregate = 0; aggregate < 10; aggregate++) {
          for (String type : List.of("order.updated", "order.viewed", "order.viewed")) {
            Envelope event = Envelope.create(type, "order", "order-" + aggregate,
                new JsonObject().put("sequence", sequence));
            producer.send(new ProducerRecord<>(topic, event.aggregateId(), EnvelopeCodec.encode(event)));
          }
        }
      }
      producer.flush();
    }

    String deployment = deploy(vertx, () -> IdempotentConsumer.create(vertx, pool(vertx, infra), infra.settings(), NODE,
        ConsumerSettings.of(group, topic).onlyTypes("order.updated"),
        (conn, envelope) -> conn.preparedQuery("INSERT INTO test_applied (grp, aggregate_id, sequence) VALUES (?, ?, ?)")
            .execute(Tuple.of(group, envelope.aggregateId(), envelope.payload().getInteger("sequence")))
            .mapEmpty()));

    eventually(Duration.ofSeconds(30), () -> committedTotal(infra, group, topic) == 300,
        "offsets of all 300 records to be committed");
    assertThat(countRows(pool, group)).as("only the 100 events of interest took effect").isEqualTo(100);
    Map<String, Integer> last = new HashMap<>();
    await(pool.preparedQuery("SELECT aggregate_id, sequence FROM test_applied WHERE grp = ? ORDER BY id")
        .execute(Tuple.of(group))).forEach(row -> {
          Integer previous = last.put(row.getString("aggregate_id"), row.getInteger("sequence"));
          assertThat(row.getInteger("sequence")).isEqualTo(previous == null ? 1 : previous + 1);
        });
    MeterRegistry registry = Meters.registry(NODE);
    assertThat(registry.find("kilosail.consumer.ignored").tag("group", group).counter().count()).isEqualTo(200);
    await(vertx.undeploy(deployment));
  }

  @Test
  void poisonMessageIsDeadLetteredAfterMaxAttemptsWithItsErrorAndOthersGoOn(Vertx vertx, TestInfra infra) {
    String topic = uniqueTopic("consumer-poison");
    String group = topic + "-group";
    Pool pool = pool(vertx, infra);
    createTopic(infra, topic, 1);
    createTopic(infra, topic + ".dlt", 1);
    Envelope poison = Envelope.create("order.poison", "order", "order-1", new JsonObject());
    Envelope good = Envelope.create("order.updated", "order", "order-1", new JsonObject());
    try (KafkaProducer<String, String> producer = rawProducer(infra)) {
      producer.send(new ProducerRecord<>(topic, "order-1", EnvelopeCodec.encode(poison)));
      producer.send(new ProducerRecord<>(topic, "order-1", "{not json"));
      producer.send(new ProducerRecord<>(topic, "order-1", EnvelopeCodec.encode(good)));
      producer.flush();
    }
    AtomicInteger poisonAttempts = new AtomicInteger();
    List<String> applied = new CopyOnWriteArrayList<>();
    String deployment = deploy(vertx, () -> IdempotentConsumer.create(vertx, pool(vertx, infra), infra.settings(), NODE,
        ConsumerSettings.of(group, topic).withMaxAttempts(3).withRetryBackoff(new Backoff(20, 100)),
        (conn, envelope) -> {
          if (envelope.type().equals("order.poison")) {
            poisonAttempts.incrementAndGet();
            return Future.failedFuture(new IllegalStateException("cannot apply " + envelope.id()));
          }
          applied.add(envelope.id());
          return Future.succeededFuture();
        }));

    List<ConsumerRecord<String, String>> parked = readTopic(infra, topic + ".dlt", 2, Duration.ofSeconds(30),
        Duration.ZERO);
    assertThat(parked).hasSize(2);
    assertThat(parked.get(0).value()).isEqualTo(EnvelopeCodec.encode(poison));
    assertThat(header(parked.get(0), "kilosail.attempts")).isEqualTo("3");
    assertThat(header(parked.get(0), "kilosail.error")).contains("cannot apply " + poison.id());
    assertThat(parked.get(1).value()).isEqualTo("{not json");
    assertThat(header(parked.get(1), "kilosail.attempts")).isEqualTo("1");
    assertThat(poisonAttempts).hasValue(3);

    eventually(Duration.ofSeconds(10), () -> applied.contains(good.id()), "the record behind the poison");
    Row recorded = await(pool.preparedQuery("SELECT attempts, error FROM dead_letter WHERE consumer_group = ?"
        + " AND message_id = ?").execute(Tuple.of(group, poison.id()))).iterator().next();
    assertThat(recorded.getInteger("attempts")).isEqualTo(3);
    assertThat(recorded.getString("error")).contains("cannot apply");
    assertThat(deadLettered(Meters.registry(NODE), group)).isEqualTo(2);
    eventually(Duration.ofSeconds(10), () -> committedTotal(infra, group, topic) == 3, "offsets to move past them");
    await(vertx.undeploy(deployment));
  }

  /** Consumers live in a verticle, so their state is touched by one event loop only. */
  static String deploy(Vertx vertx, Supplier<IdempotentConsumer> factory) {
    return await(vertx.deployVerticle(new VerticleBase() {
      private IdempotentConsumer consumer;

      @Override
      public Future<?> start() {
        consumer = factory.get();
        return consumer.start();
      }

      @Override
      public Future<?> stop() {
        return consumer.stop();
      }
    }));
  }

  static KafkaProducer<String, String> rawProducer(TestInfra infra) {
    return new KafkaProducer<>(Map.of("bootstrap.servers", infra.settings().kafkaBootstrapServers(), "acks", "all"),
        new StringSerializer(), new StringSerializer());
  }

  static long committedTotal(TestInfra infra, String group, String topic) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.settings().kafkaBootstrapServers()))) {
      Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
          .mapToLong(e -> e.getValue().offset()).sum();
    } catch (Exception e) {
      return -1;
    }
  }

  private static long countRows(Pool pool, String group) {
    return await(pool.preparedQuery("SELECT COUNT(*) AS n FROM test_applied WHERE grp = ?").execute(Tuple.of(group)))
        .iterator().next().getLong("n");
  }

  private static double duplicates(MeterRegistry registry, String group) {
    var counter = registry.find("kilosail.consumer.duplicates.skipped").tag("group", group).counter();
    return counter == null ? 0 : counter.count();
  }

  private static double deadLettered(MeterRegistry registry, String group) {
    var counter = registry.find("kilosail.consumer.dead.lettered").tag("group", group).counter();
    return counter == null ? 0 : counter.count();
  }

  private static String header(ConsumerRecord<String, String> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
