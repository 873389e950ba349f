package io.kilosail.shop;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * An operator's change to a shop ({@code PUT} replaces every editable field, {@code PATCH} only those present), as
 * plain Java: {@link #parse} checks the body and names the field at fault, {@link #applyTo} merges it.
 *
 * <pre>
 * {"name": "Lanzhou Noodles", "hours": {"opens": "09:00", "closes": "22:30"},
 *  "courierAccounts": {"uu": "openid-of-the-shop", "sf": "sf-virtual-shop-7"}}
 * </pre>
 *
 * {@code hours: null} removes the hours; in {@code courierAccounts} a platform set to null goes back to the default
 * account. A PATCH's {@code courierAccounts} changes only the platforms it names.
 */
public record ShopEdit(boolean replace, boolean hasName, String name, boolean hasHours, OpeningHours hours,
                       boolean hasAccounts, Map<CourierPlatform, String> accounts) {

  private static final Set<String> FIELDS = Set.of("name", "hours", "courierAccounts");
  static final int MAX_ACCOUNT = 64;

  /** A body that cannot be applied; {@code field} is the JSON field at fault. */
  public static final class InvalidShopException extends RuntimeException {
    private final String field;

    public InvalidShopException(String field, String message) {
      super(message);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  public static ShopEdit parse(JsonObject body, boolean replace) {
    if (body == null) {
      throw new InvalidShopException("(body)", "the body must be a JSON object with name, hours, courierAccounts");
    }
    for (String field : body.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw new InvalidShopException(field, "unknown field " + field + "; a shop edit has name, hours,"
            + " courierAccounts");
      }
    }
    boolean hasName = body.containsKey("name");
    String name = null;
    if (hasName || replace) {
      if (!(body.getValue("name") instanceof String s) || s.isBlank() || s.length() > 128) {
        throw new InvalidShopException("name", "name: required, 1 to 128 characters");
      }
      name = s;
      hasName = true;
    }
    boolean hasHours = body.containsKey("hours") || replace;
    OpeningHours hours = null;
    Object rawHours = body.getValue("hours");
    if (rawHours != null) {
      if (!(rawHours instanceof JsonObject h) || h.size() != 2 || !h.containsKey("opens") || !h.containsKey("closes")) {
        throw new InvalidShopException("hours", "hours must be {\"opens\": \"HH:mm\", \"closes\": \"HH:mm\"} or null");
      }
      hours = new OpeningHours(OpeningHours.time("hours.opens", h.getValue("opens")),
          OpeningHours.time("hours.closes", h.getValue("closes")));
    }
    boolean hasAccounts = body.containsKey("courierAccounts") || replace;
    Map<CourierPlatform, String> accounts = new EnumMap<>(CourierPlatform.class);
    Object rawAccounts = body.getValue("courierAccounts");
    if (rawAccounts != null) {
      if (!(rawAccounts instanceof JsonObject a)) {
        throw new InvalidShopException("courierAccounts", "courierAccounts must be an object of courier platform"
            + " (uu, shansong, sf, fengniao) to account id");
      }
      for (String platformId : a.fieldNames()) {
        CourierPlatform platform;
        try {
          platform = CourierPlatform.fromId(platformId);
        } catch (IllegalArgumentException e) {
          throw new InvalidShopException("courierAccounts." + platformId, "courierAccounts." + platformId
              + ": no such courier platform (uu, shansong, sf, fengniao)");
        }
        Object account = a.getValue(platformId);
        if (account == null) {
          accounts.put(platform, null);
        } else if (!(account instanceof String s) || s.isBlank() || s.length() > MAX_ACCOUNT) {
          throw new InvalidShopException("courierAccounts." + platformId, "courierAccounts." + platformId
              + " must be an account id of 1 to " + MAX_ACCOUNT + " characters, or null for the default account");
        } else {
          accounts.put(platform, s);
        }
      }
    }
    return new ShopEdit(replace, hasName, name, hasHours, hours, hasAccounts, accounts);
  }

  /** The shop with this edit applied (version + 1). */
  public Shop applyTo(Shop shop, Instant now) {
    Map<CourierPlatform, String> merged = new EnumMap<>(CourierPlatform.class);
    if (!replace) {
      merged.putAll(shop.accounts());
    }
    if (hasAccounts) {
      accounts.forEach((p, a) -> {
        if (a == null) {
          merged.remove(p);
        } else {
          merged.put(p, a);
        }
      });
    }
    return new Shop(shop.foodPlatform(), shop.shopId(), hasName ? name : shop.name(), shop.address(), shop.lat(),
        shop.lng(), shop.city(), hasHours ? hours : shop.hours(), merged, shop.version() + 1, shop.createdAt(), now);
  }
}
