package io.kilosail.messaging;

import io.kilosail.contracts.events.Nudges;

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
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
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
 *
 * <h2>When a worker claims</h2>
 *
 * <p>Not by polling every shard all the time (an idle node used to run ~1,200 statements/s of it). A worker claims
 * <ul>
 *   <li><b>when nudged.</b> {@link Outbox#add} registers an after-commit hook on the caller's transaction
 *   ({@link io.vertx.sqlclient.Transaction#completion()}, which succeeds once MySQL acknowledged the COMMIT) that sends
 *   {@code {"shards": [...], "committed": true}} to {@link Nudges#OUTBOX}. The nudge is <em>sent</em>, not
 *   published, so one relay of the cluster takes it. The relay maps each shard to its claim group and hands the group
 *   to one worker ({@code group % workers}, so nudges for one group never race two workers of this relay). Each worker
 *   keeps a pending set of nudged groups and has at most one claim in flight: a burst of nudges coalesces into one
 *   claim per group. Because the hook fires after the commit, a nudged claim that finds nothing means the row is gone
 *   already (another worker or relay published it), with two exceptions that are retried at 5, 10, 20 and 40 ms before
 *   giving up to the idle poll: a shard of the group was locked by someone else (who may have read it before the
 *   commit), or the nudge says {@code "committed": false} (the row was added without a transaction object to wait
 *   for, so the nudge may precede its commit).</li>
 *   <li><b>after publishing.</b> A claim that published rows starts (again) a full round over every group, claiming
 *   at once; the round ends after {@code groupCount} claims in a row found nothing, as before.</li>
 *   <li><b>when the idle poll finds a row.</b> While every worker is idle, the relay runs one cheap, lock-free query,
 *   {@code SELECT 1 FROM outbox WHERE sent_at IS NULL LIMIT 1} (the sent_at index), outside any transaction. Only if it
 *   finds a row do the workers take shard locks, one full round each. Its interval starts at {@code relay.idlePollMs}
 *   after the last published batch and doubles while it finds nothing publishable, up to {@code relay.idleMaxPollMs}
 *   (1 s): that bounds the delay of a row whose nudge was lost (a node died, no relay was registered yet, a row
 *   written without {@link Outbox}).</li>
 * </ul>
 * None of this changes what is claimed or how: order and at-least-once still rest on the shard locks alone.
 */
public class OutboxRelayVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(OutboxRelayVerticle.class);
  private static final long FAILURE_PAUSE_MS = 1_000;
  /** Delays before a nudged claim that may have come too early is tried again. */
  private static final long[] NUDGE_RETRY_MS = {5, 10, 20, 40};
  /** Is there anything to publish at all? A consistent read on the sent_at index: no locks, no transaction. */
  private static final String ANY_UNSENT = "SELECT 1 FROM outbox WHERE sent_at IS NULL LIMIT 1";

  /** The committed unsent rows of one shard, oldest first: a consistent read, which neither takes nor waits for locks. */
  private static final String SELECT_UNSENT_IDS = "SELECT id FROM outbox WHERE sent_at IS NULL AND shard = ?"
      + " ORDER BY id LIMIT ?";

  private NodeConfig node;
  private RelaySettings settings;
  private Pool mysql;
  private Context context;
  private Producer<String, String> producer;
  private final List<Worker> workers = new ArrayList<>();
  private ShardRotation layout;
  private MessageConsumer<JsonObject> nudges;
  private long idlePollTimer = -1;
  private long idlePollDelayMs;
  private boolean stopping;

  private MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private Counter published;
  private Counter nudgesReceived;
  private Counter idlePolls;
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

    layout = new ShardRotation(OutboxShards.COUNT, settings.shardsPerClaim(), 0);
    ShardRotationStarts starts = new ShardRotationStarts(deploymentID());
    for (int i = 0; i < settings.workers(); i++) {
      Worker worker = new Worker(i, new ShardRotation(OutboxShards.COUNT, settings.shardsPerClaim(), starts.start(i)));
      workers.add(worker);
    }
    nudges = vertx.eventBus().consumer(Nudges.OUTBOX, this::onNudge);
    return nudges.completion().onSuccess(registered -> {
      for (Worker worker : workers) {
        // A first full round each: whatever was left unsent while no relay ran.
        worker.roundRemaining = worker.rotation.groupCount();
        wake(worker);
      }
      idlePollDelayMs = settings.idlePollMs();
      scheduleIdlePoll();
      metricsTimer = vertx.setPeriodic(1, settings.metricsIntervalMs(), t -> refreshBacklog());
      log.info("outbox relay started node={} workers={} batchSize={} shardsPerClaim={} idlePollMs={} idleMaxPollMs={}"
              + " lingerMs={} batchBytes={}", node.id(), settings.workers(), settings.batchSize(),
          settings.shardsPerClaim(), settings.idlePollMs(), settings.idleMaxPollMs(), settings.lingerMs(),
          settings.batchBytes());
    }).onFailure(notRegistered -> vertx.executeBlocking(() -> {
      producer.close(Duration.ZERO);
      return null;
    }));
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

  private void onNudge(Message<JsonObject> message) {
    if (stopping) {
      return;
    }
    nudgesReceived.increment();
    JsonObject body = message.body();
    boolean committed = body.getBoolean("committed", false);
    JsonArray shards = body.getJsonArray("shards", new JsonArray());
    for (int i = 0; i < shards.size(); i++) {
      Integer shard = shards.getInteger(i);
      if (shard != null && shard >= 0 && shard < OutboxShards.COUNT) {
        nudge(layout.groupOf(shard), new Nudge(0, committed));
      }
    }
  }

  /** Adds {@code group} to its worker's pending set (merging with a nudge already pending) and wakes the worker. */
  private void nudge(int group, Nudge nudge) {
    if (stopping) {
      return;
    }
    Worker worker = workers.get(group % workers.size());
    worker.nudged.merge(group, nudge, Nudge::merge);
    wake(worker);
  }

  /** Starts an idle worker's claims; a worker already at work (or pausing after a failure) picks its work up itself. */
  private void wake(Worker worker) {
    if (worker.active || stopping) {
      return;
    }
    worker.active = true;
    vertx.runOnContext(v -> runClaims(worker));
  }

  /** Claims for {@code worker} until it has nothing left to do: no pending nudge, no full round under way. */
  private void runClaims(Worker worker) {
    if (stopping) {
      worker.active = false;
      worker.stopped.tryComplete();
      return;
    }
    Claim claim = worker.nextClaim();
    if (claim == null) {
      // Idle until a nudge or the idle poll wakes it.
      worker.active = false;
      return;
    }
    Timer.Sample sample = Timer.start(registry);
    worker.inFlight = true;
    claimAndPublish(claim.shards()).onComplete(result -> {
      worker.inFlight = false;
      if (result.failed()) {
        log.warn("outbox claim failed node={} worker={} shards={} error={}", node.id(), worker.index, claim.shards(),
            String.valueOf(result.cause()));
        // After the pause a full round, which covers a nudged group whose claim failed.
        worker.roundRemaining = worker.rotation.groupCount();
        pause(worker, FAILURE_PAUSE_MS);
        return;
      }
      ClaimResult claimed = result.result();
      if (claimed.sent() > 0) {
        sample.stop(claimTimer);
        published.increment(claimed.sent());
        log.debug("outbox batch published node={} worker={} shards={} events={}", node.id(), worker.index,
            claim.shards(), claimed.sent());
        // More may be waiting, here or elsewhere: a full round, claiming at once; and a quick idle poll afterwards.
        worker.roundRemaining = worker.rotation.groupCount();
        idlePollDelayMs = settings.idlePollMs();
      } else if (claim.nudge() != null && (claimed.skippedShards() || !claim.nudge().committed())
          && claim.nudge().attempt() < NUDGE_RETRY_MS.length) {
        // The nudge may have overtaken its commit, or a shard was held by a claim that may have read before the
        // commit: try this group again shortly.
        int group = claim.group();
        Nudge again = new Nudge(claim.nudge().attempt() + 1, claim.nudge().committed());
        vertx.setTimer(NUDGE_RETRY_MS[claim.nudge().attempt()], t -> nudge(group, again));
      }
      vertx.runOnContext(v -> runClaims(worker));
    });
  }

  private void pause(Worker worker, long millis) {
    if (stopping) {
      worker.active = false;
      worker.stopped.tryComplete();
      return;
    }
    worker.pauseTimer = vertx.setTimer(millis, t -> {
      worker.pauseTimer = -1;
      runClaims(worker);
    });
  }

  private void scheduleIdlePoll() {
    if (!stopping) {
      idlePollTimer = vertx.setTimer(idlePollDelayMs, t -> idlePoll());
    }
  }

  /**
   * While every worker is idle: one lock-free look for any unsent row; only if there is one, a full round per worker.
   * The interval doubles each time up to {@code idleMaxPollMs}; a published batch brings it back to {@code idlePollMs}.
   */
  private void idlePoll() {
    idlePollTimer = -1;
    if (stopping) {
      return;
    }
    if (workers.stream().anyMatch(w -> w.active)) {
      // A worker at work ends with a full round over every shard anyway.
      scheduleIdlePoll();
      return;
    }
    idlePolls.increment();
    mysql.query(ANY_UNSENT).execute().onComplete(result -> {
      if (result.failed()) {
        log.warn("outbox idle poll failed node={} error={}", node.id(), String.valueOf(result.cause()));
      } else if (result.result().size() > 0) {
        for (Worker worker : workers) {
          worker.roundRemaining = worker.rotation.groupCount();
          wake(worker);
        }
      }
      idlePollDelayMs = Math.min(idlePollDelayMs * 2, settings.idleMaxPollMs());
      scheduleIdlePoll();
    });
  }

  /** One claim; succeeds with the number of events published and marked sent, and whether a shard was skipped. */
  private Future<ClaimResult> claimAndPublish(List<Integer> shards) {
    return Transactions.readCommitted(mysql, conn -> conn
        // Shard numbers are our own integers, so a text query is safe and spares the prepared-statement cache.
        .query("SELECT shard FROM outbox_shard WHERE shard IN (" + join(shards) + ") FOR UPDATE SKIP LOCKED")
        .execute()
        .compose(locked -> {
          boolean skipped = locked.size() < shards.size();
          if (locked.size() == 0) {
            return Future.succeededFuture(new ClaimResult(0, skipped));
          }
          List<Integer> owned = new ArrayList<>();
          locked.forEach(row -> owned.add(row.getInteger("shard")));
          return publishUnsent(conn, owned).map(sent -> new ClaimResult(sent, skipped));
        }));
  }

  /**
   * Publishes the claimed shards' committed unsent rows in id order. Two reads, because a locking read with SKIP LOCKED
   * alone would also skip a committed row that a third party holds for a moment (a scan of another shard passing over
   * it, an operator's query) and publish the aggregate's next event before it. The consistent read lists what is
   * committed and unsent; the locking read by primary key then waits for any such holder and re-reads {@code sent_at}
   * as last committed, so a row the shard's previous owner marked sent a moment before is left out, not sent twice.
   * Rows whose inserting transaction has not committed are invisible to the first read; they come in a later claim.
   */
  private Future<Integer> publishUnsent(SqlConnection conn, List<Integer> shards) {
    int perShard = Math.max(1, settings.batchSize() / shards.size());
    List<Long> candidates = new ArrayList<>();
    Future<Void> listed = Future.succeededFuture();
    for (Integer shard : shards) {
      // One index range per shard (sent_at IS NULL, shard, id order): no sort, however large the backlog.
      listed = listed.compose(x -> conn.preparedQuery(SELECT_UNSENT_IDS).execute(Tuple.of(shard, perShard))
          .map(found -> {
            found.forEach(row -> candidates.add(row.getLong("id")));
            return null;
          }));
    }
    return listed.compose(x -> candidates.isEmpty()
        ? Future.succeededFuture(0)
        // Ids are our own longs, so a text query is safe and spares the prepared-statement cache.
        : conn.query("SELECT id, topic, message_key, envelope FROM outbox WHERE id IN (" + join(candidates)
            + ") AND sent_at IS NULL ORDER BY id FOR UPDATE").execute().compose(rows -> publishAndMark(conn, rows)));
  }

  private Future<Integer> publishAndMark(SqlConnection conn, RowSet<Row> rows) {
    if (rows.size() == 0) {
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
    nudgesReceived = Counter.builder("kilosail.relay.nudges")
        .description("Nudges received from committed outbox writes (" + Nudges.OUTBOX + ")").register(registry);
    idlePolls = Counter.builder("kilosail.relay.idle.polls")
        .description("Lock-free looks for unsent rows while every relay worker was idle").register(registry);
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
    vertx.cancelTimer(idlePollTimer);
    Future<Void> unregistered = nudges == null ? Future.succeededFuture() : nudges.unregister();
    List<Future<Void>> stopped = new ArrayList<>();
    for (Worker worker : workers) {
      if (!worker.inFlight) {
        vertx.cancelTimer(worker.pauseTimer);
        worker.active = false;
        worker.stopped.tryComplete();
      }
      stopped.add(worker.stopped.future());
    }
    Future<?> drained = settings.stopGraceMs() == 0
        ? unregistered.recover(e -> Future.succeededFuture())
        : Future.join(unregistered.recover(e -> Future.succeededFuture()), Future.join(stopped)).timeout(settings.stopGraceMs(), TimeUnit.MILLISECONDS)
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
    /** Nudged groups not claimed yet, oldest first: the pending flags that coalesce a burst of nudges. */
    final Map<Integer, Nudge> nudged = new LinkedHashMap<>();
    /** Claiming, about to, or pausing after a failure; false only while waiting for a nudge or the idle poll. */
    boolean active;
    boolean inFlight;
    long pauseTimer = -1;
    /** Claims left in the current round over every group; a claim that publishes refills it. */
    int roundRemaining;

    Worker(int index, ShardRotation rotation) {
      this.index = index;
      this.rotation = rotation;
    }

    /** Nudged groups first, then the round; null when there is nothing to do. */
    Claim nextClaim() {
      Iterator<Map.Entry<Integer, Nudge>> pending = nudged.entrySet().iterator();
      if (pending.hasNext()) {
        Map.Entry<Integer, Nudge> first = pending.next();
        pending.remove();
        return new Claim(rotation.group(first.getKey()), first.getKey(), first.getValue());
      }
      if (roundRemaining > 0) {
        roundRemaining--;
        return new Claim(rotation.next(), -1, null);
      }
      return null;
    }
  }

  /** A nudge for one group: how often it was retried, and whether its sender waited for the commit. */
  private record Nudge(int attempt, boolean committed) {
    static Nudge merge(Nudge a, Nudge b) {
      return new Nudge(Math.min(a.attempt, b.attempt), a.committed && b.committed);
    }
  }

  /** The shards one claim tries to lock; {@code group} and {@code nudge} only for a nudged claim. */
  private record Claim(List<Integer> shards, int group, Nudge nudge) {
  }

  private record ClaimResult(int sent, boolean skippedShards) {
  }

  /** Spreads the workers of this relay, and different relays, over different shard groups from the start. */
  private record ShardRotationStarts(String deploymentId) {
    int start(int worker) {
      return (deploymentId == null ? 0 : deploymentId.hashCode()) + worker;
    }
  }
}
