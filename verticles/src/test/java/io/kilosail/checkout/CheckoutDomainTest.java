package io.kilosail.checkout;

import io.kilosail.checkout.CheckoutPricing.Priced;
import io.kilosail.checkout.CheckoutPricing.Unpriceable;
import io.kilosail.checkout.CheckoutPricing.Wanted;
import io.kilosail.checkout.CheckoutState.EndReason;
import io.kilosail.checkout.StockRepository.Sku;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pricing and the order's states, without Vert.x. */
class CheckoutDomainTest {

  private static final Map<String, Sku> CATALOG = Map.of(
      "tea", new Sku("tea", "Longjing tea 250 g", 8_800, "CNY", 10, 0, 0, 0),
      "cup", new Sku("cup", "Celadon cup", 3_500, "CNY", 10, 0, 0, 0),
      "mug", new Sku("mug", "Mug", 1_200, "USD", 10, 0, 0, 0));
  private final CheckoutPricing pricing = new CheckoutPricing(600, 3, 20);

  @Test
  void pricesEachLineAtTheCatalogPricePlusDelivery() {
    Priced priced = pricing.price(List.of(new Wanted("tea", 2), new Wanted("cup", 3)), CATALOG);

    assertThat(priced.currency()).isEqualTo("CNY");
    assertThat(priced.goodsMinor()).isEqualTo(2 * 8_800 + 3 * 3_500);
    assertThat(priced.deliveryFeeMinor()).isEqualTo(600);
    assertThat(priced.totalMinor()).isEqualTo(2 * 8_800 + 3 * 3_500 + 600);
    assertThat(priced.lines()).extracting(CheckoutPricing.Line::amountMinor).containsExactly(17_600L, 10_500L);
  }

  @Test
  void refusesWhatCannotBePricedNamingTheField() {
    assertThatThrownBy(() -> pricing.price(List.of(new Wanted("tea", 1), new Wanted("ghost", 1)), CATALOG))
        .isInstanceOfSatisfying(Unpriceable.class, e -> {
          assertThat(e.type()).isEqualTo("unknown-sku");
          assertThat(e.field()).isEqualTo("items[1].sku");
        });
    assertThatThrownBy(() -> pricing.price(List.of(new Wanted("tea", 1), new Wanted("mug", 1)), CATALOG))
        .isInstanceOfSatisfying(Unpriceable.class, e -> assertThat(e.getMessage()).contains("one currency"));
    assertThatThrownBy(() -> pricing.check(List.of(new Wanted("tea", 1), new Wanted("tea", 2))))
        .isInstanceOfSatisfying(Unpriceable.class, e -> assertThat(e.field()).isEqualTo("items[1].sku"));
    assertThatThrownBy(() -> pricing.check(List.of(new Wanted("tea", 21))))
        .isInstanceOfSatisfying(Unpriceable.class, e -> assertThat(e.field()).isEqualTo("items[0].quantity"));
    assertThatThrownBy(() -> pricing.check(List.of(new Wanted("a", 1), new Wanted("b", 1), new Wanted("c", 1),
        new Wanted("d", 1)))).isInstanceOfSatisfying(Unpriceable.class, e -> assertThat(e.field()).isEqualTo("items"));
  }

  @Test
  void refusesAnAmountThatWouldOverflow() {
    Map<String, Sku> dear = Map.of("gold", new Sku("gold", "Gold", Long.MAX_VALUE / 2, "CNY", 10, 0, 0, 0));
    assertThatThrownBy(() -> pricing.price(List.of(new Wanted("gold", 3)), dear))
        .isInstanceOfSatisfying(Unpriceable.class, e -> assertThat(e.getMessage()).contains("too large"));
  }

  @Test
  void statesOnlyMoveForwardAndEndsAreFinal() {
    assertThat(CheckoutState.CREATED.canMoveTo(CheckoutState.AWAITING_PAYMENT)).isTrue();
    assertThat(CheckoutState.AWAITING_PAYMENT.canMoveTo(CheckoutState.PAID)).isTrue();
    assertThat(CheckoutState.PAID.canMoveTo(CheckoutState.DELIVERING)).isTrue();
    assertThat(CheckoutState.DELIVERING.canMoveTo(CheckoutState.COMPLETED)).isTrue();
    assertThat(CheckoutState.PAID.canMoveTo(CheckoutState.AWAITING_PAYMENT)).isFalse();
    assertThat(CheckoutState.AWAITING_PAYMENT.canMoveTo(CheckoutState.COMPLETED)).isFalse();
    assertThat(CheckoutState.CREATED.canMoveTo(CheckoutState.REJECTED)).isTrue();
    assertThat(CheckoutState.DELIVERING.canMoveTo(CheckoutState.CANCELLED)).isTrue();
    for (CheckoutState end : List.of(CheckoutState.COMPLETED, CheckoutState.REJECTED, CheckoutState.EXPIRED,
        CheckoutState.PAYMENT_FAILED, CheckoutState.CANCELLED)) {
      for (CheckoutState any : CheckoutState.values()) {
        assertThat(end.canMoveTo(any)).as(end + " -> " + any).isFalse();
      }
    }
  }

  @Test
  void anOrderEndsInTheStateThatSaysWhy() {
    assertThat(CheckoutState.endOf(EndReason.of(EndReason.OUT_OF_STOCK, "SKU tea: 1 wanted, 0 available"), false,
        false)).isEqualTo(CheckoutState.REJECTED);
    assertThat(CheckoutState.endOf(EndReason.of(EndReason.PAYMENT_FAILED, "card declined"), false, false))
        .isEqualTo(CheckoutState.PAYMENT_FAILED);
    assertThat(CheckoutState.endOf(EndReason.PAYMENT_EXPIRED, false, false)).isEqualTo(CheckoutState.EXPIRED);
    assertThat(CheckoutState.endOf(null, false, false)).as("payment wait ran out").isEqualTo(CheckoutState.EXPIRED);
    assertThat(CheckoutState.endOf(null, false, true)).as("delivery wait ran out").isEqualTo(CheckoutState.CANCELLED);
    assertThat(CheckoutState.endOf(EndReason.of(EndReason.NOT_DELIVERED, "no courier"), false, true))
        .isEqualTo(CheckoutState.CANCELLED);
    assertThat(CheckoutState.endOf(EndReason.PAYMENT_EXPIRED, true, false)).as("the customer's cancel wins")
        .isEqualTo(CheckoutState.CANCELLED);
  }
}
