package io.kilosail.contracts.courier;

import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Talks to the courier platforms (UU, Shansong, SF same-city, Fengniao) on behalf of the quote and dispatch
 * verticles: one call is one HTTP request to one platform, behind that platform's own circuit breaker and timeout.
 * {@code platform} is a {@link CourierPlatform#id()}.
 *
 * <p>Nothing here retries: a proxy call is not durable, so the caller (quote, dispatch, saga) decides from its own
 * persisted state whether to try again. Placing the same {@code orderId} twice while it is live is answered by the
 * platforms with the order they already hold, which is what makes a retried {@link #placeOrder} safe.
 *
 * <p>Failures cross the bus as {@code ServiceException} with one of the codes below; a code 4xxx means HTTP status
 * xxx to an HTTP adapter. {@link #REJECTED} is the platform's business answer (the circuit stays closed); the others
 * say the platform could not be asked or did not answer sensibly, and all of those count towards opening its circuit.
 */
@ProxyGen
@VertxGen
public interface CourierGateway {

  String ADDRESS = "kilosail.courier.gateway";

  /** The request itself is unusable (missing order id, places…); nothing was sent. */
  int INVALID_REQUEST = 4400;
  /** No platform with that id is configured on this node (no credentials in {@code couriers.<id>}). */
  int UNKNOWN_PLATFORM = 4404;
  /** The platform answered and refused (its own code is in the debug info as {@code platformCode}). */
  int REJECTED = 4422;
  /** The platform answered something its wire cannot read: a format change or a bug, not a refusal. */
  int BAD_ANSWER = 4502;
  /** The platform answered 5xx, or could not be reached (connection refused or reset). */
  int PLATFORM_DOWN = 4503;
  /** The platform did not answer within the call's timeout. */
  int TIMEOUT = 4504;
  /**
   * The connection closed after the request had left (reset, closed by a stopping node): the platform may have acted
   * on it. Like {@link #TIMEOUT} an unknown outcome, see {@link CourierCallOutcome}.
   */
  int CONNECTION_LOST = 4505;
  /**
   * The platform's circuit is open after repeated failures: the call failed at once and no request was sent. Distinct
   * from {@link #PLATFORM_DOWN} (same HTTP 503 to an adapter) so a caller can tell "not even tried" from "tried".
   */
  int CIRCUIT_OPEN = 5503;
  /**
   * The platform's wire has no order-detail query (yet): nothing was sent. The caller falls back to what it did
   * without one (for a placement whose answer never came: repeating the idempotent create).
   */
  int NOT_SUPPORTED = 4501;

  static CourierGateway createProxy(Vertx vertx, String address) {
    return new CourierGatewayVertxEBProxy(vertx, address);
  }

  /** Asks one platform for a price for this delivery. */
  Future<CourierQuoteResult> quote(String platform, DeliveryRequest delivery);

  /** Places the order with one platform; UU and Shansong need {@code delivery.quoteToken} from a quote. */
  Future<CourierPlacement> placeOrder(String platform, DeliveryRequest delivery);

  /**
   * Asks one platform what it knows of our order {@code orderId} (its order-detail query), by our id and, when known,
   * its own ({@code platformOrderId} may be null: the create's answer never came), under the account the order was
   * placed with ({@code account}: a shop's own, see {@code DeliveryRequest#getCourierAccounts}; null for the default
   * account), as a platform shows an account only its own orders. Answers {@code found=false} when the platform has no
   * such order; fails with {@link #NOT_SUPPORTED} when its wire has no such query.
   */
  Future<CourierOrderLookup> orderDetail(String platform, String account, String orderId, String platformOrderId);

  /**
   * Adds a tip (加小费) of {@code tipFen} to an order the platform holds and no courier took yet. {@code key} names this
   * one tip (our order and tip round): a call repeated after an unknown outcome ({@link #TIMEOUT},
   * {@link #CONNECTION_LOST}) goes with the same key and is not a second tip where the platform takes a request id.
   * Fails with {@link #NOT_SUPPORTED}, sending nothing, where the platform's wire has no tip call yet; with
   * {@link #REJECTED} when the platform refuses (a courier took the order meanwhile). Sent under the account the order
   * was placed with ({@code account}: a shop's own, see {@code DeliveryRequest#getCourierAccounts}; null for the default
   * account), which is also the one the tip is charged to.
   */
  Future<CourierTip> addTip(String platform, String account, String orderId, String platformOrderId, long tipFen,
                            String key);

  /**
   * Asks one platform for the prepaid balance of one of our accounts with it (its own balance query: UU
   * {@code user/account}, SF {@code getshopaccountbalance}, Fengniao {@code getAmount}), in fen. {@code account} is the
   * platform's account id as a shop or the couriers section names it (UU openId, SF shop_id, Fengniao store code);
   * null for the default account. Changes nothing at the platform, so a caller may simply ask again. Fails with
   * {@link #NOT_SUPPORTED}, sending nothing, where the platform has no balance query (Shansong).
   */
  Future<Long> accountBalance(String platform, String account);

  /** Cancels an order the platform holds; the penalty is in the answer when the platform states one. */
  Future<CourierCancellation> cancel(String platform, String orderId, String platformOrderId, String reason);

  /**
   * As {@link #cancel}, under the account the order was placed with ({@code account}: a shop's own, see
   * {@code DeliveryRequest#getCourierAccounts}; null for the default account).
   */
  Future<CourierCancellation> cancelUnder(String platform, String account, String orderId, String platformOrderId,
                                          String reason);
}
