package io.kilosail.shop;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * A food platform's shop as kilosail knows it: where it is, when it is open, and, per courier platform, the account
 * orders from it are quoted and placed under (its "virtual shop" there). No account for a platform: the couriers
 * section's default account, as for every order before shops existed.
 *
 * @param hours null when unknown: every order is in hours
 */
public record Shop(String foodPlatform, String shopId, String name, String address, BigDecimal lat, BigDecimal lng,
                   String city, OpeningHours hours, Map<CourierPlatform, String> accounts, int version,
                   Instant createdAt, Instant updatedAt) {

  public Shop {
    Objects.requireNonNull(foodPlatform, "foodPlatform");
    Objects.requireNonNull(shopId, "shopId");
    Objects.requireNonNull(name, "name");
    EnumMap<CourierPlatform, String> copy = new EnumMap<>(CourierPlatform.class);
    if (accounts != null) {
      accounts.forEach((p, a) -> {
        if (a != null && !a.isBlank()) {
          copy.put(p, a);
        }
      });
    }
    accounts = java.util.Collections.unmodifiableMap(copy);
  }

  /** The shop as an order first shows it: no hours, no accounts of its own. */
  public static Shop firstSeen(String foodPlatform, String shopId, String name, String address, BigDecimal lat,
                               BigDecimal lng, String city, Instant now) {
    return new Shop(foodPlatform, shopId, name, address, lat, lng, city, null, Map.of(), 0, now, now);
  }

  public static String key(String foodPlatform, String shopId) {
    return foodPlatform + "/" + shopId;
  }

  public String key() {
    return key(foodPlatform, shopId);
  }

  /** The shop's own account on {@code platform}, null for the default account. */
  public String accountFor(CourierPlatform platform) {
    return accounts.get(platform);
  }

  /** The shop's own accounts as the bus carries them (platform id to account id). */
  public JsonObject accountsJson() {
    JsonObject json = new JsonObject();
    accounts.forEach((p, a) -> json.put(p.id(), a));
    return json;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("platform", foodPlatform)
        .put("shopId", shopId)
        .put("name", name)
        .put("address", address)
        .put("lat", lat == null ? null : lat.doubleValue())
        .put("lng", lng == null ? null : lng.doubleValue())
        .put("city", city)
        .put("hours", hours == null ? null
            : new JsonObject().put("opens", hours.opensText()).put("closes", hours.closesText()))
        .put("courierAccounts", accountsJson())
        .put("version", version)
        .put("createdAt", createdAt == null ? null : createdAt.toString())
        .put("updatedAt", updatedAt == null ? null : updatedAt.toString());
  }
}
