package io.kilosail.admin;

import java.util.Set;

/**
 * The event bus addresses a browser may touch through the bridge, and nothing else: it may listen to the
 * {@code dashboard.*} topics and send the admin commands (with an operator's token). Service addresses are never
 * reachable from a browser.
 */
public final class AdminAddresses {

  /** What the bridge lets out: the dashboard topics only. */
  public static final String DASHBOARD_REGEX = "dashboard\\..+";

  public static final String THROUGHPUT = "dashboard.throughput";
  public static final String ORDERS = "dashboard.orders";
  public static final String COURIERS = "dashboard.couriers";
  public static final String QUOTES = "dashboard.quotes";
  public static final String SAGAS = "dashboard.sagas";
  public static final String MESSAGING = "dashboard.messaging";
  public static final String MARGINS = "dashboard.margins";

  /** Resume a FAILED saga: body {@code {"sagaId": "..."}}. */
  public static final String RETRY_SAGA = "admin.sagas.retry";
  /** Cancel an order as the operator (no penalty for the food platform): {@code {"orderId": "...", "reason": "..."}}. */
  public static final String CANCEL_ORDER = "admin.orders.cancel";
  public static final Set<String> COMMANDS = Set.of(RETRY_SAGA, CANCEL_ORDER);

  /**
   * Header the bridge puts on an admin command once the token checked out: who sent it. The token itself is dropped
   * there and never travels further on the bus.
   */
  public static final String OPERATOR_HEADER = "operator";

  /** Header a browser puts its token in: {@code Bearer <jwt>} or the bare token. */
  public static final String AUTHORIZATION_HEADER = "authorization";

  /** Where the saga coordinator tells that a saga ended FAILED; cluster-wide, not bridged. */
  public static final String SAGA_FAILED = "kilosail.saga.failed";

  /**
   * Where the quote verticle tells that an order was offered to couriers below the margin's floor (an allowed loss):
   * {@code {orderId, foodPlatform, city, deliveryFeeFen, cheapestFen, rule, at}}; cluster-wide, not bridged.
   */
  public static final String MARGIN_BELOW_FLOOR = "kilosail.margin.below-floor";

  private AdminAddresses() {
  }
}
