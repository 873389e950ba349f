package io.kilosail.shop;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The balance rules as plain Java: who can pay, and what a cancelled placement gives back. */
class CourierBalancesTest {

  @Test
  void anAccountPaysDownToItsFloorAndAnUntrackedOneAlwaysPays() {
    CourierBalances.Account account = new CourierBalances.Account("uu", "openid-1", 1_000, 300);
    assertThat(CourierBalances.canPay(account, 1_000, 0)).isTrue();
    assertThat(CourierBalances.canPay(account, 1_001, 0)).isFalse();
    assertThat(CourierBalances.canPay(account, 900, 200)).isFalse();
    assertThat(CourierBalances.canPay(null, 1_000_000, 0)).isTrue();
  }

  @Test
  void aCancelledPlacementGivesBackItsChargeLessThePenaltyOnce() {
    assertThat(CourierBalances.refundDue(1_000, 0, 0)).as("a free cancel").isEqualTo(1_000);
    assertThat(CourierBalances.refundDue(1_000, 200, 0)).isEqualTo(800);
    assertThat(CourierBalances.refundDue(1_000, 200, 800)).as("already credited").isZero();
    assertThat(CourierBalances.refundDue(1_000, 1_500, 0)).as("the penalty takes it all").isZero();
  }

  @Test
  void aPenaltyStatedLaterMovesTheBalanceByTheDifference() {
    assertThat(CourierBalances.refundDue(1_000, 350, 800)).isEqualTo(-150);
    assertThat(CourierBalances.refundDue(1_000, 100, 800)).isEqualTo(100);
    assertThat(CourierBalances.refundDue(1_000, 1_200, 800)).isEqualTo(-800);
  }
}
