package io.kilosail.order;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Objects;

/**
 * An overflow order a food platform pushed to us (seed 004): where to pick it up and drop it off, how heavy, when it is
 * due, and the delivery fee the platform pays us (receivable, integer fen). Dispatch later adds the courier and what
 * we pay it (payable). Plain Java: the intake routes and the repository only move it in and out of JSON and rows.
 */
public record DeliveryOrder(String id, String platform, String platformOrderId, State state, String city, Shop shop,
                            Place pickup, Place dropoff, int weightGrams, long deliveryFeeFen, Long goodsValueFen,
                            String remark, Courier courier, Long courierFeeFen, Instant placedAt,
                            Instant expectedDeliveryAt, Instant receivedAt, Instant updatedAt) {

  /**
   * CREATED on intake, DISPATCHING once offered to a courier platform; the courier webhooks then move it along the
   * courier states (same names as {@code io.kilosail.contracts.courier.CourierState}); the delivery saga cancels it
   * when nobody will deliver it. DELIVERED, CANCELLED and RETURNED (the courier brought it back to the shop: the
   * delivery failed) are final.
   */
  public enum State {
    CREATED, DISPATCHING, ACCEPTED, ARRIVED_AT_SHOP, PICKED_UP, DELIVERED, CANCELLED, ABNORMAL, RETURNED;

    /** No courier or platform moves the order any more. */
    public boolean isFinal() {
      return this == DELIVERED || this == CANCELLED || this == RETURNED;
    }
  }

  public record Shop(String id, String name) {
  }

  /** Coordinates are GCJ-02, kept to 6 decimals (about 0.1 m), as the database stores them. */
  public record Place(String name, String phone, String address, BigDecimal lat, BigDecimal lng) {
    public Place {
      lat = lat.setScale(6, RoundingMode.HALF_UP);
      lng = lng.setScale(6, RoundingMode.HALF_UP);
    }

    JsonObject toJson() {
      return new JsonObject().put("name", name).put("phone", phone).put("address", address)
          .put("lat", lat.doubleValue()).put("lng", lng.doubleValue());
    }
  }

  /**
   * The courier platform holding the order and its order id there; null until dispatch. {@code rider}: where its
   * rider was last reported, null until a callback says.
   */
  public record Courier(String platform, String orderId, Rider rider) {

    public Courier(String platform, String orderId) {
      this(platform, orderId, null);
    }
  }

  /** A rider's position as its platform reported it (GCJ-02, 6 decimals) and the instant it was reported for. */
  public record Rider(BigDecimal lat, BigDecimal lng, Instant at) {

    JsonObject toJson() {
      return new JsonObject().put("lat", lat.doubleValue()).put("lng", lng.doubleValue())
          .put("at", at == null ? null : at.toString());
    }
  }

  /** A body that fits the contract but not the business rules; {@code field} is the JSON field at fault. */
  public static final class InvalidOrderException extends RuntimeException {
    private final String field;

    public InvalidOrderException(String field, String message) {
      super(message);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  public DeliveryOrder {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(platformOrderId, "platformOrderId");
    Objects.requireNonNull(state, "state");
  }

  /**
   * What a food platform states about an order it pushes, already read against the intake contract (the intake's
   * {@code OrderPush} parser names a field that does not fit it).
   */
  public record Pushed(String platformOrderId, String city, Shop shop, Place pickup, Place dropoff, int weightGrams,
                       long deliveryFeeFen, Long goodsValueFen, Instant placedAt, Instant expectedDeliveryAt,
                       String remark) {
  }

  /** A new order from a push that fits the contract; checks here only what a schema cannot say. */
  public static DeliveryOrder received(String id, String platform, Pushed push, Instant now) {
    if (!push.expectedDeliveryAt().isAfter(push.placedAt())) {
      throw new InvalidOrderException("expectedDeliveryAt", "expectedDeliveryAt must be after placedAt");
    }
    return new DeliveryOrder(id, platform, push.platformOrderId(), State.CREATED, push.city(), push.shop(),
        push.pickup(), push.dropoff(), push.weightGrams(), push.deliveryFeeFen(), push.goodsValueFen(), push.remark(),
        null, null, push.placedAt(), push.expectedDeliveryAt(), now, now);
  }

  /** The API view ({@code GET /v1/orders/...}) and the payload of {@code order.received}. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("orderId", id)
        .put("platform", platform)
        .put("platformOrderId", platformOrderId)
        .put("state", state.name())
        .put("city", city)
        .put("shop", new JsonObject().put("id", shop.id()).put("name", shop.name()))
        .put("pickup", pickup.toJson())
        .put("dropoff", dropoff.toJson())
        .put("weightGrams", weightGrams)
        .put("deliveryFeeFen", deliveryFeeFen)
        .put("goodsValueFen", goodsValueFen)
        .put("courierFeeFen", courierFeeFen)
        .put("courier", courier == null ? null
            : new JsonObject().put("platform", courier.platform()).put("orderId", courier.orderId())
                .put("rider", courier.rider() == null ? null : courier.rider().toJson()))
        .put("remark", remark)
        .put("placedAt", placedAt.toString())
        .put("expectedDeliveryAt", expectedDeliveryAt.toString())
        .put("receivedAt", receivedAt.toString())
        .put("updatedAt", updatedAt.toString())
        // State changes with their instants: see OrderTimeline.
        .put("timeline", new JsonArray());
  }
}
