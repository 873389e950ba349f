package io.kilosail.messaging;

import io.kilosail.infra.Meters;
import io.kilosail.infra.Times;

import io.kilosail.infra.Clients;
import io.kilosail.infra.NodeConfig;
import io.kilosail.platform.settings.InfraSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Context;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Publishes outbox rows to Kafka, keyed by aggregate id.
 *
 * <p>Each worker repeats one claim: in a READ COMMITTED transaction it locks a group of shards with
 * {@code SELECT ... FOR UPDATE SKIP LOCKED}, reads their unsent rows in id order, sends them all through the
 * idempotent producer (acks=all; the producer's linger/batch settings do the batching), waits for every ack, marks the
 * rows sent and commits. While the shard locks are held no other worker or relay touches those shards, so a row is
 * published once in normal operation and one aggregate's events leave in order. A relay that dies mid-batch loses its
 * connection, MySQL rolls back and releases the locks, and the next claim publishes those rows again (at-least-once;
 * consumers de-duplicate by message id).
 */
public class OutboxRelayVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(OutboxRelayVerticle.class);
  private static final long FAILURE_PAUSE_MS = 1_000;

  private static final String SELECT_UNSENT = "SELECT id, topic, message_key, envelope FROM outbox"
      + " WHERE sent_at IS NULL AND shard = ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED";

  private NodeConfig node;
  private RelaySettings settings;
  private Pool mysql;
  private Context context;
  private Producer<String, String> producer;
  private final List<Worker> workers = new ArrayList<>();
  private boolean stopping;

  private MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private Counter published;
  private Timer claimTimer;
  private final AtomicLong backlog = new AtomicLong();
  /** Creation time of the oldest unsent row at the last refresh, epoch ms; 0 when there is none. */
  private final AtomicLong oldestUnsentMillis = new AtomicLong();
  private long metricsTimer = -1;

  @Override
  public Future<?> start() {
    node = NodeConfig.fromJson(config());
    InfraSettings infra = InfraSettings.fromJson(config());
    settings = RelaySettings.fromJson(config());
    mysql = Clients.mysqlPool(vertx, infra.mysql());
    context = vertx.getOrCreateContext();
    producer = new KafkaProducer<>(new HashMap<>(producerConfig(infra, settings)), new StringSerializer(),
        new StringSerializer());
    registerMeters();

    ShardRotationStarts starts = new ShardRotationStarts(deploymentID());
    for (int i = 0; i < settings.workers(); i++) {
      Worker worker = new Worker(i, new ShardRotation(OutboxShards.COUNT, settings.shardsPerClaim(), starts.start(i)));
      workers.add(worker);
      vertx.runOnContext(v -> runClaims(worker));
    }
    metricsTimer = vertx.setPeriodic(1, settings.metricsIntervalMs(), t -> refreshBacklog());
    log.info("outbox relay started node={} workers={} batchSize={} shardsPerClaim={} lingerMs={} batchBytes={}",
        node.id(), settings.workers(), settings.batchSize(), settings.shardsPerClaim(), settings.lingerMs(),
        settings.batchBytes());
    return Future.succeededFuture();
  }

  /** The idempotent producer with every durability setting on; batching is the producer's job. */
  static Map<String, String> producerConfig(InfraSettings infra, RelaySettings settings) {
    Map<String, String> config = Clients.kafkaCommon(infra);
    config.put("acks", "all");
    config.put("enable.idempotence", "true");
    // At most 5 in flight keeps per-partition order with idempotence on.
    config.put("max.in.flight.requests.per.connection", "5");
    config.put("linger.ms", String.valueOf(settings.lingerMs()));
    config.put("batch.size", String.valueOf(settings.batchBytes()));
    config.put("compression.type", settings.compression());
    config.put("delivery.timeout.ms", "30000");
    config.put("request.timeout.ms", "10000");
    return config;
  }

  private void runClaims(Worker worker) {
    if (stopping) {
      worker.stopped.tryComplete();
      return;
    }
    List<Integer> shards = worker.rotation.next();
    Timer.Sample sample = Timer.start(registry);
    worker.inFlight = true;
    claimAndPublish(shards).onComplete(result -> {
      worker.inFlight = false;
      if (result.failed()) {
        log.warn("outbox claim failed node={} worker={} shards={} error={}", node.id(), worker.index, shards,
            String.valueOf(result.cause()));
        worker.emptyClaims = 0;
        pause(worker, FAILURE_PAUSE_MS);
        return;
      }
      int sent = result.result();
      if (sent > 0) {
        sample.stop(claimTimer);
        published.increment(sent);
        worker.emptyClaims = 0;
        log.debug("outbox batch published node={} worker={} shards={} events={}", node.id(), worker.index, shards, sent);
        vertx.runOnContext(v -> runClaims(worker));
      } else if (++worker.emptyClaims >= worker.rotation.groupCount()) {
        // A whole round over every shard found nothing: wait instead of spinning on an empty table.
        worker.emptyClaims = 0;
        pause(worker, settings.idlePollMs());
      } else {
        vertx.runOnContext(v -> runClaims(worker));
      }
    });
  }

  private void pause(Worker worker, long millis) {
    if (stopping) {
      worker.stopped.tryComplete();
      return;
    }
    worker.pauseTimer = vertx.setTimer(millis, t -> {
      worker.pauseTimer = -1;
      runClaims(worker);
    });
  }

  /** One claim; succeeds with the number of events published and marked sent. */
  private Future<Integer> claimAndPublish(List<Integer> shards) {
    return Transactions.readCommitted(mysql, conn -> conn
        // Shard numbers are our own integers, so a text query is safe and spares the prepared-statement cache.
        .query("SELECT shard FROM outbox_shard WHERE shard IN (" + join(shards) + ") FOR UPDATE SKIP LOCKED")
        .execute()
        .compose(locked -> {
          if (locked.size() == 0) {
            return Future.succeededFuture(0);
          }
          List<Integer> owned = new ArrayList<>();
          locked.forEach(row -> owned.add(row.getInteger("shard")));
          return publishUnsent(conn, owned);
        }));
  }

  private Future<Integer> publishUnsent(SqlConnection conn, List<Integer> shards) {
    int perShard = Math.max(1, settings.batchSize() / shards.size());
    List<Row> rows = new ArrayList<>();
    Future<Void> read = Future.succeededFuture();
    for (Integer shard : shards) {
      // A locking read, not a snapshot read: it sees the latest committed sent_at even if the previous owner of the
      // shard released its locks a moment before its commit became visible to new snapshots. SKIP LOCKED passes
      // over rows whose inserting transaction has not committed yet; they come in a later claim. One index range
      // per shard (sent_at IS NULL, shard, id order): no sort, however large the backlog.
      read = read.compose(x -> conn.preparedQuery(SELECT_UNSENT).execute(Tuple.of(shard, perShard))
          .map(found -> {
            found.forEach(rows::add);
            return null;
          }));
    }
    return read.compose(x -> {
      if (rows.isEmpty()) {
        return Future.succeededFuture(0);
      }
      List<Long> ids = new ArrayList<>(rows.size());
      List<ProducerRecord<String, String>> records = new ArrayList<>(rows.size());
      for (Row row : rows) {
        ids.add(row.getLong("id"));
        records.add(new ProducerRecord<>(row.getString("topic"), row.getString("message_key"),
            row.getString("envelope")));
      }
      return sendAll(records)
          .compose(allAcked -> settings.deleteSent() ? deleteSent(conn, ids) : markSent(conn, ids))
          .map(marked -> ids.size());
    });
  }

  /**
   * Hands the whole batch to the producer in one worker task and completes when every record is acknowledged (or
   * failed), back on this verticle's context: one worker hop per batch instead of one per record as with
   * vertx-kafka-client's {@code send}. The worker is needed because {@code send} blocks while topic metadata is
   * unknown or the producer's buffer is full. Waiting for every record, not just the first failure, keeps a retry of
   * this batch from overtaking a late acknowledgement.
   */
  private Future<Void> sendAll(List<ProducerRecord<String, String>> records) {
    Promise<Void> acked = Promise.promise();
    AtomicInteger pending = new AtomicInteger(records.size());
    AtomicReference<Exception> firstFailure = new AtomicReference<>();
    Callback onAck = (metadata, failure) -> {
      if (failure != null) {
        firstFailure.compareAndSet(null, failure);
      }
      if (pending.decrementAndGet() == 0) {
        context.runOnContext(v -> {
          if (firstFailure.get() == null) {
            acked.complete();
          } else {
            acked.fail(firstFailure.get());
          }
        });
      }
    };
    return vertx.executeBlocking(() -> {
      for (ProducerRecord<String, String> record : records) {
        producer.send(record, onAck);
      }
      return null;
    }, false).compose(handedOver -> acked.future());
  }

  private static Future<RowSet<Row>> markSent(SqlConnection conn, List<Long> ids) {
    return conn.query("UPDATE outbox SET sent_at = " + Times.sqlLiteral(Instant.now()) + " WHERE id IN ("
        + join(ids) + ")").execute();
  }

  /** Instead of marking: no secondary-index update per row, about 1.5x the relay throughput, no sent-row history. */
  private static Future<RowSet<Row>> deleteSent(SqlConnection conn, List<Long> ids) {
    return conn.query("DELETE FROM outbox WHERE id IN (" + join(ids) + ")").execute();
  }

  private void refreshBacklog() {
    mysql.query("SELECT COUNT(*) AS unsent, MIN(created_at) AS oldest FROM outbox WHERE sent_at IS NULL").execute()
        .onSuccess(rows -> {
          Row row = rows.iterator().next();
          backlog.set(row.getLong("unsent"));
          Instant oldest = Times.fromDb(row.getLocalDateTime("oldest"));
          oldestUnsentMillis.set(oldest == null ? 0 : oldest.toEpochMilli());
        })
        .onFailure(e -> log.warn("outbox backlog refresh failed node={} error={}", node.id(), e.toString()));
  }

  private void registerMeters() {
    registry = Meters.registry(node);
    published = Counter.builder("kilosail.relay.published").description("Outbox events published to Kafka")
        .baseUnit("events").register(registry);
    claimTimer = Timer.builder("kilosail.relay.batch").description("Claim, publish and mark sent of one batch")
        .register(registry);
    meters.add(Gauge.builder("kilosail.outbox.backlog", backlog, AtomicLong::get)
        .description("Outbox rows not yet published").baseUnit("events").register(registry));
    meters.add(Gauge.builder("kilosail.outbox.oldest.unsent.age", oldestUnsentMillis,
            oldest -> oldest.get() == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest.get()) / 1000.0)
        .description("Age of the oldest unpublished outbox row").baseUnit("seconds").register(registry));
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(metricsTimer);
    List<Future<Void>> stopped = new ArrayList<>();
    for (Worker worker : workers) {
      if (!worker.inFlight) {
        vertx.cancelTimer(worker.pauseTimer);
        worker.stopped.tryComplete();
      }
      stopped.add(worker.stopped.future());
    }
    Future<?> drained = settings.stopGraceMs() == 0
        ? Future.succeededFuture()
        : Future.join(stopped).timeout(settings.stopGraceMs(), TimeUnit.MILLISECONDS)
            .recover(timeout -> Future.succeededFuture());
    return drained.compose(x -> {
      boolean aborted = workers.stream().anyMatch(w -> w.inFlight);
      meters.forEach(registry::remove);
      log.info("outbox relay stopping node={} abortedBatches={}", node.id(), aborted);
      // A batch still in flight past the grace cannot mark its rows sent once its sends are cut short: its transaction
      // rolls back (at the latest when the launcher closes the node's MySQL pool, last) and the rows stay unsent for
      // the next claim. The pool is not closed here: other verticles of the node may still be finishing their work.
      Duration closeTimeout = Duration.ofMillis(aborted ? 0 : 5_000);
      return vertx.executeBlocking(() -> {
        producer.close(closeTimeout);
        return null;
      });
    });
  }

  private static String join(List<? extends Number> values) {
    return values.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  private static final class Worker {
    final int index;
    final ShardRotation rotation;
    final Promise<Void> stopped = Promise.promise();
    boolean inFlight;
    long pauseTimer = -1;
    int emptyClaims;

    Worker(int index, ShardRotation rotation) {
      this.index = index;
      this.rotation = rotation;
    }
  }

  /** Spreads the workers of this relay, and different relays, over different shard groups from the start. */
  private record ShardRotationStarts(String deploymentId) {
    int start(int worker) {
      return (deploymentId == null ? 0 : deploymentId.hashCode()) + worker;
    }
  }
}
