/**
 * Reliable messaging: the pieces every flow builds on.
 *
 * <ul>
 *   <li>{@link io.kilosail.messaging.Envelope} and {@link io.kilosail.messaging.EnvelopeCodec}: the message and its
 *   one wire form; ids are UUIDv7 ({@link io.kilosail.messaging.MessageIds}).</li>
 *   <li>{@link io.kilosail.messaging.Outbox}: add events inside your own {@code pool.withTransaction}.</li>
 *   <li>{@link io.kilosail.messaging.OutboxRelayVerticle}: outbox to Kafka, keyed by aggregate id, shards claimed
 *   with SKIP LOCKED.</li>
 *   <li>{@link io.kilosail.messaging.IdempotentConsumer}: effect + inbox row in one transaction, offsets after
 *   commit, ordered per partition, bounded in flight, dead-letter topic after N attempts.</li>
 *   <li>{@link io.kilosail.messaging.DurableTimers} and {@link io.kilosail.messaging.DurableTimerVerticle}: messages
 *   for later, fired once into the outbox.</li>
 *   <li>{@link io.kilosail.messaging.FencedLock} and {@link io.kilosail.messaging.Fencing}: Redis leases with fencing
 *   tokens, checked where the protected MySQL write happens.</li>
 *   <li>{@link io.kilosail.messaging.MessagingRetentionVerticle}: removes sent, received and fired rows.</li>
 * </ul>
 *
 * Meters (on the node's registry, {@link io.kilosail.infra.Meters}): {@code kilosail.outbox.backlog},
 * {@code kilosail.outbox.oldest.unsent.age}, {@code kilosail.relay.published}, {@code kilosail.relay.batch},
 * {@code kilosail.consumer.lag}, {@code kilosail.consumer.applied}, {@code kilosail.consumer.duplicates.skipped},
 * {@code kilosail.consumer.dead.lettered}, {@code kilosail.consumer.retries}, {@code kilosail.timers.due},
 * {@code kilosail.timers.fired}, {@code kilosail.timers.fire.delay}, {@code kilosail.messaging.retention.deleted}.
 */
package io.kilosail.messaging;
