package io.kilosail.messaging;

import io.kilosail.platform.settings.ConfigSection;
import io.vertx.core.json.JsonObject;

import java.time.Duration;

/**
 * The {@code retention} section of {@link MessagingRetentionVerticle}'s configuration. Durations are ISO-8601.
 *
 * @param intervalMs  time between cleaning rounds
 * @param outboxSent  how long published outbox rows are kept (for audits and replays)
 * @param inbox       how long inbox rows are kept; a redelivery older than this is no longer recognised as a
 *                    duplicate, so keep it well above Kafka's retention of the consumed topics
 * @param timers      how long fired or cancelled timers are kept
 * @param deleteBatch rows deleted per statement, so no delete holds locks for long
 */
public record RetentionSettings(int intervalMs, Duration outboxSent, Duration inbox, Duration timers,
                                int deleteBatch) {

  public static RetentionSettings fromJson(JsonObject config) {
    ConfigSection retention = new ConfigSection(config, "retention");
    return new RetentionSettings(
        retention.integer("intervalMs", 60_000, 100, 86_400_000),
        retention.duration("outboxSent", Duration.ofHours(24)),
        retention.duration("inbox", Duration.ofDays(14)),
        retention.duration("timers", Duration.ofDays(7)),
        retention.integer("deleteBatch", 5_000, 1, 100_000));
  }
}
