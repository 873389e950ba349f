package io.kilosail.messaging;

import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.kilosail.messaging.MessagingTestSupport.await;
import static io.kilosail.messaging.MessagingTestSupport.createTopic;
import static io.kilosail.messaging.MessagingTestSupport.pool;
import static io.kilosail.messaging.MessagingTestSupport.relayConfig;
import static io.kilosail.messaging.MessagingTestSupport.sleep;
import static io.kilosail.messaging.MessagingTestSupport.uniqueTopic;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How soon an idle relay publishes: at once after a committed {@link Outbox#add} (its nudge), and within the idle
 * poll's ceiling for a row nobody nudged about.
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class OutboxRelayWakeUpTest {

  @Test
  void aCommittedOutboxRowReachesKafkaAtOnceWithoutWaitingForTheIdlePoll(Vertx vertx, TestInfra infra) {
    String topic = uniqueTopic("relay-nudge");
    createTopic(infra, topic, 2);
    Pool pool = pool(vertx, infra);
    // The idle poll is pushed far out (30 s): within the bound below only the commit's nudge can wake the relay.
    await(vertx.deployVerticle(new OutboxRelayVerticle(), new DeploymentOptions().setConfig(relayConfig(infra,
        new JsonObject().put("idlePollMs", 30_000).put("idleMaxPollMs", 30_000)))));
    try (KafkaConsumer<String, String> consumer = consumerAtStart(infra, topic)) {
      sleep(1_000); // the relay's start-up round is over: every worker waits
      for (int i = 0; i < 5; i++) {
        Envelope event = Envelope.create("order.updated", "order", "order-nudge-" + i, new JsonObject().put("i", i));
        await(pool.withTransaction(conn -> Outbox.add(conn, topic, event)));
        long committedAt = System.nanoTime();
        awaitRecord(consumer, event.id(), Duration.ofSeconds(3));
        long millis = (System.nanoTime() - committedAt) / 1_000_000;
        assertThat(millis).as("commit to Kafka record, event %d, idle poll 30 s", i).isLessThan(3_000);
        sleep(300); // let the relay go idle again between the events
      }
    }
  }

  @Test
  void aRowWrittenWithoutNudgeIsStillPublishedWithinTheIdleCeiling(Vertx vertx, TestInfra infra) {
    String topic = uniqueTopic("relay-no-nudge");
    createTopic(infra, topic, 2);
    Pool pool = pool(vertx, infra);
    await(vertx.deployVerticle(new OutboxRelayVerticle(), new DeploymentOptions().setConfig(relayConfig(infra,
        new JsonObject().put("idlePollMs", 100).put("idleMaxPollMs", 1_000)))));
    try (KafkaConsumer<String, String> consumer = consumerAtStart(infra, topic)) {
      sleep(3_000); // long enough for the idle poll to back off to its 1 s ceiling
      // Inserted directly, in autocommit: no Outbox.add, so no nudge; only the idle poll can find it.
      Envelope event = Envelope.create("order.updated", "order", "order-silent", new JsonObject());
      await(pool.preparedQuery(Outbox.INSERT).execute(Outbox.row(topic, event)));
      long insertedAt = System.nanoTime();
      awaitRecord(consumer, event.id(), Duration.ofSeconds(5));
      long millis = (System.nanoTime() - insertedAt) / 1_000_000;
      // The ceiling (1 s) plus a claim and a Kafka round trip on a busy 2-core machine.
      assertThat(millis).as("insert to Kafka record without a nudge").isLessThan(2_500);
    }
  }

  private static KafkaConsumer<String, String> consumerAtStart(TestInfra infra, String topic) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", infra.settings().kafkaBootstrapServers());
    props.put("enable.auto.commit", "false");
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        new StringDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(10))) {
      partitions.add(new TopicPartition(topic, info.partition()));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    consumer.poll(Duration.ofMillis(200)); // connects and resolves the positions before the clock starts
    return consumer;
  }

  private static void awaitRecord(KafkaConsumer<String, String> consumer, String messageId, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(50))) {
        if (EnvelopeCodec.decode(record.value()).id().equals(messageId)) {
          return;
        }
      }
    }
    throw new AssertionError("event " + messageId + " did not reach Kafka within " + timeout);
  }
}
