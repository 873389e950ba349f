package io.kilosail.pushback;

import io.kilosail.intake.IntakeSettings;
import io.kilosail.order.OrderPushback;
import io.kilosail.platform.settings.ConfigSection;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code pushback} section and each platform's {@code platforms.<name>.callbackUrl}.
 *
 * <p>A node that pushes states back needs somewhere to push them: every configured food platform needs its callback
 * URL (the food simulator's when the simulators run on this node), else {@link #fromJson} fails with a
 * {@link SettingException} naming the first one missing. Only {@code pushback.enabled=false} keeps the changes unsent,
 * and then on purpose: a node copied from another's configuration must not go silent.
 *
 * @param enabled           false: push-back switched off on purpose; every platform's changes are kept, not sent
 * @param callbacks         where and with which secret to push, per platform that has a callback URL
 * @param withoutUrl        configured platforms whose changes are kept and counted, not sent (all when disabled)
 * @param batchSize         rows one claim takes (and pushes at once)
 * @param pollIntervalMs    pause after a claim found fewer rows than {@code batchSize}; the first pause when nothing is due
 * @param idlePollMaxMs     with nothing due, the loop's pause doubles from {@code pollIntervalMs} up to this (nudges
 *                          push at once; the loop is the fallback for a nudge that reached nobody, and the retries)
 * @param leaseMs           how long a claimed row is held by its pusher; at least twice {@code httpTimeoutMs}
 * @param httpTimeoutMs     how long one push waits for the platform's answer
 * @param initialBackoffMs  pause after the first failed push of a row; doubles with each further failure
 * @param maxBackoffMs      the longest pause between two pushes of a row
 * @param jitter            0..1: up to this share of a pause is taken off at random
 * @param metricsIntervalMs how often the backlog gauges are refreshed from MySQL
 * @param ackBatchMs        an acknowledgement waits at most this long to be written with others, in one statement
 * @param ackBatchSize      ... or until this many are waiting
 */
public record PushbackSettings(boolean enabled, Map<String, Callback> callbacks, Set<String> withoutUrl, int batchSize,
                               int pollIntervalMs, int idlePollMaxMs, int leaseMs, int httpTimeoutMs, int initialBackoffMs,
                               int maxBackoffMs, double jitter, int metricsIntervalMs, int ackBatchMs,
                               int ackBatchSize) {

  /** A platform's callback URL and the secret its pushes are signed with (the one intake checks its pushes with). */
  public record Callback(String platform, String url, String secret) {
  }

  /** The switch, also {@code KILOSAIL_PUSHBACK_ENABLED}. */
  public static final String ENABLED_SETTING = "pushback.enabled (KILOSAIL_PUSHBACK_ENABLED)";

  /** How a missing or wrong callback URL is named: the setting, and the variable that sets it. */
  public static String callbackUrlSetting(String platform) {
    return "platforms." + platform + ".callbackUrl (KILOSAIL_PLATFORM_" + platform.toUpperCase(Locale.ROOT)
        + "_CALLBACK_URL)";
  }

  public static PushbackSettings fromJson(JsonObject config) {
    Map<String, String> secrets = IntakeSettings.fromJson(config).platformSecrets();
    ConfigSection s = new ConfigSection(config, "pushback");
    Object enabledValue = config.getValue("pushback") instanceof JsonObject section ? section.getValue("enabled") : null;
    boolean enabled = enabled(enabledValue);
    JsonObject platforms = config.getJsonObject("platforms", new JsonObject());
    JsonObject simulators = config.getValue("simulators") instanceof JsonObject json ? json : new JsonObject();
    // The embedded demo's food simulator: the default callback URL when the launcher started the simulators.
    boolean simulated = Boolean.TRUE.equals(simulators.getValue("enabled"));
    Object port = simulators.getValue("courierPort");
    Map<String, Callback> callbacks = new LinkedHashMap<>();
    Set<String> withoutUrl = new TreeSet<>();
    for (Map.Entry<String, String> platform : new TreeMap<>(secrets).entrySet()) {
      String name = platform.getKey();
      Object entry = platforms.getValue(name);
      Object raw = entry instanceof JsonObject json ? json.getValue("callbackUrl") : null;
      if (raw instanceof String text && text.isBlank()) {
        raw = null; // an empty variable in a compose file or a template is no URL
      }
      if (raw == null && simulated && port != null) {
        raw = "http://127.0.0.1:" + port + "/food/" + name + "/callbacks";
      }
      if (!enabled) {
        withoutUrl.add(name);
      } else if (raw == null) {
        throw new SettingException(callbackUrlSetting(name), "missing: this node pushes order states back to each"
            + " food platform (role relay) and has nowhere to send " + name + "'s; set its callback URL, or set "
            + "pushback.enabled=false to keep the changes unsent on purpose");
      } else {
        callbacks.put(name, new Callback(name, url(callbackUrlSetting(name), raw), platform.getValue()));
      }
    }
    int httpTimeoutMs = s.integer("httpTimeoutMs", 10_000, 100, 120_000);
    int leaseMs = s.integer("leaseMs", 60_000, 1_000, 3_600_000);
    if (leaseMs < 2 * httpTimeoutMs) {
      throw new SettingException(s.name("leaseMs"), "must be at least twice pushback.httpTimeoutMs (" + httpTimeoutMs
          + "), so a push in flight never outlives its lease; got " + leaseMs);
    }
    int initialBackoffMs = s.integer("initialBackoffMs", 1_000, 1, 3_600_000);
    int maxBackoffMs = s.integer("maxBackoffMs", 300_000, 1, 86_400_000);
    if (maxBackoffMs < initialBackoffMs) {
      throw new SettingException(s.name("maxBackoffMs"), "must be at least pushback.initialBackoffMs ("
          + initialBackoffMs + "), got " + maxBackoffMs);
    }
    int jitterPercent = s.integer("jitterPercent", 20, 0, 100);
    int pollIntervalMs = s.integer("pollIntervalMs", 500, 10, 60_000);
    int idlePollMaxMs = s.integer("idlePollMaxMs", 5_000, 10, 600_000);
    if (idlePollMaxMs < pollIntervalMs) {
      throw new SettingException(s.name("idlePollMaxMs"), "must be at least pushback.pollIntervalMs (" + pollIntervalMs
          + "), got " + idlePollMaxMs);
    }
    return new PushbackSettings(enabled, Map.copyOf(callbacks), Set.copyOf(withoutUrl),
        s.integer("batchSize", 32, 1, 1_000),
        pollIntervalMs, idlePollMaxMs,
        leaseMs, httpTimeoutMs, initialBackoffMs, maxBackoffMs, jitterPercent / 100.0,
        s.integer("metricsIntervalMs", 5_000, 100, 3_600_000),
        s.integer("ackBatchMs", 100, 0, 1_000),
        s.integer("ackBatchSize", 64, 1, OrderPushback.MAX_ACKS));
  }

  private static boolean enabled(Object value) {
    if (value == null) {
      return true;
    }
    return switch (String.valueOf(value).trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new SettingException(ENABLED_SETTING, "must be true or false, got '" + value + "'");
    };
  }

  private static String url(String key, Object raw) {
    String text = String.valueOf(raw);
    try {
      URI uri = URI.create(text);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
        return text;
      }
    } catch (IllegalArgumentException ignored) {
      // reported below
    }
    throw new SettingException(key, "must be an absolute http(s) URL, got '" + text + "'");
  }
}
