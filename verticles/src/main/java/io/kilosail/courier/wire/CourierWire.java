package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;

import java.util.Map;

/**
 * One courier platform's wire format, as plain functions: build the signed HTTP request for a quote, an order and a
 * cancellation; read the platform's answers; verify and read its callbacks; and the reply body it expects.
 *
 * <p>No I/O and no Vert.x runtime: the adapter that sends the request and the webhook verticle that receives the
 * callback are thin layers around an implementation, and a unit test drives it with fixed vectors.
 */
public interface CourierWire {

  CourierPlatform platform();

  /** The request asking the platform for a price for this delivery. */
  CourierHttpRequest quote(CourierOrderRequest order);

  /** The request placing the order (UU and Shansong need the quote's token in {@code order.quoteToken()}). */
  CourierHttpRequest createOrder(CourierOrderRequest order);

  /**
   * True when {@link #createOrder} needs the token of an earlier quote ({@code order.quoteToken()}): UU places by its
   * price token, Shansong by the order number of its quote. A caller holding no token (a cached price) quotes first.
   */
  boolean placesWithQuoteToken();

  CourierHttpRequest cancel(CourierCancelRequest cancel);

  /** Reads a quote answer; {@link CourierRejectedException} when the platform refused, {@link CourierWireException} when unreadable. */
  CourierQuote readQuote(String responseBody);

  CourierOrderPlaced readCreateOrder(String responseBody);

  /**
   * Reads the answer to {@link #createOrder}{@code (placed)}. A platform whose create answer does not state the price
   * (UU places by a price token) takes it from what it placed; by default the answer alone is read.
   */
  default CourierOrderPlaced readCreateOrder(CourierOrderRequest placed, String responseBody) {
    return readCreateOrder(responseBody);
  }

  CourierCancelled readCancel(String responseBody);

  /**
   * The request asking the platform what it knows of one order (its order-detail query), by kilosail's order id and,
   * when known, the platform's own ({@code platformOrderId} is null when the create's answer never came), under
   * {@code account}, the account the order was placed with (a shop's own; null for the wire's default): the platform
   * shows an account only the orders placed under it. Until a wire implements it, callers treat the outcome as unknown
   * and fall back to repeating the idempotent create.
   */
  default CourierHttpRequest orderDetail(String account, String orderId, String platformOrderId) {
    throw new UnsupportedOperationException(platform().id() + " has no order-detail query yet");
  }

  default CourierOrderDetail readOrderDetail(String responseBody) {
    throw new UnsupportedOperationException(platform().id() + " has no order-detail query yet");
  }

  /**
   * The request adding a tip (加小费) of {@code tipFen} to an order the platform holds and no courier took yet.
   * {@code key} names this one tip (our order and tip round): where the platform takes a request id it is sent, so a
   * repeated call after an unknown outcome is not a second tip. Sent under {@code account}, the account the order was
   * placed with (a shop's own; null for the wire's default). Until a wire implements it nothing is sent.
   */
  default CourierHttpRequest addTip(String account, String orderId, String platformOrderId, long tipFen, String key) {
    throw new UnsupportedOperationException(platform().id() + " has no tip call yet");
  }

  default CourierTipAdded readAddTip(String responseBody) {
    throw new UnsupportedOperationException(platform().id() + " has no tip call yet");
  }

  /**
   * The request asking the platform for the prepaid balance of {@code account} (a shop's own account; null for the
   * wire's default). Until a wire implements it nothing is sent and callers read it as "no balance query".
   */
  default CourierHttpRequest accountBalance(String account) {
    throw new UnsupportedOperationException(platform().id() + " has no balance query");
  }

  /** The balance the answer states, in fen (may be negative where the platform lets an account run into debt). */
  default long readAccountBalance(String responseBody) {
    throw new UnsupportedOperationException(platform().id() + " has no balance query");
  }

  /** The account to send: {@code account} (a shop's own), or {@code fallback} (the wire's default) when none is named. */
  static String accountOr(String account, String fallback) {
    return account == null || account.isBlank() ? fallback : account;
  }

  /** True only when the callback carries this platform's valid signature over exactly these bytes. */
  boolean verifyCallback(CourierInbound inbound);

  /**
   * The canonical reading of a callback. Call it after {@link #verifyCallback}; it does not check the signature.
   * A platform status this table does not know maps to {@link CourierState#ABNORMAL}, keeping the raw status.
   */
  CourierCallback readCallback(CourierInbound inbound);

  /**
   * What kilosail appends to the callback URL it registers with this platform ({@code ?token=...} for a platform that
   * does not sign its callbacks, see {@link CallbackToken}); empty when the platform signs them.
   */
  default String callbackQuery() {
    return "";
  }

  /** The body (JSON) the platform expects in a 2xx answer to a callback it should not resend. */
  String callbackReply();

  /** Every platform status this wire knows, mapped to its canonical state (for tests and documentation). */
  Map<String, CourierState> statusTable();
}
