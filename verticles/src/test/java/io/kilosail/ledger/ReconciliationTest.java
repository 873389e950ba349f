package io.kilosail.ledger;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReconciliationTest {

  private static final String BILL = "\uFEFFplatform_order_id,fee_fen,penalty_fen\r\n"
      + "UU-1,1100,0\r\n"
      + "UU-2,1250,\r\n"
      + "\r\n"
      + "UU-9,900,300\r\n";

  private static final List<Reconciliation.LedgerLine> LEDGER = List.of(
      new Reconciliation.LedgerLine("order-1", "UU-1", 1100, 0),
      new Reconciliation.LedgerLine("order-2", "UU-2", 1200, 0),
      new Reconciliation.LedgerLine("order-3", "UU-3", 800, 200),
      // Booked and reversed: nets to nothing, so it is not ours to pay.
      new Reconciliation.LedgerLine("order-4", "UU-4", 0, 0));

  @Test
  void aBillIsReadWithItsLineNumbersSkippingBlankLines() {
    assertThat(Reconciliation.parse(BILL)).containsExactly(
        new Reconciliation.BillLine(2, "UU-1", 1100, 0),
        new Reconciliation.BillLine(3, "UU-2", 1250, 0),
        new Reconciliation.BillLine(5, "UU-9", 900, 300));
  }

  @Test
  void everyDifferenceIsListedOnceWithBothSides() {
    List<Reconciliation.Difference> differences = Reconciliation.differences(Reconciliation.parse(BILL), LEDGER);
    assertThat(differences).containsExactly(
        new Reconciliation.Difference(Reconciliation.Kind.DIFFERENT, "UU-2", "order-2", 3, 1250L, 0L, 1200L, 0L),
        new Reconciliation.Difference(Reconciliation.Kind.EXTRA, "UU-9", null, 5, 900L, 300L, null, null),
        new Reconciliation.Difference(Reconciliation.Kind.MISSING, "UU-3", "order-3", null, null, null, 800L, 200L));
    assertThat(differences).extracting(Reconciliation.Difference::differenceFen).containsExactly(50L, 1200L, -1000L);
  }

  @Test
  void aLineMayNameOurOwnOrderIdAndAnOrderListedTwiceUnderBothIdsIsExtraTheSecondTime() {
    List<Reconciliation.Difference> differences = Reconciliation.differences(List.of(
            new Reconciliation.BillLine(2, "order-1", 1100, 0),
            new Reconciliation.BillLine(3, "UU-1", 1100, 0)),
        List.of(new Reconciliation.LedgerLine("order-1", "UU-1", 1100, 0)));
    assertThat(differences).extracting(Reconciliation.Difference::kind, Reconciliation.Difference::billLine)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(Reconciliation.Kind.EXTRA, 3));
  }

  @Test
  void totalsAddUpBothSidesAndTheCsvEndsWithATotalRow() {
    List<Reconciliation.BillLine> bill = Reconciliation.parse(BILL);
    List<Reconciliation.Difference> differences = Reconciliation.differences(bill, LEDGER);
    JsonObject totals = Reconciliation.totals(bill, LEDGER, differences);
    assertThat(totals.getLong("billTotalFen")).isEqualTo(1100 + 1250 + 900 + 300);
    assertThat(totals.getLong("ledgerTotalFen")).isEqualTo(1100 + 1200 + 800 + 200);
    assertThat(totals.getLong("differenceFen")).isEqualTo(250);
    assertThat(totals.getLong("ledgerOrders")).isEqualTo(3);
    assertThat(totals.getJsonObject("differences").getLong("EXTRA")).isEqualTo(1);
    // The differences' own sum is the totals' difference: matched lines agree.
    assertThat(differences.stream().mapToLong(Reconciliation.Difference::differenceFen).sum()).isEqualTo(250);
    assertThat(Reconciliation.csv(differences).split("\r\n")).containsExactly(
        "kind,platform_order_id,order_id,bill_line,bill_fee_fen,bill_penalty_fen,ledger_fee_fen,ledger_penalty_fen,"
            + "difference_fen",
        "DIFFERENT,UU-2,order-2,3,1250,0,1200,0,50",
        "EXTRA,UU-9,,5,900,300,,,1200",
        "MISSING,UU-3,order-3,,,,800,200,-1000",
        "TOTAL,,,,2150,300,2000,200,250");
  }

  @Test
  void aLineThatCannotBeReadIsNamedWithItsColumn() {
    assertBad("platform_order_id,fee_fen,penalty_fen\nUU-1,11.00,0\n", 2, "fee_fen", "decimal point");
    assertBad("platform_order_id,fee_fen,penalty_fen\nUU-1,1100,0\nUU-2,1100,-5\n", 3, "penalty_fen", "'-5'");
    assertBad("platform_order_id,fee_fen,penalty_fen\nUU-1,1100,0\n,1100,0\n", 3, "platform_order_id", "required");
    assertBad("platform_order_id,fee_fen,penalty_fen\nUU-1,1100,0\nUU-1,50,0\n", 3, "platform_order_id",
        "already on line 2");
    assertBad("platform_order_id,fee_fen,penalty_fen\nUU-1,1100\n", 2, null, "expected 3 columns");
    assertBad("order,fee,penalty\nUU-1,1100,0\n", 1, null, "the header must be");
    assertBad("", 1, null, "empty");
  }

  @Test
  void theDigestTellsAnotherBillFromARetry() {
    List<Reconciliation.BillLine> bill = Reconciliation.parse(BILL);
    assertThat(Reconciliation.digest("2026-11", bill))
        .isEqualTo(Reconciliation.digest("2026-11", Reconciliation.parse(BILL.replace("\r\n", "\n"))))
        .isNotEqualTo(Reconciliation.digest("2026-10", bill))
        .isNotEqualTo(Reconciliation.digest("2026-11", Reconciliation.parse(BILL.replace("1250", "1251"))));
  }

  private static void assertBad(String csv, int line, String column, String why) {
    assertThatThrownBy(() -> Reconciliation.parse(csv))
        .isInstanceOfSatisfying(Reconciliation.BadLine.class, e -> {
          assertThat(e.line()).isEqualTo(line);
          assertThat(e.column()).isEqualTo(column);
        })
        .hasMessageContaining(why);
  }
}
