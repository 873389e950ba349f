package io.kilosail.messaging;

import io.kilosail.platform.settings.ConfigSection;
import io.vertx.core.json.JsonObject;

/**
 * The {@code timers} section of {@link DurableTimerVerticle}'s configuration.
 *
 * @param pollMs            how often due timers are looked for; with the relay's idle poll this bounds the lateness
 * @param batchSize         most timers fired in one transaction
 * @param metricsIntervalMs how often the "due" gauge is refreshed from MySQL
 */
public record TimerSettings(int pollMs, int batchSize, int metricsIntervalMs) {

  public static TimerSettings fromJson(JsonObject config) {
    ConfigSection timers = new ConfigSection(config, "timers");
    return new TimerSettings(
        timers.integer("pollMs", 200, 10, 10_000),
        timers.integer("batchSize", 500, 1, 10_000),
        timers.integer("metricsIntervalMs", 5_000, 100, 3_600_000));
  }
}
