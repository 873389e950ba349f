package io.kilosail.messaging;

import io.kilosail.infra.Clients;
import io.kilosail.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Helpers for messaging tests. They block, so they run on the JUnit thread, never on an event loop. */
final class MessagingTestSupport {

  private MessagingTestSupport() {
  }

  static String uniqueTopic(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * Creates a topic and waits until every partition has a leader, then a little more. Right after creation the
   * embedded Kafka 4.4 broker sometimes answers NOT_LEADER_OR_FOLLOWER and then rejects the idempotent producer's
   * retry as OUT_OF_ORDER_SEQUENCE (or appends it twice); production topics are created ahead, so tests do the same.
   */
  static void createTopic(TestInfra infra, String topic, int partitions) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.settings().kafkaBootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < deadline) {
        TopicDescription description;
        try {
          description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
            throw e;
          }
          // The broker's metadata does not know the new topic yet.
          sleep(50);
          continue;
        }
        if (description.partitions().size() == partitions
            && description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
          break;
        }
        sleep(50);
      }
      sleep(1_000);
    } catch (Exception e) {
      throw new AssertionError("could not create topic " + topic, e);
    }
  }

  static Pool pool(Vertx vertx, TestInfra infra) {
    return Clients.mysqlPool(vertx, infra.settings().mysql());
  }

  static <T> T await(Future<T> future) {
    return await(future, Duration.ofSeconds(60));
  }

  static <T> T await(Future<T> future, Duration timeout) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("future did not succeed: " + e, e);
    }
  }

  static void eventually(Duration timeout, BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      sleep(20);
    }
    throw new AssertionError("timed out after " + timeout + " waiting for " + what);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static long unsent(Pool pool, String topic) {
    return await(pool.preparedQuery("SELECT COUNT(*) AS n FROM outbox WHERE topic = ? AND sent_at IS NULL")
        .execute(Tuple.of(topic))).iterator().next().getLong("n");
  }

  static long sent(Pool pool, String topic) {
    return await(pool.preparedQuery("SELECT COUNT(*) AS n FROM outbox WHERE topic = ? AND sent_at IS NOT NULL")
        .execute(Tuple.of(topic))).iterator().next().getLong("n");
  }

  /** Relay configuration for tests: the fixture's servers plus the given relay settings. */
  static JsonObject relayConfig(TestInfra infra, JsonObject relay) {
    return infra.config().copy().put("relay", relay);
  }

  /**
   * Every record of {@code topic} from the beginning, waiting until at least {@code expected} arrived, then reading
   * on for {@code settle} to catch any extra (duplicate) record.
   */
  static List<ConsumerRecord<String, String>> readTopic(TestInfra infra, String topic, int expected, Duration timeout,
                                                         Duration settle) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", infra.settings().kafkaBootstrapServers());
    props.put("enable.auto.commit", "false");
    props.put("max.poll.records", "5000");
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(10))) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
      }
      long settleUntil = System.nanoTime() + settle.toNanos();
      while (System.nanoTime() < settleUntil) {
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
      }
    }
    return records;
  }
}
