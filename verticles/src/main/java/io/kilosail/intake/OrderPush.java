package io.kilosail.intake;

import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.DeliveryOrder.Place;
import io.kilosail.order.DeliveryOrder.Pushed;
import io.kilosail.order.DeliveryOrder.Shop;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.Set;

import static io.kilosail.intake.JsonChecks.integer;
import static io.kilosail.intake.JsonChecks.invalid;
import static io.kilosail.intake.JsonChecks.number;
import static io.kilosail.intake.JsonChecks.object;
import static io.kilosail.intake.JsonChecks.onlyKnownFields;
import static io.kilosail.intake.JsonChecks.string;
import static io.kilosail.intake.JsonChecks.utc;

/**
 * A push body ({@code components/schemas/OrderPush} of {@code openapi/intake.yaml}) read into the order's typed facts
 * ({@link Pushed}) with the contract's checks written out: required fields, types, lengths, the platform order id's characters, ranges,
 * coordinates, money as integer fen, UTC instants, no unknown fields. The yaml stays the published contract;
 * {@code IntakeContractAgreementTest} walks it and checks that every bound it declares is enforced here.
 * Business rules (due after placed) stay in {@link DeliveryOrder#received}.
 */
public final class OrderPush {

  static final Set<String> FIELDS = Set.of("platformOrderId", "city", "shop", "pickup", "dropoff", "weightGrams",
      "deliveryFeeFen", "goodsValueFen", "placedAt", "expectedDeliveryAt", "remark");
  static final Set<String> SHOP_FIELDS = Set.of("id", "name");
  static final Set<String> PLACE_FIELDS = Set.of("name", "phone", "address", "lat", "lng");
  /** components/schemas/Fen. */
  static final long MAX_FEN = 100_000_000L;
  static final int MAX_WEIGHT_GRAMS = 100_000;

  private OrderPush() {
  }

  /** The push, or {@link InvalidRequestException} naming the first field that does not fit the contract. */
  public static Pushed parse(JsonObject body) {
    onlyKnownFields(body, "", FIELDS);
    String platformOrderId = string(body, "", "platformOrderId", true, 1, 64);
    for (int i = 0; i < platformOrderId.length(); i++) {
      char c = platformOrderId.charAt(i);
      if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':'
          || c == '-')) {
        throw invalid("", "platformOrderId", "must be letters, digits, '.', '_', ':' or '-' (^[A-Za-z0-9._:-]+$)");
      }
    }
    String city = string(body, "", "city", true, 1, 32);
    JsonObject shopJson = object(body, "", "shop");
    onlyKnownFields(shopJson, "shop", SHOP_FIELDS);
    Shop shop = new Shop(string(shopJson, "shop", "id", true, 1, 64), string(shopJson, "shop", "name", true, 1, 128));
    Place pickup = place(body, "pickup");
    Place dropoff = place(body, "dropoff");
    int weightGrams = integer(body, "", "weightGrams", true, 1, MAX_WEIGHT_GRAMS).intValue();
    long deliveryFeeFen = integer(body, "", "deliveryFeeFen", true, 0, MAX_FEN);
    Long goodsValueFen = integer(body, "", "goodsValueFen", false, 0, MAX_FEN);
    Instant placedAt = utc(body, "", "placedAt");
    Instant expectedDeliveryAt = utc(body, "", "expectedDeliveryAt");
    String remark = string(body, "", "remark", false, 0, 500);
    return new Pushed(platformOrderId, city, shop, pickup, dropoff, weightGrams, deliveryFeeFen, goodsValueFen,
        placedAt, expectedDeliveryAt, remark);
  }

  /** components/schemas/Place: GCJ-02 coordinates. */
  private static Place place(JsonObject body, String name) {
    JsonObject json = object(body, "", name);
    onlyKnownFields(json, name, PLACE_FIELDS);
    return new Place(string(json, name, "name", true, 1, 64), string(json, name, "phone", true, 3, 32),
        string(json, name, "address", true, 1, 255), number(json, name, "lat", -90, 90),
        number(json, name, "lng", -180, 180));
  }
}
