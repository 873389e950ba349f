package io.kilosail.saga;

import io.kilosail.platform.settings.SettingException;
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
 */
public record SagaSettings(Duration lease, Duration scanInterval, int scanBatch, String address, int writeBatch,
                           int writeConcurrency) {

  public static SagaSettings fromJson(JsonObject config) {
    JsonObject saga = config.getJsonObject("saga", new JsonObject());
    SagaSettings settings = new SagaSettings(
        Duration.ofMillis(saga.getLong("leaseMs", 30_000L)),
        Duration.ofMillis(saga.getLong("scanIntervalMs", 500L)),
        saga.getInteger("scanBatch", 200),
        saga.getString("address", io.kilosail.contracts.saga.SagaCoordinatorService.ADDRESS),
        saga.getInteger("writeBatch", 128),
        saga.getInteger("writeConcurrency", 2));
    if (settings.lease.toMillis() < 1_000) {
      throw new SettingException("saga.leaseMs", "must be at least 1000, got " + settings.lease.toMillis());
    }
    if (settings.scanInterval.toMillis() < 10 || settings.scanBatch < 1) {
      throw new SettingException("saga.scanIntervalMs", "scanIntervalMs must be >= 10 and scanBatch >= 1");
    }
    if (settings.writeBatch < 1 || settings.writeConcurrency < 1) {
      throw new SettingException("saga.writeBatch", "writeBatch and writeConcurrency must be at least 1");
    }
    return settings;
  }
}
