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
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.mysqlclient.MySQLException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Kafka consumer whose handler takes effect exactly once per (consumer group, message id).
 *
 * <ul>
 *   <li>The handler's effect and an {@code inbox} insert run in one MySQL transaction; a redelivered record hits the
 *   inbox key, is acknowledged and skipped.</li>
 *   <li>Records of one key (one aggregate) are handled one after the other, in offset order; up to
 *   {@code keyParallelism} keys of a partition, and all partitions, run in parallel ({@code oneAtATime()} for strict
 *   partition order).</li>
 *   <li>Offsets are committed only below the lowest record not yet done: a record is done once its transaction
 *   committed (or it was a duplicate, of a type this consumer ignores, or dead-lettered).</li>
 *   <li>Backpressure: a partition with {@code maxQueuedPerPartition} records waiting is paused; with
 *   {@code maxInFlight} records in flight overall the whole consumer stops fetching.</li>
 *   <li>A record that fails {@code maxAttempts} times (or cannot be decoded) goes to {@code topic + deadLetterSuffix}
 *   with the error in its headers and a row in {@code dead_letter}; never silently dropped.</li>
 * </ul>
 *
 * <p>Attempt counts live in memory: after a restart a failing record gets {@code maxAttempts} fresh attempts. Only a
 * failure of the record itself spends an attempt: an infrastructure failure (MySQL or a service unreachable, a pool
 * closed, a call unanswered; see {@link InfrastructureFailures}) is retried with backoff for as long as it lasts.
 *
 * <p>Rebalancing is cooperative (see {@link Clients#kafkaConsumerGroup}): a partition gets a fresh lane when it is
 * assigned and loses it when it is revoked, each listed on its own; records the stream still delivers for a partition
 * this member no longer owns are dropped, so their offsets are never committed over the new owner's.
 *
 * <p>{@link #stop()} is an orderly hand-over: nothing new starts, records waiting for a retry and those not started are
 * handed back (their offsets stay uncommitted), running ones finish within {@code stopGraceMs}, what was applied is
 * committed, and closing the consumer leaves the group so the partitions move at once. A failure while stopping is
 * never counted as an attempt and never dead-lettered: the node stopping is not the record's fault.
 */
public final class IdempotentConsumer {

  private static final Logger log = LoggerFactory.getLogger(IdempotentConsumer.class);
  private static final int DUPLICATE_KEY = 1062;
  private static final String INSERT_INBOX = "INSERT INTO inbox (consumer_group, message_id, topic, kafka_partition,"
      + " kafka_offset, outcome, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
  private static final String INSERT_DEAD_LETTER = "INSERT INTO dead_letter (consumer_group, message_id, topic,"
      + " kafka_partition, kafka_offset, dead_letter_topic, attempts, error, dead_lettered_at)"
      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

  /** The effect of one message, run inside the transaction that also records it in the inbox. */
  @FunctionalInterface
  public interface Handler {
    Future<Void> handle(SqlConnection conn, Envelope envelope);
  }

  /**
   * An effect that is idempotent by itself (starting a saga per business key, signalling a saga guarded by its
   * version): it runs outside any transaction of this consumer, so no MySQL connection is held while it waits on
   * another service, and the inbox row is written after it, as the record that it was applied.
   */
  @FunctionalInterface
  public interface IdempotentEffect {
    Future<Void> apply(Envelope envelope);
  }

  private enum Outcome { APPLIED, DUPLICATE, DEAD_LETTERED, IGNORED }

  private final Vertx vertx;
  private final Pool mysql;
  private final ConsumerSettings settings;
  private final Handler handler;
  private final IdempotentEffect effect;
  private final NodeConfig node;
  private final KafkaConsumer<String, String> consumer;
  private final KafkaProducer<String, String> deadLetters;
  private final Map<TopicPartition, Lane> lanes = new HashMap<>();
  private int inFlight;
  private boolean fetchingPaused;
  private boolean stopping;
  private boolean closed;
  /** Records waiting out a retry backoff: stop() hands them back at once instead of waiting for their timers. */
  private final Set<Promise<Void>> waitingRetries = new HashSet<>();
  private long commitTimer = -1;
  private long lagTimer = -1;

  private final MeterRegistry registry;
  private final Counter applied;
  private final Counter duplicatesSkipped;
  private final Counter deadLettered;
  private final Counter retries;
  private final Counter infrastructureRetries;
  private final Counter ignored;
  private final AtomicLong lag = new AtomicLong();
  private final Meter lagGauge;

  private IdempotentConsumer(Vertx vertx, Pool mysql, InfraSettings infra, NodeConfig node, ConsumerSettings settings,
                             Handler handler, IdempotentEffect effect) {
    this.vertx = vertx;
    this.mysql = mysql;
    this.settings = settings;
    this.handler = handler;
    this.effect = effect;
    this.node = node;
    Map<String, String> consumerConfig = Clients.kafkaConsumerGroup(infra, settings.group());
    consumerConfig.put("enable.auto.commit", "false");
    consumerConfig.put("auto.offset.reset", "earliest");
    // Bounds what one poll can add beyond the in-flight limit.
    consumerConfig.put("max.poll.records", String.valueOf(Math.min(500, settings.maxInFlight())));
    consumer = KafkaConsumer.create(vertx, consumerConfig, String.class, String.class);
    Map<String, String> producerConfig = Clients.kafkaCommon(infra);
    producerConfig.put("acks", "all");
    producerConfig.put("enable.idempotence", "true");
    deadLetters = KafkaProducer.create(vertx, producerConfig, String.class, String.class);

    registry = Meters.registry(node);
    Tags group = Tags.of("group", settings.group());
    applied = Counter.builder("kilosail.consumer.applied").tags(group).register(registry);
    duplicatesSkipped = Counter.builder("kilosail.consumer.duplicates.skipped").tags(group)
        .description("Records already in the inbox, acknowledged without effect").register(registry);
    deadLettered = Counter.builder("kilosail.consumer.dead.lettered").tags(group)
        .description("Records sent to the dead-letter topic").register(registry);
    retries = Counter.builder("kilosail.consumer.retries").tags(group).register(registry);
    infrastructureRetries = Counter.builder("kilosail.consumer.infrastructure.retries").tags(group)
        .description("Attempts failed by MySQL or a service being unreachable, retried without spending the record's"
            + " attempts").register(registry);
    ignored = Counter.builder("kilosail.consumer.ignored").tags(group)
        .description("Records of types this consumer does not act on, acknowledged without a transaction")
        .register(registry);
    lagGauge = Gauge.builder("kilosail.consumer.lag", lag, AtomicLong::get).tags(group)
        .description("Records in assigned partitions not yet applied").baseUnit("records").register(registry);
  }

  /** Creates the consumer; call {@link #start()} to subscribe. Use it from a verticle, on that verticle's context. */
  public static IdempotentConsumer create(Vertx vertx, Pool mysql, InfraSettings infra, NodeConfig node,
                                          ConsumerSettings settings, Handler handler) {
    return new IdempotentConsumer(vertx, mysql, infra, node, settings, handler, null);
  }

  /**
   * Creates a consumer whose effect is idempotent by itself (see {@link IdempotentEffect}); everything else (order per
   * partition, bounded in-flight records, retries, dead letters, offsets after the effect) is as for a handler.
   */
  public static IdempotentConsumer create(Vertx vertx, Pool mysql, InfraSettings infra, NodeConfig node,
                                          ConsumerSettings settings, IdempotentEffect effect) {
    return new IdempotentConsumer(vertx, mysql, infra, node, settings, null, effect);
  }

  public Future<Void> start() {
    consumer.handler(this::receive);
    consumer.exceptionHandler(e -> log.warn("consumer error group={} error={}", settings.group(), e.toString()));
    consumer.partitionsAssignedHandler(this::assigned);
    consumer.partitionsRevokedHandler(this::revoked);
    commitTimer = vertx.setPeriodic(settings.commitIntervalMs(), t -> commitApplied());
    lagTimer = vertx.setPeriodic(settings.lagIntervalMs(), t -> refreshLag());
    return consumer.subscribe(new HashSet<>(settings.topics()))
        .onSuccess(x -> log.info("idempotent consumer started group={} topics={} maxInFlight={} maxAttempts={}",
            settings.group(), settings.topics(), settings.maxInFlight(), settings.maxAttempts()));
  }

  private void receive(KafkaConsumerRecord<String, String> record) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    Lane lane = lanes.get(partition);
    if (lane == null || stopping) {
      // Fetched before its partition was revoked (the stream delivers what it had buffered), or arriving while
      // stopping: the partition's owner reads it from the committed offset.
      return;
    }
    lane.received(record.offset());
    lane.queue.add(record);
    inFlight++;
    if (lane.queue.size() >= settings.maxQueuedPerPartition() && !lane.paused) {
      lane.paused = true;
      consumer.pause(partition);
    }
    if (inFlight >= settings.maxInFlight() && !fetchingPaused) {
      fetchingPaused = true;
      consumer.pause();
    }
    drain(lane);
  }

  /**
   * Starts the queued records that may run now: up to {@code keyParallelism} of the partition at once, never two of one
   * key, and never a record before an earlier one of its key, so each aggregate's records are applied in order.
   */
  private void drain(Lane lane) {
    if (stopping) {
      return;
    }
    // A record may complete at once (an ignored type, a duplicate) and call back in here: note it and go round again
    // rather than change the queue under the loop below.
    if (lane.draining) {
      lane.drainAgain = true;
      return;
    }
    lane.draining = true;
    try {
      do {
        lane.drainAgain = false;
        List<KafkaConsumerRecord<String, String>> startable = new ArrayList<>();
        Set<String> waitingKeys = new HashSet<>();
        Iterator<KafkaConsumerRecord<String, String>> queued = lane.queue.iterator();
        while (queued.hasNext() && lane.runningKeys.size() < settings.keyParallelism()) {
          KafkaConsumerRecord<String, String> record = queued.next();
          String key = keyOf(record);
          if (lane.runningKeys.contains(key) || !waitingKeys.add(key)) {
            waitingKeys.add(key);
            continue;
          }
          queued.remove();
          lane.runningKeys.add(key);
          startable.add(record);
        }
        startable.forEach(record -> start(lane, record, keyOf(record)));
      } while (lane.drainAgain && !stopping);
    } finally {
      lane.draining = false;
    }
  }

  /** Runs one record whose key {@link #drain} has reserved in {@code lane.runningKeys}. */
  private void start(Lane lane, KafkaConsumerRecord<String, String> record, String key) {
    process(record, 1, 0).onComplete(done -> {
      lane.runningKeys.remove(key);
      inFlight--;
      // process() only fails when stopping; then the offset stays outstanding, uncommitted, and the record comes again.
      if (done.succeeded()) {
        lane.done(record.offset());
      }
      if (lane.paused && lane.queue.isEmpty() && !lane.revoked && !stopping) {
        lane.paused = false;
        consumer.resume(lane.partition);
      }
      if (fetchingPaused && inFlight <= settings.maxInFlight() / 2 && !stopping) {
        fetchingPaused = false;
        consumer.resume();
      }
      drain(lane);
    });
  }

  private static String keyOf(KafkaConsumerRecord<String, String> record) {
    return record.key() == null ? "" : record.key();
  }

  /**
   * One try of a record: {@code attempt} counts the tries its own failures used up, {@code infrastructureFailures} the
   * consecutive ones the infrastructure caused (they only lengthen the backoff). Fails only when the consumer is
   * stopping: the record is then handed back, neither done nor dead-lettered.
   */
  private Future<Outcome> process(KafkaConsumerRecord<String, String> record, int attempt,
                                  int infrastructureFailures) {
    Envelope envelope;
    try {
      envelope = EnvelopeCodec.decode(record.value());
    } catch (EnvelopeCodec.MalformedEnvelopeException e) {
      return deadLetter(record, null, attempt, e);
    }
    if (!settings.actsOn(envelope.type())) {
      ignored.increment();
      return Future.succeededFuture(Outcome.IGNORED);
    }
    return applyOnce(record, envelope).recover(failure -> {
      if (stopping) {
        return handBack(record, failure);
      }
      if (InfrastructureFailures.isInfrastructure(failure)) {
        infrastructureRetries.increment();
        long delay = settings.retryBackoff().delayAfter(infrastructureFailures + 1);
        log.warn("message not applied, infrastructure failing group={} messageId={} type={} attempt={} retryInMs={}"
            + " error={}", settings.group(), envelope.id(), envelope.type(), attempt, delay, String.valueOf(failure));
        return retryAfter(delay).compose(x -> process(record, attempt, infrastructureFailures + 1));
      }
      if (attempt >= settings.maxAttempts()) {
        return deadLetter(record, envelope, attempt, failure);
      }
      retries.increment();
      long delay = settings.retryBackoff().delayAfter(attempt);
      log.warn("message failed group={} messageId={} type={} attempt={} retryInMs={} error={}", settings.group(),
          envelope.id(), envelope.type(), attempt, delay, String.valueOf(failure));
      return retryAfter(delay).compose(x -> process(record, attempt + 1, 0));
    });
  }

  /** Completes after {@code delayMs}, or fails at once when the consumer starts stopping. */
  private Future<Void> retryAfter(long delayMs) {
    Promise<Void> due = Promise.promise();
    waitingRetries.add(due);
    long timer = vertx.setTimer(delayMs, t -> {
      waitingRetries.remove(due);
      due.tryComplete();
    });
    return due.future().onFailure(stopped -> vertx.cancelTimer(timer));
  }

  /** The record is left uncommitted for the partition's next owner: a node stopping is not the record's failure. */
  private Future<Outcome> handBack(KafkaConsumerRecord<String, String> record, Throwable failure) {
    log.info("message handed back, consumer stopping group={} source={}/{}/{} lastError={}", settings.group(),
        record.topic(), record.partition(), record.offset(), String.valueOf(failure));
    return Future.failedFuture(new IllegalStateException("consumer stopping", failure));
  }

  private Future<Outcome> applyOnce(KafkaConsumerRecord<String, String> record, Envelope envelope) {
    Future<Outcome> done = effect != null
        ? effect.apply(envelope).compose(x -> mysql.preparedQuery(INSERT_INBOX)
            .execute(inboxRow(record, envelope, Outcome.APPLIED)).map(Outcome.APPLIED))
        : mysql.withTransaction(conn -> conn.preparedQuery(INSERT_INBOX)
            .execute(inboxRow(record, envelope, Outcome.APPLIED))
            .compose(inserted -> handler.handle(conn, envelope).map(Outcome.APPLIED)));
    return done
        .recover(failure -> isDuplicateKey(failure)
            ? Future.succeededFuture(Outcome.DUPLICATE)
            : Future.failedFuture(failure))
        .onSuccess(outcome -> {
          if (outcome == Outcome.DUPLICATE) {
            duplicatesSkipped.increment();
            log.debug("duplicate skipped group={} messageId={}", settings.group(), envelope.id());
          } else {
            applied.increment();
          }
        });
  }

  /**
   * Publishes the record to the dead-letter topic, then records it (and, when its id is known, marks it done in the
   * inbox). Retries until both worked: the offset must not move past a record that is neither applied nor parked.
   */
  private Future<Outcome> deadLetter(KafkaConsumerRecord<String, String> record, Envelope envelope, int attempts,
                                     Throwable error) {
    if (stopping) {
      return handBack(record, error);
    }
    String topic = record.topic() + settings.deadLetterSuffix();
    String reason = String.valueOf(error);
    String shortReason = reason.length() > 2000 ? reason.substring(0, 2000) : reason;
    KafkaProducerRecord<String, String> parked = KafkaProducerRecord.create(topic, record.key(), record.value())
        .addHeader("kilosail.error", shortReason)
        .addHeader("kilosail.attempts", String.valueOf(attempts))
        .addHeader("kilosail.consumerGroup", settings.group())
        .addHeader("kilosail.source", record.topic() + "/" + record.partition() + "/" + record.offset());
    return deadLetters.send(parked)
        .compose(sent -> mysql.withTransaction(conn -> conn.preparedQuery(INSERT_DEAD_LETTER)
            .execute(Tuple.of(settings.group(), envelope == null ? null : envelope.id(), record.topic(),
                record.partition(), record.offset(), topic, attempts, shortReason, Times.toDb(Instant.now())))
            .compose(x -> envelope == null
                ? Future.succeededFuture()
                : conn.preparedQuery(INSERT_INBOX).execute(inboxRow(record, envelope, Outcome.DEAD_LETTERED))
                    .recover(e -> isDuplicateKey(e) ? Future.succeededFuture() : Future.failedFuture(e)))))
        .map(Outcome.DEAD_LETTERED)
        .onSuccess(x -> {
          deadLettered.increment();
          log.warn("message dead-lettered group={} messageId={} source={}/{}/{} deadLetterTopic={} attempts={} error={}",
              settings.group(), envelope == null ? "?" : envelope.id(), record.topic(), record.partition(),
              record.offset(), topic, attempts, shortReason);
        })
        .recover(failure -> {
          if (stopping) {
            return Future.failedFuture(failure);
          }
          log.warn("dead-lettering failed, retrying group={} source={}/{}/{} error={}", settings.group(),
              record.topic(), record.partition(), record.offset(), failure.toString());
          return retryAfter(settings.retryBackoff().maxMs())
              .compose(x -> deadLetter(record, envelope, attempts, error));
        });
  }

  private Tuple inboxRow(KafkaConsumerRecord<String, String> record, Envelope envelope, Outcome outcome) {
    return Tuple.of(settings.group(), envelope.id(), record.topic(), record.partition(), record.offset(),
        outcome.name(), Times.toDb(Instant.now()));
  }

  private static boolean isDuplicateKey(Throwable failure) {
    return failure instanceof MySQLException e && e.getErrorCode() == DUPLICATE_KEY;
  }

  private Future<Void> commitApplied() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    lanes.values().forEach(lane -> {
      if (!lane.revoked && lane.applied > lane.committed) {
        offsets.put(lane.partition, new OffsetAndMetadata(lane.applied, ""));
      }
    });
    if (offsets.isEmpty()) {
      return Future.succeededFuture();
    }
    return consumer.commit(offsets)
        .onSuccess(done -> offsets.forEach((partition, offset) -> {
          Lane lane = lanes.get(partition);
          if (lane != null) {
            lane.committed = Math.max(lane.committed, offset.getOffset());
          }
        }))
        .onFailure(e -> log.warn("offset commit failed group={} error={}", settings.group(), e.toString()))
        .mapEmpty();
  }

  /**
   * Under cooperative rebalancing only the partitions newly given to this member are listed. Each starts with a fresh
   * lane: a lane left from an earlier ownership (revoked, then given back) may still have records running, which finish
   * into the inbox and are skipped when read again from the committed offset.
   */
  private void assigned(Set<TopicPartition> partitions) {
    if (closed) {
      return;
    }
    for (TopicPartition partition : partitions) {
      Lane stale = lanes.put(partition, new Lane(partition));
      if (stale != null) {
        stale.revoked = true;
        inFlight -= stale.queue.size();
        stale.queue.clear();
      }
    }
  }

  /**
   * Only the partitions taken from this member are listed (cooperative rebalancing); the others keep going. The
   * listener runs after the Kafka client has already let go of them (vertx-kafka-client calls it asynchronously), so
   * the commit below may be refused; the next owner then reads from the last commit and the inbox skips what was
   * applied.
   */
  private void revoked(Set<TopicPartition> partitions) {
    if (closed) {
      return;
    }
    // Commit what is applied while we still own it; records queued behind go to the partition's next owner, and a
    // handler still running finishes into the inbox, so the next owner skips it.
    commitApplied();
    for (TopicPartition partition : partitions) {
      Lane lane = lanes.remove(partition);
      if (lane != null) {
        lane.revoked = true;
        // Records already running finish into the inbox (the next owner skips them); queued ones are its to handle.
        inFlight -= lane.queue.size();
        lane.queue.clear();
      }
    }
  }

  private void refreshLag() {
    consumer.assignment()
        .compose(assigned -> assigned.isEmpty()
            ? Future.succeededFuture(Map.<TopicPartition, Long>of())
            : consumer.endOffsets(assigned))
        .onSuccess(ends -> {
          long total = 0;
          for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            Lane lane = lanes.get(end.getKey());
            long done = lane == null ? -1 : lane.applied;
            if (done >= 0) {
              total += Math.max(0, end.getValue() - done);
            }
          }
          lag.set(total);
        })
        .onFailure(e -> log.debug("lag refresh failed group={} error={}", settings.group(), e.toString()));
  }

  /**
   * Hands the partitions over in order: stops fetching and starting records, hands back those not started and those
   * waiting for a retry, lets running ones finish for up to {@code stopGraceMs}, commits what was applied, then closes
   * (leaving the group, so the partitions move at once). Does not touch the MySQL pool: it is the node's, closed last.
   */
  public Future<Void> stop() {
    stopping = true;
    vertx.cancelTimer(commitTimer);
    vertx.cancelTimer(lagTimer);
    consumer.pause();
    new ArrayList<>(waitingRetries).forEach(retry -> retry.tryFail("consumer stopping"));
    waitingRetries.clear();
    lanes.values().forEach(lane -> {
      inFlight -= lane.queue.size();
      lane.queue.clear();
    });
    Promise<Void> idle = Promise.promise();
    waitIdle(idle, System.currentTimeMillis() + settings.stopGraceMs());
    return idle.future()
        .compose(x -> commitApplied())
        .eventually(() -> {
          closed = true;
          return Future.join(consumer.close(), deadLetters.close());
        })
        .andThen(x -> {
          registry.remove(lagGauge);
          log.info("idempotent consumer stopped group={} node={} handedBack={}", settings.group(), node.id(),
              lanes.values().stream().mapToLong(lane -> lane.outstanding.size()).sum());
        })
        .mapEmpty();
  }

  private void waitIdle(Promise<Void> idle, long deadline) {
    boolean running = lanes.values().stream().anyMatch(lane -> !lane.runningKeys.isEmpty());
    if (!running || System.currentTimeMillis() >= deadline) {
      // Records still running past the grace finish into the inbox (or not); their offsets stay uncommitted.
      idle.complete();
    } else {
      vertx.setTimer(20, t -> waitIdle(idle, deadline));
    }
  }

  /**
   * One partition's records: the queue of those not started, the keys running, and the offsets not yet done, whose
   * lowest bounds what may be committed (a record done out of offset order never lets the offset pass an earlier one
   * still running).
   */
  private static final class Lane {
    final TopicPartition partition;
    final ArrayDeque<KafkaConsumerRecord<String, String>> queue = new ArrayDeque<>();
    final Set<String> runningKeys = new HashSet<>();
    final TreeSet<Long> outstanding = new TreeSet<>();
    long nextOffset = -1;
    boolean paused;
    boolean revoked;
    boolean draining;
    boolean drainAgain;
    /** Next offset to commit: everything below is applied, duplicate, ignored or dead-lettered. */
    long applied = -1;
    long committed = -1;

    Lane(TopicPartition partition) {
      this.partition = partition;
    }

    void received(long offset) {
      outstanding.add(offset);
      nextOffset = Math.max(nextOffset, offset + 1);
    }

    void done(long offset) {
      outstanding.remove(offset);
      applied = outstanding.isEmpty() ? nextOffset : outstanding.first();
    }
  }
}
