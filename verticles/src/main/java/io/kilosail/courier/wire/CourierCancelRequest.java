package io.kilosail.courier.wire;

import java.util.Objects;

/** Asks a platform to cancel an order it holds; {@code platformOrderId} is the id the platform gave it. */
public record CourierCancelRequest(String orderId, String platformOrderId, String reason) {

  public CourierCancelRequest {
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(platformOrderId, "platformOrderId");
  }
}
