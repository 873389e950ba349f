package io.kilosail.messaging;

import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.platform.settings.MySqlSettings;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.mysqlclient.MySQLBuilder;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kilosail.messaging.IdempotentConsumerTest.committedTotal;
import static io.kilosail.messaging.IdempotentConsumerTest.deploy;
import static io.kilosail.messaging.IdempotentConsumerTest.rawProducer;
import static io.kilosail.messaging.MessagingTestSupport.await;
import static io.kilosail.messaging.MessagingTestSupport.createTopic;
import static io.kilosail.messaging.MessagingTestSupport.eventually;
import static io.kilosail.messaging.MessagingTestSupport.pool;
import static io.kilosail.messaging.MessagingTestSupport.sleep;
import static io.kilosail.messaging.MessagingTestSupport.uniqueTopic;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a node failing or stopping must not do to the records it consumes: dead-letter a good record because the
 * database was unreachable or the node was going away, or commit one it did not apply.
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class IdempotentConsumerFailoverTest {

  private static final NodeConfig NODE = NodeConfig.fromJson(new JsonObject()
      .put("node", new JsonObject().put("metricsRegistry", "consumer-failover-test")));

  @Test
  void aRecordWhoseHandlerMeetsAClosedPoolIsRetriedPastMaxAttemptsAndAppliedNotDeadLettered(Vertx vertx,
                                                                                          TestInfra infra) {
    String topic = uniqueTopic("consumer-infra");
    String group = topic + "-group";
    createTopic(infra, topic, 1);
    createTopic(infra, topic + ".dlt", 1);
    Pool pool = pool(vertx, infra);
    // A pool of its own, closed: every use fails the way a node's pool does once it was closed under its consumers.
    Pool closedPool = privatePool(vertx, infra.settings().mysql());
    await(closedPool.close());
    Envelope event = Envelope.create("order.updated", "order", "order-1", new JsonObject());
    try (KafkaProducer<String, String> producer = rawProducer(infra)) {
      producer.send(new ProducerRecord<>(topic, "order-1", EnvelopeCodec.encode(event)));
      producer.flush();
    }

    int failuresBeforeTheDatabaseIsBack = 6;
    AtomicInteger tries = new AtomicInteger();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<String> applied = new CopyOnWriteArrayList<>();
    String deployment = deploy(vertx, () -> IdempotentConsumer.create(vertx, pool(vertx, infra), infra.settings(), NODE,
        ConsumerSettings.of(group, topic).withMaxAttempts(2).withRetryBackoff(new Backoff(10, 50)),
        (conn, envelope) -> {
          if (tries.incrementAndGet() <= failuresBeforeTheDatabaseIsBack) {
            return closedPool.query("SELECT 1").execute().onFailure(failures::add).mapEmpty();
          }
          applied.add(envelope.id());
          return Future.succeededFuture();
        }));

    eventually(Duration.ofSeconds(30), () -> applied.contains(event.id()), "the record to be applied");
    assertThat(failures).hasSize(failuresBeforeTheDatabaseIsBack);
    assertThat(tries.get()).as("more tries than maxAttempts, none of them spent").isGreaterThan(2);
    assertThat(deadLetterRows(pool, group)).isZero();
    assertThat(counter("kilosail.consumer.dead.lettered", group)).isZero();
    assertThat(counter("kilosail.consumer.infrastructure.retries", group))
        .isEqualTo(failuresBeforeTheDatabaseIsBack);
    eventually(Duration.ofSeconds(10), () -> committedTotal(infra, group, topic) == 1, "the offset to be committed");
    await(vertx.undeploy(deployment));
  }

  @Test
  void stopDuringFailingHandlersDeadLettersAndCommitsNothingAndAnotherMemberOfTheGroupAppliesThem(Vertx vertx,
                                                                                                TestInfra infra) {
    String topic = uniqueTopic("consumer-stop");
    String group = topic + "-group";
    createTopic(infra, topic, 1);
    createTopic(infra, topic + ".dlt", 1);
    Pool pool = pool(vertx, infra);
    List<Envelope> events = new ArrayList<>();
    try (KafkaProducer<String, String> producer = rawProducer(infra)) {
      for (int i = 0; i < 6; i++) {
        Envelope event = Envelope.create("order.updated", "order", "order-" + i, new JsonObject());
        events.add(event);
        producer.send(new ProducerRecord<>(topic, event.aggregateId(), EnvelopeCodec.encode(event)));
      }
      producer.flush();
    }

    // The first member holds every record it starts until it is stopping, then fails them as its own errors: with
    // maxAttempts 1 each would be dead-lettered at once, were the node not stopping.
    List<Promise<Void>> running = new CopyOnWriteArrayList<>();
    List<Context> contexts = new CopyOnWriteArrayList<>();
    String first = deploy(vertx, () -> IdempotentConsumer.create(vertx, pool(vertx, infra), infra.settings(), NODE,
        ConsumerSettings.of(group, topic).withMaxAttempts(1).withMaxInFlight(16, 16).withStopGraceMs(2_000),
        (conn, envelope) -> {
          Promise<Void> held = Promise.promise();
          running.add(held);
          contexts.add(Vertx.currentContext());
          return held.future();
        }));
    eventually(Duration.ofSeconds(30), () -> running.size() == 4, "four records (keyParallelism) to be running");

    Future<Void> stopped = vertx.undeploy(first);
    sleep(100);
    contexts.get(0).runOnContext(v -> running.forEach(held ->
        held.tryFail(new IllegalStateException("cannot apply: the handler failed while its node stopped"))));
    await(stopped);

    assertThat(deadLetterRows(pool, group)).isZero();
    assertThat(counter("kilosail.consumer.dead.lettered", group)).isZero();
    assertThat(committedTotal(infra, group, topic)).as("nothing applied, nothing committed").isLessThanOrEqualTo(0);

    Set<String> applied = ConcurrentHashMap.newKeySet();
    String second = deploy(vertx, () -> IdempotentConsumer.create(vertx, pool(vertx, infra), infra.settings(), NODE,
        ConsumerSettings.of(group, topic), (conn, envelope) -> {
          applied.add(envelope.id());
          return Future.succeededFuture();
        }));
    eventually(Duration.ofSeconds(30), () -> applied.size() == events.size(), "the next member to apply all six");
    assertThat(applied).containsExactlyInAnyOrderElementsOf(events.stream().map(Envelope::id).toList());
    eventually(Duration.ofSeconds(10), () -> committedTotal(infra, group, topic) == events.size(),
        "the offsets to be committed by the member that applied them");
    assertThat(deadLetterRows(pool, group)).isZero();
    await(vertx.undeploy(second));
  }

  private static Pool privatePool(Vertx vertx, MySqlSettings mysql) {
    return MySQLBuilder.pool().connectingTo(new MySQLConnectOptions().setHost(mysql.host()).setPort(mysql.port())
        .setDatabase(mysql.database()).setUser(mysql.user()).setPassword(mysql.password())).using(vertx).build();
  }

  private static long deadLetterRows(Pool pool, String group) {
    return await(pool.preparedQuery("SELECT COUNT(*) AS n FROM dead_letter WHERE consumer_group = ?")
        .execute(Tuple.of(group))).iterator().next().getLong("n");
  }

  private static double counter(String name, String group) {
    var counter = Meters.registry(NODE).find(name).tag("group", group).counter();
    return counter == null ? 0 : counter.count();
  }
}
