package io.kilosail.ledger;

import io.kilosail.ledger.Ledger.Posting;
import io.kilosail.ledger.Settlements.CourierRow;
import io.kilosail.ledger.Settlements.PlatformRow;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ledger's postings and the report arithmetic, without I/O. */
class LedgerTest {

  private static final Instant AT = Instant.parse("2025-06-01T04:30:00.123Z");
  private static final Instant LATER = Instant.parse("2025-06-02T00:00:00Z");

  @Test
  void aDeliveryPostsTheFeeReceivableAndTheCourierPayableAndBalances() {
    List<Posting> postings = Ledger.deliveryCompleted("o1", "meituan", 850, "uu", 620, AT);

    assertThat(postings).containsExactly(
        new Posting("o1", "delivery.completed", "receivable:platform", "meituan", 850, AT),
        new Posting("o1", "delivery.completed", "revenue:delivery", "meituan", -850, AT),
        new Posting("o1", "delivery.completed", "cost:courier", "uu", 620, AT),
        new Posting("o1", "delivery.completed", "payable:courier", "uu", -620, AT));
    assertThat(Ledger.balances(postings)).isTrue();
    assertThat(Ledger.margin(postings)).isEqualTo(230);
    assertThat(Ledger.balance(postings, Ledger.RECEIVABLE_PLATFORM)).isEqualTo(850);
    assertThat(Ledger.balance(postings, Ledger.PAYABLE_COURIER)).isEqualTo(-620);
  }

  @Test
  void aTipIsACourierCostAndPayableOfItsOwnTypeAndTheOrderStillBalances() {
    List<Posting> postings = new ArrayList<>(Ledger.deliveryCompleted("o1", "meituan", 850, "uu", 600, AT));
    postings.addAll(Ledger.courierTip("o1", "uu", 100, AT));

    assertThat(postings.subList(4, 6)).containsExactly(
        new Posting("o1", "courier.tip", "cost:courier", "uu", 100, AT),
        new Posting("o1", "courier.tip", "payable:courier", "uu", -100, AT));
    assertThat(Ledger.balances(postings)).isTrue();
    assertThat(Ledger.margin(postings)).isEqualTo(150);
    assertThat(Ledger.balance(postings, Ledger.RECEIVABLE_PLATFORM) + Ledger.balance(postings, Ledger.PAYABLE_COURIER))
        .isEqualTo(Ledger.margin(postings));
    assertThat(Ledger.courierTip("o1", "uu", 0, AT)).isEmpty();
  }

  @Test
  void aCourierPricierThanTheFeeIsANegativeMarginNotAnImbalance() {
    List<Posting> postings = Ledger.deliveryCompleted("o1", "eleme", 500, "sf", 700, AT);
    assertThat(Ledger.balances(postings)).isTrue();
    assertThat(Ledger.margin(postings)).isEqualTo(-200);
  }

  @Test
  void penaltiesEachWayBalance() {
    List<Posting> courier = Ledger.courierPenalty("o2", "shansong", 300, AT);
    List<Posting> platform = Ledger.platformPenalty("o2", "jd", 500, AT);

    assertThat(courier).containsExactly(
        new Posting("o2", "penalty.courier", "cost:penalty", "shansong", 300, AT),
        new Posting("o2", "penalty.courier", "payable:courier", "shansong", -300, AT));
    assertThat(platform).containsExactly(
        new Posting("o2", "penalty.platform", "receivable:platform", "jd", 500, AT),
        new Posting("o2", "penalty.platform", "revenue:penalty", "jd", -500, AT));
    assertThat(Ledger.balances(courier)).isTrue();
    assertThat(Ledger.balances(platform)).isTrue();
    List<Posting> both = new ArrayList<>(courier);
    both.addAll(platform);
    assertThat(Ledger.margin(both)).isEqualTo(200);
    // receivable − payable = margin
    assertThat(Ledger.balance(both, Ledger.RECEIVABLE_PLATFORM) + Ledger.balance(both, Ledger.PAYABLE_COURIER))
        .isEqualTo(Ledger.margin(both));
  }

  @Test
  void zeroAmountsPostNothing() {
    assertThat(Ledger.courierPenalty("o3", "uu", 0, AT)).isEmpty();
    assertThat(Ledger.platformPenalty("o3", "meituan", 0, AT)).isEmpty();
    assertThat(Ledger.deliveryCompleted("o3", "meituan", 0, "uu", 0, AT)).isEmpty();
    // Only the pair with an amount: a delivery whose courier cost nothing still posts its fee.
    assertThat(Ledger.deliveryCompleted("o3", "meituan", 850, "uu", 0, AT)).hasSize(2)
        .allSatisfy(p -> assertThat(p.counterparty()).isEqualTo("meituan"));
  }

  @Test
  void negativeAmountsAreRefused() {
    assertThatThrownBy(() -> Ledger.courierPenalty("o4", "uu", -1, AT))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
    assertThatThrownBy(() -> Ledger.deliveryCompleted("o4", "meituan", 850, "uu", -5, AT))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aReversalNegatesEveryLineAndLeavesTheOrderAtZero() {
    List<Posting> original = Ledger.deliveryCompleted("o5", "meituan", 850, "uu", 620, AT);
    List<Posting> reversal = Ledger.reversal(original, LATER);

    assertThat(reversal).hasSize(4);
    for (int i = 0; i < original.size(); i++) {
      Posting o = original.get(i);
      Posting r = reversal.get(i);
      assertThat(r.entryType()).isEqualTo("delivery.completed.reversal");
      assertThat(r.isReversal()).isTrue();
      assertThat(r.account()).isEqualTo(o.account());
      assertThat(r.counterparty()).isEqualTo(o.counterparty());
      assertThat(r.amountFen()).isEqualTo(-o.amountFen());
      assertThat(r.occurredAt()).isEqualTo(LATER);
    }
    assertThat(Ledger.balances(reversal)).isTrue();
    List<Posting> all = new ArrayList<>(original);
    all.addAll(reversal);
    assertThat(Ledger.margin(all)).isZero();
    assertThat(Ledger.reversal(List.of(), LATER)).isEmpty();
    assertThatThrownBy(() -> Ledger.reversal(reversal, LATER)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anUnbalancedListIsRefused() {
    List<Posting> lopsided = List.of(new Posting("o6", "delivery.completed", "receivable:platform", "meituan", 850, AT));
    assertThat(Ledger.balances(lopsided)).isFalse();
    assertThatThrownBy(() -> Ledger.requireBalanced(lopsided)).hasMessageContaining("sum to 850 fen");
    assertThatThrownBy(() -> Ledger.reversal(lopsided, AT)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void reportTotalsAreTheSumOfTheRowsAndCsvHasHeaderRowsAndTotal() {
    List<PlatformRow> rows = List.of(new PlatformRow("eleme", 1, 500, 0, 500, 700, 0),
        new PlatformRow("meituan", 2, 1700, 300, 2000, 1240, 100));
    PlatformRow total = Settlements.platformTotal(rows);
    assertThat(total).isEqualTo(new PlatformRow("TOTAL", 3, 2200, 300, 2500, 1940, 100));
    assertThat(total.marginFen()).isEqualTo(460);
    assertThat(Settlements.platformsCsv(rows)).isEqualTo(
        "platform,delivered_orders,delivery_fees_fen,penalties_charged_fen,receivable_fen,courier_costs_fen,"
            + "courier_penalties_fen,margin_fen\r\n"
            + "eleme,1,500,0,500,700,0,-200\r\n"
            + "meituan,2,1700,300,2000,1240,100,660\r\n"
            + "TOTAL,3,2200,300,2500,1940,100,460\r\n");

    List<CourierRow> couriers = List.of(new CourierRow("uu", 2, 1240, 100, 1340));
    assertThat(Settlements.couriersCsv(couriers)).isEqualTo("courier,deliveries,fees_fen,penalties_fen,payable_fen\r\n"
        + "uu,2,1240,100,1340\r\nTOTAL,2,1240,100,1340\r\n");
    assertThat(Settlements.couriersCsv(List.of())).endsWith("TOTAL,0,0,0,0\r\n");
  }

  @Test
  void csvCellsAreQuotedAndCannotBecomeFormulas() {
    assertThat(Settlements.cell("a,b")).isEqualTo("\"a,b\"");
    assertThat(Settlements.cell("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    assertThat(Settlements.cell("=1+1")).isEqualTo("'=1+1");
    assertThat(Settlements.cell("-200")).isEqualTo("-200");
  }
}
