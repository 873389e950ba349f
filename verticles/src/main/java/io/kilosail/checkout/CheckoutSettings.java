package io.kilosail.checkout;

import io.kilosail.platform.settings.ConfigSection;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;

/**
 * The {@code checkout} section (docs/checkout.md).
 *
 * @param platform       the food-platform name our own orders carry into delivery (quoting and dispatch rules,
 *                       settlement reports and push-back see the shop as one more platform)
 * @param paymentChannel the channel a checkout pays through unless it names another ({@code stripe})
 * @param paymentChannels the channels a checkout may name: each one a verticle at {@code kilosail.payment.<name>}
 * @param paymentWindow  how long the customer has to pay: the payment's expiry, the reservation's hold, and the
 *                       saga's wait for the payment (plus {@code paymentGrace} for the provider's last webhook)
 * @param answerWait     how long {@code POST /v1/checkout} waits for the payment URL before answering 202 (poll)
 * @param deliveryWait   how long a paid order waits for its delivery before it is cancelled and refunded
 * @param shop           where the goods are picked up: {@code id, name, phone, address, city, lat, lng}
 */
public record CheckoutSettings(String platform, String paymentChannel, List<String> paymentChannels,
                               long deliveryFeeMinor, int weightGrams,
                               Duration paymentWindow, Duration paymentGrace, Duration answerWait,
                               Duration deliveryWait, int maxLines, int maxQuantity, JsonObject shop) {

  public static final String SECTION = "checkout";

  public static CheckoutSettings fromJson(JsonObject config) {
    ConfigSection s = new ConfigSection(config, SECTION);
    JsonObject shop = s.values().getJsonObject("shop", new JsonObject()
        .put("id", "kilosail-shop-1").put("name", "kilosail shop").put("phone", "021-60000000")
        .put("address", "上海市黄浦区南京东路 1 号").put("city", "310100").put("lat", 31.2304).put("lng", 121.4737));
    for (String field : new String[] {"id", "name", "phone", "address", "city"}) {
      if (!(shop.getValue(field) instanceof String value) || value.isBlank()) {
        throw new SettingException(s.name("shop." + field), "must be a non-empty string");
      }
    }
    for (String field : new String[] {"lat", "lng"}) {
      if (!(shop.getValue(field) instanceof Number)) {
        throw new SettingException(s.name("shop." + field), "must be a number");
      }
    }
    String paymentChannel = s.text("paymentChannel", "stripe");
    Object listed = s.values().getValue("paymentChannels", new JsonArray().add(paymentChannel));
    if (!(listed instanceof JsonArray channels) || channels.isEmpty()
        || !channels.stream().allMatch(c -> c instanceof String name && name.matches("[a-z0-9-]{1,32}"))) {
      throw new SettingException(s.name("paymentChannels"), "must be a non-empty list of channel names (a-z, 0-9, -)");
    }
    List<String> paymentChannels = channels.stream().map(String.class::cast).toList();
    if (!paymentChannels.contains(paymentChannel)) {
      throw new SettingException(s.name("paymentChannel"), "'" + paymentChannel + "' is not one of paymentChannels "
          + paymentChannels);
    }
    return new CheckoutSettings(
        s.text("platform", "shop"),
        paymentChannel,
        paymentChannels,
        s.integer("deliveryFeeMinor", 600, 0, 1_000_000),
        s.integer("weightGrams", 1000, 1, 100_000),
        Duration.ofSeconds(s.integer("paymentWindowSeconds", 1920, 10, 24 * 3600)),
        Duration.ofSeconds(s.integer("paymentGraceSeconds", 120, 0, 3600)),
        Duration.ofMillis(s.integer("answerWaitMs", 10_000, 0, 60_000)),
        Duration.ofMillis(s.integer("deliveryWaitMs", 5 * 3_600_000, 1_000, 48 * 3_600_000)),
        s.integer("maxLines", 50, 1, 500),
        s.integer("maxQuantity", 100, 1, 100_000),
        shop);
  }
}
