package io.kilosail.messaging;

import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/** Reads one section of a verticle's configuration, failing with the setting's full name when a value is wrong. */
final class ConfigValues {

  private final String section;
  private final JsonObject values;

  ConfigValues(JsonObject config, String section) {
    this.section = section;
    this.values = config.getJsonObject(section, new JsonObject());
  }

  int integer(String key, int defaultValue, int min, int max) {
    Object raw = values.getValue(key, defaultValue);
    int value;
    try {
      value = Integer.parseInt(String.valueOf(raw));
    } catch (NumberFormatException e) {
      throw new SettingException(section + "." + key, "must be an integer, got '" + raw + "'");
    }
    if (value < min || value > max) {
      throw new SettingException(section + "." + key, "must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  boolean bool(String key, boolean defaultValue) {
    Object raw = values.getValue(key, defaultValue);
    String text = String.valueOf(raw);
    if (!text.equals("true") && !text.equals("false")) {
      throw new SettingException(section + "." + key, "must be true or false, got '" + raw + "'");
    }
    return Boolean.parseBoolean(text);
  }

  String text(String key, String defaultValue) {
    String value = String.valueOf(values.getValue(key, defaultValue));
    if (value.isBlank()) {
      throw new SettingException(section + "." + key, "must not be blank");
    }
    return value;
  }

  /** An ISO-8601 duration such as {@code PT24H} or {@code P7D}. */
  Duration duration(String key, Duration defaultValue) {
    Object raw = values.getValue(key);
    if (raw == null) {
      return defaultValue;
    }
    try {
      Duration value = Duration.parse(String.valueOf(raw));
      if (value.isNegative() || value.isZero()) {
        throw new SettingException(section + "." + key, "must be positive, got " + raw);
      }
      return value;
    } catch (DateTimeParseException e) {
      throw new SettingException(section + "." + key, "must be an ISO-8601 duration like PT24H, got '" + raw + "'");
    }
  }
}
