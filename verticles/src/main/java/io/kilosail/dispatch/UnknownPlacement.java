package io.kilosail.dispatch;

import io.kilosail.contracts.courier.CourierOrderLookup;
import io.kilosail.contracts.courier.CourierState;

/**
 * How dispatch settles a placement whose answer never came, from what the platform's order-detail query says (plain
 * Java). The platform is asked before the create is repeated: an order it holds is taken as placed, at the price it
 * states; an order it does not have may safely be placed again. With no usable answer (the wire has no detail query,
 * or the query failed too) the create is repeated as before: the platforms answer a repeated create of a live order
 * with the order they hold, so that stays safe, only blinder.
 */
public final class UnknownPlacement {

  /** PLACED: the platform holds the order, no create is sent. PLACE_AGAIN: the create is sent (again). */
  public enum Resolution { PLACED, PLACE_AGAIN }

  private UnknownPlacement() {
  }

  /** @param lookup the detail query's answer, or null when there is none (not supported, failed, timed out) */
  public static Resolution resolve(CourierOrderLookup lookup) {
    if (lookup == null || !lookup.isFound() || lookup.getPlatformOrderId() == null) {
      return Resolution.PLACE_AGAIN;
    }
    // An order the platform already cancelled there (no rider found, refused) holds nobody: a new create is safe.
    return CourierState.CANCELLED.name().equals(lookup.getState()) ? Resolution.PLACE_AGAIN : Resolution.PLACED;
  }
}
