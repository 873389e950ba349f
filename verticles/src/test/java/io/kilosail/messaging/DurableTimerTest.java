package io.kilosail.messaging;

import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.kilosail.messaging.MessagingTestSupport.await;
import static io.kilosail.messaging.MessagingTestSupport.createTopic;
import static io.kilosail.messaging.MessagingTestSupport.pool;
import static io.kilosail.messaging.MessagingTestSupport.readTopic;
import static io.kilosail.messaging.MessagingTestSupport.relayConfig;
import static io.kilosail.messaging.MessagingTestSupport.sleep;
import static io.kilosail.messaging.MessagingTestSupport.uniqueTopic;
import static org.assertj.core.api.Assertions.assertThat;

/** Durable timers against real MariaDB and Kafka: on time, once, across restarts and several nodes. */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class DurableTimerTest {

  @Test
  void timerTwoSecondsAheadFiresOnceWithinOneSecondAlsoWhenTheNodeRestartsInBetween(Vertx vertx, TestInfra infra) {
    String topic = uniqueTopic("timer-restart");
    createTopic(infra, topic, 2);
    Pool pool = pool(vertx, infra);
    Vertx firstNode = startNode(infra);

    Envelope reminder = Envelope.create("payment.timeout", "order", "order-7", new JsonObject().put("step", 3));
    Instant due = Instant.now().plusSeconds(2);
    String key = topic + "/payment";
    boolean first = await(pool.withTransaction(conn -> DurableTimers.schedule(conn, key, due, topic, reminder)));
    boolean again = await(pool.withTransaction(conn -> DurableTimers.schedule(conn, key, due, topic, reminder)));
    assertThat(first).isTrue();
    assertThat(again).as("same timer key again changes nothing").isFalse();

    // The node goes down before the timer is due and comes back (as two nodes) before it is due.
    sleep(500);
    await(firstNode.close());
    sleep(700);
    Vertx secondNode = startNode(infra);
    Vertx thirdNode = startNode(infra);
    try {
      List<ConsumerRecord<String, String>> records = readTopic(infra, topic, 1, Duration.ofSeconds(10),
          Duration.ofMillis(1500));
      assertThat(records).hasSize(1);
      assertThat(EnvelopeCodec.decode(records.get(0).value()).id()).isEqualTo(reminder.id());
      long lateMs = records.get(0).timestamp() - due.toEpochMilli();
      assertThat(lateMs).as("published %d ms after due", lateMs).isBetween(0L, 1000L);
    } finally {
      await(Future.join(secondNode.close(), thirdNode.close()));
    }
  }

  @Test
  void manyTimersFireOnceAcrossTwoNodesAndCancelledOnesNever(Vertx vertx, TestInfra infra) {
    String topic = uniqueTopic("timer-many");
    createTopic(infra, topic, 4);
    Pool pool = pool(vertx, infra);
    List<Envelope> scheduled = new ArrayList<>();
    Instant due = Instant.now().plusMillis(1500);
    await(pool.withTransaction(conn -> {
      Future<Boolean> chain = Future.succeededFuture();
      for (int i = 0; i < 300; i++) {
        Envelope envelope = Envelope.create("delivery.check", "order", "order-" + (i % 30), new JsonObject());
        scheduled.add(envelope);
        String key = topic + "/" + i;
        Instant at = due.plusMillis(i);
        chain = chain.compose(x -> DurableTimers.schedule(conn, key, at, topic, envelope));
      }
      return chain;
    }));
    Envelope cancelled = Envelope.create("delivery.check", "order", "order-x", new JsonObject());
    await(pool.withTransaction(conn -> DurableTimers.schedule(conn, topic + "/cancelled", due, topic, cancelled)
        .compose(x -> DurableTimers.cancel(conn, topic + "/cancelled"))));

    Vertx nodeA = startNode(infra);
    Vertx nodeB = startNode(infra);
    try {
      List<ConsumerRecord<String, String>> records = readTopic(infra, topic, 300, Duration.ofSeconds(15),
          Duration.ofSeconds(1));
      List<String> ids = records.stream().map(r -> EnvelopeCodec.decode(r.value()).id()).toList();
      assertThat(ids).doesNotHaveDuplicates().hasSize(300)
          .containsExactlyInAnyOrderElementsOf(scheduled.stream().map(Envelope::id).toList());
      Row lateness = await(pool.preparedQuery("SELECT MAX(TIMESTAMPDIFF(MICROSECOND, due_at, fired_at)) AS late,"
          + " COUNT(*) AS n FROM durable_timer WHERE timer_key LIKE ? AND fired_at IS NOT NULL")
          .execute(Tuple.of(topic + "/%"))).iterator().next();
      assertThat(lateness.getLong("n")).isEqualTo(300);
      assertThat(lateness.getLong("late")).as("worst lateness in µs").isLessThan(1_000_000L);
    } finally {
      await(Future.join(nodeA.close(), nodeB.close()));
    }
  }

  /** A node of the relay role: timers and relay on their own Vert.x. */
  private static Vertx startNode(TestInfra infra) {
    Vertx node = Vertx.vertx();
    JsonObject config = relayConfig(infra, new JsonObject().put("workers", 2));
    await(node.deployVerticle(new DurableTimerVerticle(), new DeploymentOptions().setConfig(config)));
    await(node.deployVerticle(new OutboxRelayVerticle(), new DeploymentOptions().setConfig(config)));
    return node;
  }
}
