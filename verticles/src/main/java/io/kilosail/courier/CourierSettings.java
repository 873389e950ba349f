package io.kilosail.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.courier.wire.CourierWire;
import io.kilosail.courier.wire.FengniaoWire;
import io.kilosail.courier.wire.SfWire;
import io.kilosail.courier.wire.ShansongWire;
import io.kilosail.courier.wire.UuWire;
import io.kilosail.platform.settings.ConfigSection;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;

/**
 * The {@code couriers} section, read once for everyone who talks to a courier platform: the webhooks (which verify
 * callbacks with the platform's wire) and the gateway (which signs requests with it and sends them to
 * {@code baseUrl}). Each platform's credentials are in its wire's own field names; the launcher layers
 * {@code KILOSAIL_COURIER_<PLATFORM>_SECRET} over the secret field ({@link #SECRET_FIELDS}), so production secrets
 * never sit in a file. A platform without a section is not configured: no webhook endpoint, no gateway client,
 * rather than one that could verify or sign nothing.
 *
 * <pre>
 * "uu": { "appId": "...", "appKey": "...", "openId": "...", "baseUrl": "http://127.0.0.1:8091/uu", "timeoutMs": 2000,
 *         "circuit": { "maxFailures": 5, "timeoutMs": 3000, "resetTimeoutMs": 10000 } }
 * </pre>
 */
public record CourierSettings(Map<CourierPlatform, Platform> platforms) {

  /**
   * Where the courier simulator listens when the demo starts it; a platform without {@code baseUrl} is sent there
   * ({@code http://127.0.0.1:8091/<id>}), so the embedded demo needs no URL in its config and production must set one.
   */
  public static final int DEFAULT_SIMULATOR_PORT = 8091;
  public static final int DEFAULT_TIMEOUT_MS = 2_000;
  public static final int DEFAULT_MAX_FAILURES = 5;
  public static final int DEFAULT_CIRCUIT_TIMEOUT_MS = 3_000;
  public static final int DEFAULT_RESET_TIMEOUT_MS = 10_000;

  /** The credential field that is the signing secret, per platform: the one the environment variable sets. */
  public static final Map<CourierPlatform, String> SECRET_FIELDS = Map.of(
      CourierPlatform.UU, "appKey",
      CourierPlatform.SHANSONG, "appSecret",
      CourierPlatform.SF, "devKey",
      CourierPlatform.FENGNIAO, "appSecret");

  /**
   * One platform: its wire (credentials inside), where to send requests, and how long to wait.
   *
   * @param timeoutMs per-call HTTP timeout: the request is given up (and counted as a failure) after it
   */
  public record Platform(CourierPlatform platform, CourierWire wire, String baseUrl, int timeoutMs, Circuit circuit) {
  }

  /**
   * The platform's circuit breaker: open after {@code maxFailures} failures (within the breaker's rolling window),
   * fail fast for {@code resetTimeoutMs}, then let one call through (half-open). {@code timeoutMs} is the breaker's
   * own backstop on a call, above the HTTP timeout, for anything that would hang past it.
   */
  public record Circuit(int maxFailures, int timeoutMs, int resetTimeoutMs) {
  }

  public static CourierSettings fromJson(JsonObject config, Clock clock) {
    JsonObject couriers = config.getJsonObject("couriers", new JsonObject());
    int simulatorPort = config.getJsonObject("simulators", new JsonObject())
        .getInteger("courierPort", DEFAULT_SIMULATOR_PORT);
    Map<CourierPlatform, Platform> platforms = new EnumMap<>(CourierPlatform.class);
    for (CourierPlatform platform : CourierPlatform.values()) {
      if (couriers.getValue(platform.id()) instanceof JsonObject c) {
        platforms.put(platform, platform(platform, c, clock, simulatorPort));
      }
    }
    return new CourierSettings(Map.copyOf(platforms));
  }

  /** Each configured platform's wire, for those who only sign or verify. */
  public Map<CourierPlatform, CourierWire> wires() {
    Map<CourierPlatform, CourierWire> wires = new EnumMap<>(CourierPlatform.class);
    platforms.forEach((platform, settings) -> wires.put(platform, settings.wire()));
    return Map.copyOf(wires);
  }

  private static Platform platform(CourierPlatform platform, JsonObject c, Clock clock, int simulatorPort) {
    CourierWire wire = switch (platform) {
      // openId: the merchant's authorisation of our app (UU's user/unauthorized/auth answers it).
      case UU -> new UuWire(new UuWire.Credentials(text(c, platform, "appId"), text(c, platform, "appKey"),
          text(c, platform, "openId")), clock);
      // shopId: the merchant's store as registered with Shansong.
      case SHANSONG -> new ShansongWire(new ShansongWire.Credentials(text(c, platform, "clientId"),
          text(c, platform, "shopId"), text(c, platform, "appSecret")), clock);
      case SF -> new SfWire(new SfWire.Credentials(text(c, platform, "devId"), text(c, platform, "devKey"),
          text(c, platform, "shopId")), clock);
      case FENGNIAO -> {
        // The first access token comes from the merchant's authorisation code, or from a refresh token kept from an
        // earlier grant; after that the tokens renew themselves (FengniaoTokens).
        FengniaoWire.TokenGrant bootstrap;
        if (c.getValue("refreshToken") instanceof String refresh && !refresh.isBlank()) {
          bootstrap = FengniaoWire.TokenGrant.refreshToken(refresh);
        } else if (c.getValue("authorizationCode") instanceof String code && !code.isBlank()) {
          bootstrap = FengniaoWire.TokenGrant.authorizationCode(code);
        } else {
          throw new SettingException("couriers.fengniao.authorizationCode",
              "missing; set the merchant's authorisation code (or couriers.fengniao.refreshToken)");
        }
        yield new FengniaoWire(new FengniaoWire.Credentials(text(c, platform, "appId"),
            text(c, platform, "appSecret"), text(c, platform, "merchantId"), text(c, platform, "storeCode"),
            bootstrap), clock);
      }
    };
    ConfigSection section = ConfigSection.of("couriers." + platform.id(), c);
    ConfigSection circuit = section.section("circuit");
    return new Platform(platform, wire,
        baseUrl(section.name("baseUrl"),
            c.getValue("baseUrl", "http://127.0.0.1:" + simulatorPort + "/" + platform.id())),
        section.integer("timeoutMs", DEFAULT_TIMEOUT_MS, 1, 120_000),
        new Circuit(
            circuit.integer("maxFailures", DEFAULT_MAX_FAILURES, 1, 1_000),
            circuit.integer("timeoutMs", DEFAULT_CIRCUIT_TIMEOUT_MS, 1, 120_000),
            circuit.integer("resetTimeoutMs", DEFAULT_RESET_TIMEOUT_MS, 1, 3_600_000)));
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

  private static String baseUrl(String key, Object raw) {
    try {
      URI uri = URI.create(String.valueOf(raw));
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
        String url = uri.toString();
        // The wire's paths start with '/', so a trailing one here would double it.
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
      }
    } catch (IllegalArgumentException ignored) {
      // reported below
    }
    throw new SettingException(key, "must be an http(s) URL, got '" + raw + "'");
  }
}
