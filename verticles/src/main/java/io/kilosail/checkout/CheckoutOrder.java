package io.kilosail.checkout;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** A checkout order as stored: who buys what at which price, delivered where, paid through which channel. */
public record CheckoutOrder(String id, String idempotencyKey, String requestHash, CheckoutState state,
                            JsonObject customer, JsonArray items, JsonObject delivery, String currency,
                            long goodsMinor, long deliveryFeeMinor, long totalMinor, String paymentChannel,
                            String paymentUrl, Instant paymentExpiresAt, String endReason, Instant cancelRequestedAt,
                            Instant createdAt, Instant updatedAt) {

  /** The API view ({@code GET /v1/orders/{id}}, {@code POST /v1/checkout}). */
  public JsonObject toJson() {
    JsonObject payment = new JsonObject().put("channel", paymentChannel).put("url", paymentUrl)
        .put("expiresAt", paymentExpiresAt == null ? null : paymentExpiresAt.toString());
    return new JsonObject()
        .put("orderId", id)
        .put("kind", "checkout")
        .put("state", state.name())
        .put("customer", customer)
        .put("items", items)
        .put("delivery", delivery)
        .put("currency", currency)
        .put("goodsMinor", goodsMinor)
        .put("deliveryFeeMinor", deliveryFeeMinor)
        .put("totalMinor", totalMinor)
        .put("payment", payment)
        .put("endReason", endReason)
        .put("cancelRequestedAt", cancelRequestedAt == null ? null : cancelRequestedAt.toString())
        .put("createdAt", createdAt.toString())
        .put("updatedAt", updatedAt.toString());
  }
}
