package io.kilosail.contracts.saga;

/**
 * The delivery saga (one per delivery order, its business key the order id) and the facts kept for it by the
 * transactions that learn them ({@code saga_pending_signal}): dispatch tells it that a courier holds the order,
 * delivered it, brought it back or that none will take it; a cancellation tells it the order was cancelled.
 */
public final class DeliverySagaSignals {

  public static final String SAGA_TYPE = "delivery";
  public static final String COURIER_ASSIGNED = "delivery.courier-assigned";
  public static final String NO_COURIER = "delivery.no-courier";
  public static final String DELIVERED = "delivery.delivered";
  /** The holder's courier brought the order back to the shop: the delivery failed, nothing is left to wait for. */
  public static final String RETURNED = "delivery.returned";
  /**
   * The food platform cancelled the order (kept by the cancellation's own transaction): a wait ends and the saga
   * compensates, calling every courier off.
   */
  public static final String ORDER_CANCELLED = "delivery.order-cancelled";

  private DeliverySagaSignals() {
  }
}
