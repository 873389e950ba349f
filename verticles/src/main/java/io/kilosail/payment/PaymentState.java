package io.kilosail.payment;

import io.kilosail.checkout.CheckoutSaga;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where an order's payment stands. It only moves forward, so a provider's late, repeated or reordered event can
 * never take a payment back (a {@code completed} arriving after {@code async_payment_succeeded} leaves it PAID):
 *
 * <pre>
 *   CREATING ─┬─ OPEN ─┬─ PROCESSING ─┬─ PAID ── REFUNDED
 *             │        │              └─ FAILED
 *             │        ├─ PAID, FAILED, EXPIRED
 *             │        └─ REFUNDED (a refund recorded before the event that said it was paid)
 *             └─ CANCELLED (undone before the provider was asked)
 * </pre>
 */
public enum PaymentState {
  /** Written before the provider is called. */
  CREATING,
  /** The customer may pay. */
  OPEN,
  /** Paid by a delayed method; the provider has not confirmed it yet. */
  PROCESSING,
  PAID,
  FAILED,
  EXPIRED,
  REFUNDED,
  /** Undone before a payment page existed: a late create closes what it opens. */
  CANCELLED;

  private Set<PaymentState> next() {
    return switch (this) {
      case CREATING -> EnumSet.of(OPEN, CANCELLED);
      case OPEN -> EnumSet.of(PROCESSING, PAID, FAILED, EXPIRED, REFUNDED);
      case PROCESSING -> EnumSet.of(PAID, FAILED, REFUNDED);
      case PAID -> EnumSet.of(REFUNDED);
      case FAILED, EXPIRED, REFUNDED, CANCELLED -> EnumSet.noneOf(PaymentState.class);
    };
  }

  public boolean canMoveTo(PaymentState target) {
    return next().contains(target);
  }

  public boolean terminal() {
    return next().isEmpty();
  }

  /** The saga signal a move into this state sends, or null when the saga need not hear of it. */
  public String signal() {
    return switch (this) {
      case PAID -> CheckoutSaga.PAYMENT_SUCCEEDED;
      case FAILED -> CheckoutSaga.PAYMENT_FAILED;
      case EXPIRED -> CheckoutSaga.PAYMENT_EXPIRED;
      case REFUNDED -> CheckoutSaga.PAYMENT_REFUNDED;
      default -> null;
    };
  }
}
