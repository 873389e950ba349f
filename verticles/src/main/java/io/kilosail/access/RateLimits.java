package io.kilosail.access;

import io.kilosail.platform.settings.ConfigSection;
import io.vertx.core.json.JsonObject;

import java.time.Duration;

/**
 * Section {@code rateLimits}: how many requests each caller may make per window, 0 meaning no limit. Each caller is
 * counted once, by the strongest identity it proved: a signed food platform by its name, an operator by the token's
 * subject, anyone else (shop customers, unauthenticated callers) by its client address.
 *
 * <p>Defaults: no per-platform limit (a platform's meal peak is the business, and the intake benchmark pushes
 * thousands of orders a second from one platform; set one per deployment), 50 per second per operator, 1000 per
 * second per client address.
 */
public record RateLimits(Duration window, int perPlatform, int perOperator, int perAddress) {

  public static final int DEFAULT_WINDOW_MS = 1000;
  public static final int DEFAULT_PER_PLATFORM = 0;
  public static final int DEFAULT_PER_OPERATOR = 50;
  public static final int DEFAULT_PER_ADDRESS = 1000;

  public static RateLimits fromJson(JsonObject config) {
    ConfigSection section = new ConfigSection(config, "rateLimits");
    return new RateLimits(Duration.ofMillis(section.integer("windowMs", DEFAULT_WINDOW_MS, 100, 3_600_000)),
        section.integer("perPlatform", DEFAULT_PER_PLATFORM, 0, Integer.MAX_VALUE),
        section.integer("perOperator", DEFAULT_PER_OPERATOR, 0, Integer.MAX_VALUE),
        section.integer("perAddress", DEFAULT_PER_ADDRESS, 0, Integer.MAX_VALUE));
  }

  /** The limit for {@code kind}, 0 when there is none. */
  public int limit(RateLimiter.Kind kind) {
    return switch (kind) {
      case PLATFORM -> perPlatform;
      case OPERATOR -> perOperator;
      case ADDRESS -> perAddress;
    };
  }
}
