package io.kilosail.webhooks.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.courier.CourierSettings;
import io.kilosail.courier.wire.CourierWire;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.Map;

/**
 * The {@code webhooks} section (where the webhook server listens, its body limit) and each configured courier
 * platform's wire, read from the {@code couriers} section by {@link CourierSettings} (shared with the courier
 * gateway). A platform without credentials gets no webhook endpoint (404), rather than one that could verify nothing.
 */
public record CourierWebhookSettings(String host, int port, int maxBodyBytes, Map<CourierPlatform, CourierWire> wires) {

  public static final int DEFAULT_PORT = 8090;
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

  public static CourierWebhookSettings fromJson(JsonObject config, Clock clock) {
    JsonObject webhooks = config.getJsonObject("webhooks", new JsonObject());
    return new CourierWebhookSettings(
        webhooks.getString("host", "127.0.0.1"),
        integer(webhooks, "port", DEFAULT_PORT, 0, 65535),
        integer(webhooks, "maxBodyBytes", DEFAULT_MAX_BODY_BYTES, 1024, 1024 * 1024),
        CourierSettings.fromJson(config, clock).wires());
  }

  private static int integer(JsonObject section, String key, int defaultValue, int min, int max) {
    Object raw = section.getValue(key, defaultValue);
    try {
      int value = Integer.parseInt(String.valueOf(raw));
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below with the accepted range
    }
    throw new SettingException("webhooks." + key, "must be an integer from " + min + " to " + max + ", got '" + raw + "'");
  }
}
