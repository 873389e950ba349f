package io.kilosail.contracts.events;

/**
 * The kinds of courier callback decision the order hands to dispatch, in the callback's transaction (no topic: the
 * callback moves the order and its dispatch together).
 */
public final class OrderEvents {

  /** A courier callback moved the order (a claim, a delivery, a cancel...). */
  public static final String COURIER_STATE_CHANGED = "order.courier-state-changed";
  /** A courier callback that moved nothing but that dispatch acts on (a give-up, a loser, a candidate dropping out). */
  public static final String COURIER_FACT = "order.courier-fact";

  private OrderEvents() {
  }
}
