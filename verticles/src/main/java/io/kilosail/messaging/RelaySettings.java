package io.kilosail.messaging;

import io.kilosail.platform.settings.ConfigSection;
import io.vertx.core.json.JsonObject;

/**
 * The {@code relay} section of {@link OutboxRelayVerticle}'s configuration.
 *
 * @param workers           claim loops running at once; each holds one MySQL connection while its batch is in flight
 * @param batchSize         most rows one claim publishes and marks sent in one MySQL transaction
 * @param shardsPerClaim    shards one claim locks; smaller lets more workers and relays share the work
 * @param idlePollMs        first pause of the idle poll after the last claim that published something; each idle
 *                          poll that finds nothing doubles the pause, up to {@code idleMaxPollMs}. Committed rows
 *                          normally do not wait for it: their transaction's nudge wakes a relay at once
 * @param idleMaxPollMs     longest pause of the idle poll: how late a row whose nudge was lost (or that was written
 *                          without {@link Outbox}) can be published. Raised to {@code idlePollMs} if below it
 * @param stopGraceMs       on undeploy, how long to let in-flight batches finish; 0 aborts them (their rows stay
 *                          unsent and are published again later: at-least-once)
 * @param lingerMs          Kafka producer {@code linger.ms}: how long the producer waits to fill a batch
 * @param batchBytes        Kafka producer {@code batch.size}
 * @param compression       Kafka producer {@code compression.type}
 * @param metricsIntervalMs how often the backlog gauges are refreshed from MySQL
 * @param deleteSent        delete published rows instead of marking them sent: cheaper for MySQL (marking moves
 *                          each row in the sent_at index), but leaves no history for audits or replays
 */
public record RelaySettings(int workers, int batchSize, int shardsPerClaim, int idlePollMs, int idleMaxPollMs,
                            int stopGraceMs,
                            int lingerMs, int batchBytes, String compression, int metricsIntervalMs,
                            boolean deleteSent) {

  public static RelaySettings fromJson(JsonObject config) {
    ConfigSection relay = new ConfigSection(config, "relay");
    int idlePollMs = relay.integer("idlePollMs", 100, 10, 60_000);
    return new RelaySettings(
        relay.integer("workers", 4, 1, 64),
        relay.integer("batchSize", 500, 1, 10_000),
        relay.integer("shardsPerClaim", 4, 1, OutboxShards.COUNT),
        idlePollMs,
        Math.max(idlePollMs, relay.integer("idleMaxPollMs", 1_000, 10, 600_000)),
        relay.integer("stopGraceMs", 5_000, 0, 600_000),
        relay.integer("lingerMs", 5, 0, 1_000),
        relay.integer("batchBytes", 131_072, 1_024, 16_777_216),
        relay.text("compression", "none"),
        relay.integer("metricsIntervalMs", 5_000, 100, 3_600_000),
        relay.bool("deleteSent", false));
  }
}
