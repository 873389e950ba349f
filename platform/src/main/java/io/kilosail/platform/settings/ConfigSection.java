package io.kilosail.platform.settings;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * Reads one section of a verticle's configuration, failing with the setting's full name ({@code relay.workers},
 * {@code couriers.uu.circuit.maxFailures}) when a value is wrong. Every verticle's settings class reads through it.
 */
public final class ConfigSection {

  private final String section;
  private final JsonObject values;

  /** The section {@code name} of {@code config}; absent means every value takes its default. */
  public ConfigSection(JsonObject config, String name) {
    this(name, config.getValue(name) instanceof JsonObject json ? json : new JsonObject());
  }

  /** A section already taken out of its parent; {@code name} is its full dotted name, for error messages. */
  public static ConfigSection of(String name, JsonObject values) {
    return new ConfigSection(name, values);
  }

  private ConfigSection(String name, JsonObject values) {
    this.section = name;
    this.values = values;
  }

  /** A section inside this one, e.g. {@code circuit} in {@code couriers.uu}. */
  public ConfigSection section(String name) {
    return new ConfigSection(section + "." + name,
        values.getValue(name) instanceof JsonObject json ? json : new JsonObject());
  }

  public JsonObject values() {
    return values;
  }

  public String name(String key) {
    return section + "." + key;
  }

  public int integer(String key, int defaultValue, int min, int max) {
    Object raw = values.getValue(key, defaultValue);
    try {
      int value = Integer.parseInt(String.valueOf(raw));
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below with the accepted range
    }
    throw new SettingException(name(key), "must be an integer from " + min + " to " + max + ", got '" + raw + "'");
  }

  public boolean bool(String key, boolean defaultValue) {
    Object raw = values.getValue(key, defaultValue);
    String text = String.valueOf(raw);
    if (!text.equals("true") && !text.equals("false")) {
      throw new SettingException(name(key), "must be true or false, got '" + raw + "'");
    }
    return Boolean.parseBoolean(text);
  }

  public String text(String key, String defaultValue) {
    String value = String.valueOf(values.getValue(key, defaultValue));
    if (value.isBlank()) {
      throw new SettingException(name(key), "must not be blank");
    }
    return value;
  }

  /** An ISO-8601 duration such as {@code PT24H} or {@code P7D}. */
  public Duration duration(String key, Duration defaultValue) {
    Object raw = values.getValue(key);
    if (raw == null) {
      return defaultValue;
    }
    try {
      Duration value = Duration.parse(String.valueOf(raw));
      if (value.isNegative() || value.isZero()) {
        throw new SettingException(name(key), "must be positive, got " + raw);
      }
      return value;
    } catch (DateTimeParseException e) {
      throw new SettingException(name(key), "must be an ISO-8601 duration like PT24H, got '" + raw + "'");
    }
  }
}
