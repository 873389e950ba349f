package io.kilosail.courier.wire;

import java.util.Objects;

/**
 * Asks a platform to cancel an order it holds; {@code platformOrderId} is the id the platform gave it, {@code account}
 * the account it was placed under (a shop's own; null for the default account).
 */
public record CourierCancelRequest(String orderId, String platformOrderId, String reason, String account) {

  public CourierCancelRequest {
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(platformOrderId, "platformOrderId");
  }

  public CourierCancelRequest(String orderId, String platformOrderId, String reason) {
    this(orderId, platformOrderId, reason, null);
  }

  /** The account to send, {@code fallback} (the wire's default) when the order was placed under none of its own. */
  public String accountOr(String fallback) {
    return CourierWire.accountOr(account, fallback);
  }
}
