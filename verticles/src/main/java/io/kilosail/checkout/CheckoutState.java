package io.kilosail.checkout;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a checkout order is. The happy path is CREATED → AWAITING_PAYMENT → PAID → DELIVERING → COMPLETED; every
 * other end is one of the terminal failures, each with the compensations the checkout saga ran before it.
 */
public enum CheckoutState {
  CREATED,
  /** Stock reserved, the payment page is open. */
  AWAITING_PAYMENT,
  /** The payment is confirmed, the stock sold. */
  PAID,
  /** Handed to the delivery saga. */
  DELIVERING,
  COMPLETED,
  /** Not enough stock: nothing was held, nothing paid. */
  REJECTED,
  /** The payment was refused; the stock went back on sale. */
  PAYMENT_FAILED,
  /** The customer did not pay in time; the stock went back on sale. */
  EXPIRED,
  /** Cancelled (by the customer, an operator, or because no courier delivered): refunded if paid, stock back. */
  CANCELLED;

  private static final Set<CheckoutState> TERMINAL = EnumSet.of(COMPLETED, REJECTED, PAYMENT_FAILED, EXPIRED, CANCELLED);

  public boolean terminal() {
    return TERMINAL.contains(this);
  }

  /** Forward only: a state never returns to an earlier one, and a terminal state never changes. */
  public boolean canMoveTo(CheckoutState next) {
    if (terminal() || next == this) {
      return false;
    }
    return next.terminal() ? next != COMPLETED || this == DELIVERING : next.ordinal() > ordinal();
  }

  /** The customer may still call the order off (a delivered one is done; an ended one is already over). */
  public boolean cancellable() {
    return !terminal();
  }

  /**
   * How a checkout that did not complete ends, from what its saga learnt: a refusal of stock, a payment outcome, a
   * cancel request, or a wait that ran out.
   */
  public static CheckoutState endOf(String endReason, boolean cancelRequested, boolean paid) {
    if (cancelRequested) {
      return CANCELLED;
    }
    if (endReason == null) {
      // A wait that ran out: for the payment it expired, for the delivery the order is called off.
      return paid ? CANCELLED : EXPIRED;
    }
    return switch (EndReason.codeOf(endReason)) {
      case EndReason.OUT_OF_STOCK -> REJECTED;
      case EndReason.PAYMENT_FAILED -> PAYMENT_FAILED;
      case EndReason.PAYMENT_EXPIRED -> EXPIRED;
      default -> CANCELLED;
    };
  }

  /** Why an order ended, as the saga's data carries it: {@code code: detail}. */
  public static final class EndReason {
    public static final String OUT_OF_STOCK = "out-of-stock";
    public static final String PAYMENT_FAILED = "payment-failed";
    public static final String PAYMENT_EXPIRED = "payment-expired";
    public static final String NOT_DELIVERED = "not-delivered";

    private EndReason() {
    }

    public static String of(String code, String detail) {
      return detail == null || detail.isBlank() ? code : code + ": " + detail;
    }

    static String codeOf(String reason) {
      int colon = reason.indexOf(':');
      return colon < 0 ? reason : reason.substring(0, colon);
    }
  }
}
