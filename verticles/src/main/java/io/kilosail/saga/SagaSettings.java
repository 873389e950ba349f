package io.kilosail.saga;

import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.platform.settings.ConfigSection;
import io.vertx.core.json.JsonObject;

import java.time.Duration;

/**
 * The {@code saga} configuration section.
 *
 * @param lease        how long a node owns a running saga without writing to it; after that another node may resume
 *                     it (a crashed node's sagas resume after at most this long)
 * @param scanInterval how often a coordinator looks for sagas whose lease or wait has run out
 * @param scanBatch    how many of those it takes per look
 * @param writeBatch   at most this many saga transitions share one transaction (group commit)
 * @param writeConcurrency at most this many such transactions at once
 * @param stopDrain    on stop, how long steps and writes in flight may take to finish before the sagas are handed back
 */
public record SagaSettings(Duration lease, Duration scanInterval, int scanBatch, String address, int writeBatch,
                           int writeConcurrency, Duration stopDrain) {

  public static SagaSettings fromJson(JsonObject config) {
    ConfigSection saga = new ConfigSection(config, "saga");
    return new SagaSettings(
        Duration.ofMillis(saga.integer("leaseMs", 10_000, 1_000, 86_400_000)),
        Duration.ofMillis(saga.integer("scanIntervalMs", 500, 10, 60_000)),
        saga.integer("scanBatch", 200, 1, 10_000),
        saga.text("address", SagaCoordinatorService.ADDRESS),
        saga.integer("writeBatch", 128, 1, 10_000),
        saga.integer("writeConcurrency", 2, 1, 64),
        Duration.ofMillis(saga.integer("stopDrainMs", 5_000, 0, 60_000)));
  }
}
