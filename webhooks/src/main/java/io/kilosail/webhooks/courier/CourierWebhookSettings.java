package io.kilosail.webhooks.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.courier.CourierSettings;
import io.kilosail.courier.wire.CourierWire;
import io.kilosail.platform.settings.ConfigSection;
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
    ConfigSection webhooks = new ConfigSection(config, "webhooks");
    return new CourierWebhookSettings(
        webhooks.text("host", "127.0.0.1"),
        webhooks.integer("port", DEFAULT_PORT, 0, 65535),
        webhooks.integer("maxBodyBytes", DEFAULT_MAX_BODY_BYTES, 1024, 1024 * 1024),
        CourierSettings.fromJson(config, clock).wires());
  }

}
