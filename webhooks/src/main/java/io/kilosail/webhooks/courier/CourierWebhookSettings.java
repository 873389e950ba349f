package io.kilosail.webhooks.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.courier.wire.CourierWire;
import io.kilosail.courier.wire.FengniaoWire;
import io.kilosail.courier.wire.SfWire;
import io.kilosail.courier.wire.ShansongWire;
import io.kilosail.courier.wire.UuWire;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;

/**
 * The {@code webhooks} section (where the webhook server listens, its body limit) and the {@code couriers} section
 * (each courier platform's credentials, in its wire's own field names). The launcher layers
 * {@code KILOSAIL_COURIER_<PLATFORM>_SECRET} over the platform's secret field ({@link #SECRET_FIELDS}), so production
 * secrets never sit in a file. A platform without credentials gets no webhook endpoint (404), rather than one that
 * could verify nothing.
 */
public record CourierWebhookSettings(String host, int port, int maxBodyBytes, Map<CourierPlatform, CourierWire> wires) {

  public static final int DEFAULT_PORT = 8090;
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

  /** The credential field that is the signing secret, per platform: the one the environment variable sets. */
  public static final Map<CourierPlatform, String> SECRET_FIELDS = Map.of(
      CourierPlatform.UU, "appKey",
      CourierPlatform.SHANSONG, "appSecret",
      CourierPlatform.SF, "devKey",
      CourierPlatform.FENGNIAO, "appSecret");

  public static CourierWebhookSettings fromJson(JsonObject config, Clock clock) {
    JsonObject webhooks = config.getJsonObject("webhooks", new JsonObject());
    JsonObject couriers = config.getJsonObject("couriers", new JsonObject());
    Map<CourierPlatform, CourierWire> wires = new EnumMap<>(CourierPlatform.class);
    for (CourierPlatform platform : CourierPlatform.values()) {
      if (!(couriers.getValue(platform.id()) instanceof JsonObject c)) {
        continue;
      }
      wires.put(platform, switch (platform) {
        case UU -> new UuWire(new UuWire.Credentials(text(c, platform, "appId"), text(c, platform, "appKey")), clock);
        case SHANSONG -> new ShansongWire(new ShansongWire.Credentials(text(c, platform, "clientId"),
            text(c, platform, "shopId"), text(c, platform, "appSecret")), clock);
        case SF -> new SfWire(new SfWire.Credentials(text(c, platform, "devId"), text(c, platform, "devKey"),
            text(c, platform, "shopId")), clock);
        case FENGNIAO -> new FengniaoWire(new FengniaoWire.Credentials(text(c, platform, "appId"),
            text(c, platform, "appSecret"), text(c, platform, "merchantId")), clock);
      });
    }
    return new CourierWebhookSettings(
        webhooks.getString("host", "127.0.0.1"),
        integer(webhooks, "port", DEFAULT_PORT, 0, 65535),
        integer(webhooks, "maxBodyBytes", DEFAULT_MAX_BODY_BYTES, 1024, 1024 * 1024),
        Map.copyOf(wires));
  }

  private static String text(JsonObject credentials, CourierPlatform platform, String field) {
    Object value = credentials.getValue(field);
    if (!(value instanceof String s) || s.isBlank()) {
      String hint = field.equals(SECRET_FIELDS.get(platform))
          ? "; set it or KILOSAIL_COURIER_" + platform.id().toUpperCase() + "_SECRET" : "";
      throw new SettingException("couriers." + platform.id() + "." + field, "missing" + hint);
    }
    return s;
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
