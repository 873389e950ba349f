package io.kilosail.shop;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.platform.settings.ConfigSection;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonObject;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.Map;

/**
 * The {@code shops} and {@code balances} sections, and each courier platform's default account (the couriers section's
 * own field for it: {@code uu.openId}, {@code shansong.shopId}, {@code sf.shopId}, {@code fengniao.storeCode}).
 *
 * <pre>
 * "shops":    { "timeZone": "Asia/Shanghai", "cacheTtlMs": 60000 },
 * "balances": { "floorFen": 0, "lowThresholdFen": 10000, "refreshMs": 30000, "checkIntervalMs": 300000 }
 * </pre>
 *
 * {@code balances.checkIntervalMs} is read by {@link CourierBalanceCheckVerticle}, the only one that needs it.
 */
public record ShopSettings(ZoneId timeZone, long cacheTtlMs, long floorFen, long lowThresholdFen, long refreshMs,
                           Map<CourierPlatform, String> defaultAccounts) {

  /** Where the couriers section keeps each platform's merchant-level account. */
  public static final Map<CourierPlatform, String> ACCOUNT_FIELDS = Map.of(
      CourierPlatform.UU, "openId",
      CourierPlatform.SHANSONG, "shopId",
      CourierPlatform.SF, "shopId",
      CourierPlatform.FENGNIAO, "storeCode");

  public static ShopSettings fromJson(JsonObject config) {
    ConfigSection shops = new ConfigSection(config, "shops");
    ConfigSection balances = new ConfigSection(config, "balances");
    String zone = shops.values().getString("timeZone", "Asia/Shanghai");
    ZoneId timeZone;
    try {
      timeZone = ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new SettingException("shops.timeZone", "not a time zone: " + zone);
    }
    Map<CourierPlatform, String> defaults = new EnumMap<>(CourierPlatform.class);
    JsonObject couriers = config.getJsonObject("couriers", new JsonObject());
    for (CourierPlatform p : CourierPlatform.values()) {
      if (couriers.getValue(p.id()) instanceof JsonObject c && c.getValue(ACCOUNT_FIELDS.get(p)) instanceof String a) {
        defaults.put(p, a);
      }
    }
    return new ShopSettings(timeZone,
        shops.integer("cacheTtlMs", 60_000, 0, 3_600_000),
        balances.integer("floorFen", 0, -100_000_000, 100_000_000),
        balances.integer("lowThresholdFen", 10_000, 0, 1_000_000_000),
        balances.integer("refreshMs", 30_000, 100, 3_600_000),
        Map.copyOf(defaults));
  }

  /** The account an order is asked and placed under on {@code platform}: the shop's own, else the default. */
  public String accountFor(CourierPlatform platform, JsonObject shopAccounts) {
    if (shopAccounts != null && shopAccounts.getValue(platform.id()) instanceof String own && !own.isBlank()) {
      return own;
    }
    return defaultAccounts.get(platform);
  }
}
