package io.kilosail.messaging.bench;

import io.kilosail.bench.BenchmarkMain;
import io.kilosail.infra.Meters;

import io.kilosail.infra.Clients;
import io.kilosail.infra.NodeConfig;
import io.kilosail.messaging.Envelope;
import io.kilosail.messaging.EnvelopeCodec;
import io.kilosail.messaging.Outbox;
import io.kilosail.messaging.OutboxRelayVerticle;
import io.kilosail.platform.settings.InfraSettings;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Relay throughput next to a raw Kafka producer on the same broker, and outbox insert cost next to a plain insert,
 * in one run on the embedded servers. Every durability setting on: acks=all, idempotence, one MySQL commit per relay
 * batch, InnoDB's default flush on commit.
 *
 * <pre>
 * mvn -B -o -q -pl verticles -am test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.skip=true -Dexec.mainClass=io.kilosail.messaging.bench.RelayBenchmark
 * </pre>
 * (the verticles module un-skips exec:java and names this class; {@code -Dbench.events=200000} changes the size).
 */
public final class RelayBenchmark {

  private static final int EVENTS = Integer.getInteger("bench.events", 100_000);
  private static final int AGGREGATES = 10_000;
  private static final int PARTITIONS = 8;
  private static final int INSERT_TX = Integer.getInteger("bench.insertTx", 20_000);
  private static final int INSERT_CONCURRENCY = 8;
  private static final String LINGER_MS = "5";
  private static final String BATCH_BYTES = "131072";

  public static void main(String[] args) {
    BenchmarkMain.run("relay-bench", PARTITIONS, 16, RelayBenchmark::run);
  }

  private static void run(InfraSettings infra) throws Exception {
    Vertx vertx = Vertx.vertx();
    Pool pool = Clients.mysqlPool(vertx, infra.mysql());
    List<Envelope> events = new ArrayList<>(EVENTS);
    for (int i = 0; i < EVENTS; i++) {
      events.add(event(i));
    }
    int valueBytes = EnvelopeCodec.encode(events.get(0)).length();
    System.out.printf("%nkilosail relay benchmark: %d events of ~%d B, %d aggregates, %d partitions, linger.ms=%s,"
        + " batch.size=%s, acks=all, idempotence on%n", EVENTS, valueBytes, AGGREGATES, PARTITIONS, LINGER_MS,
        BATCH_BYTES);
    createTopics(infra, "bench-raw", "bench-relay", "bench-warmup");

    // 1. Raw producer baseline, same broker, same record sizes and keys, pre-encoded values.
    List<String> values = events.stream().map(EnvelopeCodec::encode).toList();
    rawProducer(infra, "bench-warmup", events.subList(0, 20_000), values.subList(0, 20_000));
    double raw = rawProducer(infra, "bench-raw", events, values);
    System.out.printf("raw Kafka producer         : %,10.0f events/s%n", raw);

    // 2. Outbox insert cost next to a plain insert of the same row size.
    await(pool.query("CREATE TABLE IF NOT EXISTS bench_plain (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
        + " aggregate_id VARCHAR(191) NOT NULL, body MEDIUMTEXT NOT NULL, created_at TIMESTAMP(3) NOT NULL)"
        + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4").execute());
    String plainInsert = "INSERT INTO bench_plain (aggregate_id, body, created_at) VALUES (?, ?, UTC_TIMESTAMP(3))";
    Function<SqlConnection, Future<?>> plainOnly = conn -> conn.preparedQuery(plainInsert)
        .execute(Tuple.of("order-1", values.get(0)));
    transactions(pool, plainOnly, INSERT_TX / 4); // warm-up
    double plainTx = transactions(pool, plainOnly, INSERT_TX);
    double outboxTx = transactions(pool, conn -> Outbox.add(conn, "bench-insert", event(0).withHeader("n", "x")
        .causedBy(event(1))), INSERT_TX);
    double bothTx = transactions(pool, conn -> conn.preparedQuery(plainInsert).execute(Tuple.of("order-1",
        values.get(0))).compose(x -> Outbox.add(conn, "bench-insert", event(2))), INSERT_TX);
    System.out.printf("tx: plain insert           : %,10.0f tx/s  (%6.1f µs/tx at %d connections)%n", plainTx,
        1e6 / plainTx, INSERT_CONCURRENCY);
    System.out.printf("tx: outbox insert          : %,10.0f tx/s  (%6.1f µs/tx)  = %.2f x plain%n", outboxTx,
        1e6 / outboxTx, plainTx / outboxTx);
    System.out.printf("tx: plain + outbox insert  : %,10.0f tx/s  (%6.1f µs/tx)  = %.2f x plain%n", bothTx,
        1e6 / bothTx, plainTx / bothTx);
    // Those rows are not part of the relay measurement.
    await(pool.query("DELETE FROM outbox").execute());
    rawProducer(infra, "bench-warmup", events, values);
    double rawAgain = rawProducer(infra, "bench-raw", events, values);
    System.out.printf("raw Kafka producer (again) : %,10.0f events/s; the ratios below use the mean, %,.0f%n",
        rawAgain, (raw + rawAgain) / 2);
    raw = (raw + rawAgain) / 2;

    // 3. Relay: fill the outbox, then measure how fast the relay drains it to Kafka.
    for (JsonObject relay : List.of(
        new JsonObject().put("workers", 4).put("batchSize", 1000).put("shardsPerClaim", 4),
        new JsonObject().put("workers", 8).put("batchSize", 1000).put("shardsPerClaim", 2),
        new JsonObject().put("workers", 16).put("batchSize", 1000).put("shardsPerClaim", 1),
        new JsonObject().put("workers", 8).put("batchSize", 1000).put("shardsPerClaim", 2).put("deleteSent", true))) {
      double relayed = relay(vertx, pool, infra, events, relay);
      System.out.printf("relay %-60s: %,10.0f events/s  = %.0f %% of raw producer%n", relay.encode(), relayed,
          100 * relayed / raw);
      events = events.stream().map(e -> event(e.aggregateId().hashCode() & 0xfffffff)).toList();
    }
    await(vertx.close());
  }

  private static double relay(Vertx vertx, Pool pool, InfraSettings infra, List<Envelope> events, JsonObject relay) {
    long fillStart = System.nanoTime();
    // INSERT_CONCURRENCY streams of 1,000-row transactions: all of them at once would wait longer for a pooled
    // connection than the pool allows (5 s) and fail.
    List<Future<?>> fills = new ArrayList<>();
    int chunk = 1_000;
    for (int stream = 0; stream < INSERT_CONCURRENCY; stream++) {
      Future<Void> chain = Future.succeededFuture();
      for (int from = stream * chunk; from < events.size(); from += chunk * INSERT_CONCURRENCY) {
        List<Envelope> slice = events.subList(from, Math.min(events.size(), from + chunk));
        chain = chain.compose(x -> pool.withTransaction(conn -> Outbox.addAll(conn, "bench-relay", slice)));
      }
      fills.add(chain);
    }
    await(Future.all(fills));
    System.out.printf("  (outbox filled with %,d events in %.1f s)%n", events.size(),
        (System.nanoTime() - fillStart) / 1e9);

    Counter published = Meters.registry(NodeConfig.fromJson(new JsonObject()))
        .counter("kilosail.relay.published");
    double before = published.count();
    JsonObject config = infra.toJson().put("relay", relay.copy().put("lingerMs", Integer.parseInt(LINGER_MS))
        .put("batchBytes", Integer.parseInt(BATCH_BYTES)));
    long start = System.nanoTime();
    String deployment = await(vertx.deployVerticle(new OutboxRelayVerticle(), new DeploymentOptions()
        .setConfig(config)));
    while (published.count() - before < events.size()) {
      sleep(5);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    await(vertx.undeploy(deployment));
    long unsent = await(pool.query("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL").execute())
        .iterator().next().getLong("n");
    if (unsent != 0) {
      throw new IllegalStateException(unsent + " rows left unsent");
    }
    return events.size() / seconds;
  }

  private static double rawProducer(InfraSettings infra, String topic, List<Envelope> events, List<String> values)
      throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", infra.kafkaBootstrapServers());
    config.put("acks", "all");
    config.put("enable.idempotence", "true");
    config.put("max.in.flight.requests.per.connection", "5");
    config.put("linger.ms", LINGER_MS);
    config.put("batch.size", BATCH_BYTES);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
        new StringSerializer())) {
      producer.partitionsFor(topic);
      long start = System.nanoTime();
      for (int i = 0; i < events.size(); i++) {
        producer.send(new ProducerRecord<>(topic, events.get(i).aggregateId(), values.get(i)));
      }
      producer.flush();
      return events.size() / ((System.nanoTime() - start) / 1e9);
    }
  }

  /** Transactions per second of {@code work}, {@code INSERT_CONCURRENCY} sequential streams in parallel. */
  private static double transactions(Pool pool, Function<SqlConnection, Future<?>> work, int total) {
    long start = System.nanoTime();
    List<Future<Void>> streams = new ArrayList<>();
    for (int s = 0; s < INSERT_CONCURRENCY; s++) {
      streams.add(stream(pool, work, total / INSERT_CONCURRENCY));
    }
    await(Future.all(streams));
    return total / ((System.nanoTime() - start) / 1e9);
  }

  private static Future<Void> stream(Pool pool, Function<SqlConnection, Future<?>> work, int remaining) {
    if (remaining == 0) {
      return Future.succeededFuture();
    }
    return pool.withTransaction(work::apply).compose(x -> stream(pool, work, remaining - 1));
  }

  private static Envelope event(int n) {
    // About 500 bytes encoded, like the platform's order events.
    JsonObject payload = new JsonObject()
        .put("orderId", "order-" + (n % AGGREGATES))
        .put("platform", "meituan")
        .put("courier", "shansong")
        .put("feeMinor", 1250 + n % 700)
        .put("note", "x".repeat(230));
    return Envelope.create("order.updated", "order", "order-" + (n % AGGREGATES), payload).withSagaId("saga-" + n);
  }

  private static void createTopics(InfraSettings infra, String... topics) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrapServers()))) {
      admin.createTopics(java.util.Arrays.stream(topics).map(t -> new NewTopic(t, PARTITIONS, (short) 1)).toList())
          .all().get();
    }
    // Leadership of fresh partitions settles in the first second on the embedded broker.
    sleep(1_500);
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
