package io.kilosail.intake;

import io.kilosail.platform.settings.ConfigSection;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code platforms} section (one entry per upstream platform with its signing secret) and the {@code intake}
 * section (timestamp tolerance, body limit, the group commit's bounds). The launcher layers {@code KILOSAIL_PLATFORM_<NAME>_SECRET} environment
 * variables over {@code platforms}, so production secrets never sit in a file.
 */
public record IntakeSettings(Map<String, String> platformSecrets, Duration timestampTolerance, int maxBodyBytes,
                             int batchMaxOrders, int batchMaxInFlight) {

  public static final int DEFAULT_TOLERANCE_SECONDS = 300;
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

  public static IntakeSettings fromJson(JsonObject config) {
    Map<String, String> secrets = new LinkedHashMap<>();
    JsonObject platforms = config.getJsonObject("platforms", new JsonObject());
    for (String name : platforms.fieldNames()) {
      if (name.startsWith("_")) {
        continue; // "_comment": JSON has no comments
      }
      if (!name.matches("[a-z0-9_-]{1,32}")) {
        throw new SettingException("platforms." + name, "platform names are 1-32 of a-z, 0-9, '_' or '-'");
      }
      Object entry = platforms.getValue(name);
      Object secret = entry instanceof JsonObject json ? json.getValue("secret") : null;
      if (!(secret instanceof String text) || text.isBlank()) {
        throw new SettingException("platforms." + name + ".secret",
            "missing; set it or KILOSAIL_PLATFORM_" + name.toUpperCase().replace('-', '_') + "_SECRET");
      }
      secrets.put(name, text);
    }
    ConfigSection intake = new ConfigSection(config, "intake");
    return new IntakeSettings(Map.copyOf(secrets),
        Duration.ofSeconds(intake.integer("timestampToleranceSeconds", DEFAULT_TOLERANCE_SECONDS, 1, 3600)),
        intake.integer("maxBodyBytes", DEFAULT_MAX_BODY_BYTES, 1024, 1024 * 1024),
        // Group commit (IntakeBatcher): transactions storing pushes at once per ingress verticle, orders per one.
        intake.section("batch").integer("maxOrders", 64, 1, 500),
        intake.section("batch").integer("maxInFlight", 4, 1, 256));
  }

}
