package io.kilosail.payment;

import org.junit.jupiter.api.Test;

import static io.kilosail.payment.PaymentState.CANCELLED;
import static io.kilosail.payment.PaymentState.CREATING;
import static io.kilosail.payment.PaymentState.EXPIRED;
import static io.kilosail.payment.PaymentState.FAILED;
import static io.kilosail.payment.PaymentState.OPEN;
import static io.kilosail.payment.PaymentState.PAID;
import static io.kilosail.payment.PaymentState.PROCESSING;
import static io.kilosail.payment.PaymentState.REFUNDED;
import static org.assertj.core.api.Assertions.assertThat;

class PaymentStateTest {

  @Test
  void aPaymentOnlyMovesForward() {
    assertThat(OPEN.canMoveTo(PAID)).isTrue();
    assertThat(OPEN.canMoveTo(PROCESSING)).isTrue();
    assertThat(PROCESSING.canMoveTo(PAID)).isTrue();
    assertThat(PROCESSING.canMoveTo(FAILED)).isTrue();
    assertThat(PAID.canMoveTo(REFUNDED)).isTrue();
    assertThat(CREATING.canMoveTo(CANCELLED)).isTrue();

    assertThat(PAID.canMoveTo(PROCESSING)).as("a late 'completed, unpaid' after the async success").isFalse();
    assertThat(PAID.canMoveTo(EXPIRED)).isFalse();
    assertThat(PAID.canMoveTo(FAILED)).isFalse();
    assertThat(EXPIRED.canMoveTo(PAID)).isFalse();
    assertThat(CANCELLED.canMoveTo(OPEN)).as("a create that lost the race to its compensation").isFalse();
    assertThat(OPEN.canMoveTo(OPEN)).isFalse();
    for (PaymentState end : new PaymentState[] {FAILED, EXPIRED, REFUNDED, CANCELLED}) {
      assertThat(end.terminal()).isTrue();
    }
  }

  @Test
  void theSagaHearsOfEveryEndOfAPayment() {
    assertThat(PAID.signal()).isEqualTo("payment.succeeded");
    assertThat(FAILED.signal()).isEqualTo("payment.failed");
    assertThat(EXPIRED.signal()).isEqualTo("payment.expired");
    assertThat(REFUNDED.signal()).isEqualTo("payment.refunded");
    assertThat(PROCESSING.signal()).isNull();
    assertThat(OPEN.signal()).isNull();
  }
}
