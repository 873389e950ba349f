package io.kilosail.contracts.payment;

import io.kilosail.contracts.saga.SagaStep;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * One way for a customer to pay (seed 000's "aggregated payment"): Stripe Checkout first; Alipay or WeChat Pay would
 * be another implementation registered at its own {@link #address(String)}. The checkout saga only knows this
 * interface and picks the channel by name, so adding a channel never touches the saga.
 *
 * <p>A saga participant: calls carry the {@link SagaStep} and are idempotent per order (a repeat answers the first
 * outcome). The payment's result arrives later as a saga signal for the {@code checkout} saga, written by the
 * channel's webhook in the transaction that records it: {@code payment.succeeded}, {@code payment.failed},
 * {@code payment.expired}, {@code payment.refunded}.
 *
 * <p>Failures cross the bus as {@code ServiceException} with one of the codes below (4xxx means HTTP status xxx).
 */
@ProxyGen
@VertxGen
public interface PaymentChannel {

  String ADDRESS_PREFIX = "kilosail.payment.";

  /** The request is unusable (no amount, unknown currency…): final, never retried. */
  int INVALID_REQUEST = 4400;
  /** No payment is known for the order. */
  int PAYMENT_NOT_FOUND = 4404;
  /** The provider refused the call for good (e.g. its idempotency check, a refund of an unpaid payment). */
  int REFUSED_BY_PROVIDER = 4422;
  /** The provider could not be reached or answered 5xx / timed out: worth retrying. */
  int PROVIDER_UNAVAILABLE = 5503;

  static String address(String channel) {
    return ADDRESS_PREFIX + channel;
  }

  static PaymentChannel createProxy(Vertx vertx, String channel) {
    return new PaymentChannelVertxEBProxy(vertx, address(channel));
  }

  /** Opens a payment for the order (a Stripe Checkout Session) and answers where the customer pays. */
  Future<PaymentSession> createPayment(SagaStep step, PaymentRequest request);

  /**
   * Undoes the order's payment, whatever became of it: an open payment is expired (the customer can no longer pay),
   * a paid one is refunded in full, a failed or expired one needs nothing. Safe to repeat.
   */
  Future<PaymentSession> cancelPayment(SagaStep step, String orderId);

  /** The order's payment as last recorded (state, URL, refund), or {@link #PAYMENT_NOT_FOUND}. */
  Future<PaymentSession> find(String orderId);
}
