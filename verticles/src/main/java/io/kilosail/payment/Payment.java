package io.kilosail.payment;

import io.kilosail.contracts.payment.PaymentSession;
import io.kilosail.infra.Times;
import io.vertx.sqlclient.Row;

import java.time.Instant;

/** An order's payment as recorded (table {@code payment}). */
public record Payment(String orderId, String channel, String paymentId, String paymentIntent, String url,
                      PaymentState state, String currency, long amountMinor, Instant expiresAt, String refundId,
                      String reason) {

  static Payment of(Row row) {
    return new Payment(row.getString("order_id"), row.getString("channel"), row.getString("payment_id"),
        row.getString("payment_intent"), row.getString("url"), PaymentState.valueOf(row.getString("state")),
        row.getString("currency"), row.getLong("amount_minor"), Times.fromDb(row.getLocalDateTime("expires_at")),
        row.getString("refund_id"), row.getString("reason"));
  }

  public PaymentSession toSession() {
    return new PaymentSession().setOrderId(orderId).setChannel(channel).setPaymentId(paymentId).setUrl(url)
        .setState(state.name()).setCurrency(currency).setAmountMinor(amountMinor)
        .setExpiresAtEpochSeconds(expiresAt.getEpochSecond()).setRefundId(refundId);
  }

  /**
   * What a move writes besides the state; null fields keep what the row has (a provider's event that does not repeat
   * the payment intent leaves it as it was).
   */
  public record Changes(String paymentId, String url, String paymentIntent, String refundId, String reason) {

    public static final Changes NONE = new Changes(null, null, null, null, null);

    public static Changes reason(String reason) {
      return new Changes(null, null, null, null, reason);
    }
  }
}
