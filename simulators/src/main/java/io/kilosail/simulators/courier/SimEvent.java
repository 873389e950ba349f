package io.kilosail.simulators.courier;

/**
 * What happens to an order on a simulated platform, each reported by a callback in the platform's own status code
 * (a platform with no code for an event skips its callback).
 */
enum SimEvent {
  ACCEPTED,
  ARRIVED_AT_SHOP,
  PICKED_UP,
  DELIVERED,
  /** The courier gave the order up; the platform looks for another one. */
  COURIER_GAVE_UP,
  /** No courier took the order before the platform's timeout; the platform cancels it. */
  NO_COURIER,
  /** The courier cancelled after accepting; the platform cancels the order. */
  COURIER_CANCELLED,
  /** We asked the platform to cancel. */
  CANCELLED_BY_MERCHANT,
  /** The platform raised an exception on the delivery (SF 91, Fengniao 5). */
  ABNORMAL;

  boolean isTerminal() {
    return this == DELIVERED || this == NO_COURIER || this == COURIER_CANCELLED || this == CANCELLED_BY_MERCHANT;
  }
}
