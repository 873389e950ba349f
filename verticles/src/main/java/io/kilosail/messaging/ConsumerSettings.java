package io.kilosail.messaging;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How an {@link IdempotentConsumer} reads.
 *
 * @param group              Kafka consumer group, also the inbox's de-duplication scope
 * @param topics             topics to subscribe to
 * @param maxInFlight        records received but not yet committed to MySQL, over all partitions; above it the
 *                           consumer stops fetching
 * @param maxQueuedPerPartition records waiting behind one partition's running handler before that partition is paused
 * @param maxAttempts        attempts before a record goes to the dead-letter topic
 * @param retryBackoff       backoff between attempts
 * @param deadLetterSuffix   the dead-letter topic is the record's topic plus this suffix
 * @param commitIntervalMs   how often applied offsets are committed to Kafka
 * @param lagIntervalMs      how often the lag gauge is refreshed
 * @param keyParallelism     records of one partition handled at once, never two of one key (aggregate) together
 * @param types              the envelope types this consumer acts on (empty: all); any other record is acknowledged
 *                           without a transaction or an inbox row, since it would change nothing
 * @param stopGraceMs        how long {@code stop()} lets records already running finish before it closes the consumer
 */
public record ConsumerSettings(String group, List<String> topics, int maxInFlight, int maxQueuedPerPartition,
                               int maxAttempts, Backoff retryBackoff, String deadLetterSuffix, int commitIntervalMs,
                               int lagIntervalMs, int keyParallelism, Set<String> types, int stopGraceMs) {

  public ConsumerSettings {
    Objects.requireNonNull(group, "group");
    if (group.length() > 191) {
      throw new IllegalArgumentException("group longer than 191 characters");
    }
    topics = List.copyOf(topics);
    types = Set.copyOf(types);
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("at least one topic");
    }
    if (maxInFlight < 1 || maxQueuedPerPartition < 1 || maxAttempts < 1 || keyParallelism < 1) {
      throw new IllegalArgumentException(
          "maxInFlight, maxQueuedPerPartition, maxAttempts and keyParallelism must be positive");
    }
    if (stopGraceMs < 0) {
      throw new IllegalArgumentException("stopGraceMs must not be negative");
    }
  }

  /**
   * Defaults: 256 in flight, 64 queued per partition, up to 4 keys of a partition at once, 5 attempts 100 ms..5 s
   * apart, "{topic}.dlt", commit every 200 ms, 5 s for running records to finish on stop.
   */
  public static ConsumerSettings of(String group, String... topics) {
    return new ConsumerSettings(group, List.of(topics), 256, 64, 5, new Backoff(100, 5_000), ".dlt", 200, 5_000,
        4, Set.of(), 5_000);
  }

  /** Acts only on these envelope types; others are acknowledged without effect (and without a MySQL round trip). */
  public ConsumerSettings onlyTypes(String... envelopeTypes) {
    return new ConsumerSettings(group, topics, maxInFlight, maxQueuedPerPartition, maxAttempts, retryBackoff,
        deadLetterSuffix, commitIntervalMs, lagIntervalMs, keyParallelism, Set.of(envelopeTypes), stopGraceMs);
  }

  /** One record of a partition at a time: strict partition order, for consumers that need more than per-key order. */
  public ConsumerSettings oneAtATime() {
    return new ConsumerSettings(group, topics, maxInFlight, maxQueuedPerPartition, maxAttempts, retryBackoff,
        deadLetterSuffix, commitIntervalMs, lagIntervalMs, 1, types, stopGraceMs);
  }

  public boolean actsOn(String envelopeType) {
    return types.isEmpty() || types.contains(envelopeType);
  }

  public ConsumerSettings withMaxAttempts(int attempts) {
    return new ConsumerSettings(group, topics, maxInFlight, maxQueuedPerPartition, attempts, retryBackoff,
        deadLetterSuffix, commitIntervalMs, lagIntervalMs, keyParallelism, types, stopGraceMs);
  }

  public ConsumerSettings withRetryBackoff(Backoff backoff) {
    return new ConsumerSettings(group, topics, maxInFlight, maxQueuedPerPartition, maxAttempts, backoff,
        deadLetterSuffix, commitIntervalMs, lagIntervalMs, keyParallelism, types, stopGraceMs);
  }

  public ConsumerSettings withMaxInFlight(int inFlight, int queuedPerPartition) {
    return new ConsumerSettings(group, topics, inFlight, queuedPerPartition, maxAttempts, retryBackoff,
        deadLetterSuffix, commitIntervalMs, lagIntervalMs, keyParallelism, types, stopGraceMs);
  }

  public ConsumerSettings withStopGraceMs(int graceMs) {
    return new ConsumerSettings(group, topics, maxInFlight, maxQueuedPerPartition, maxAttempts, retryBackoff,
        deadLetterSuffix, commitIntervalMs, lagIntervalMs, keyParallelism, types, graceMs);
  }
}
