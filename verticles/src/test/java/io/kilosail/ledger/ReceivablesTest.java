package io.kilosail.ledger;

import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReceivablesTest {

  private static final YearMonth SEPTEMBER = YearMonth.of(2026, 9);
  private static final YearMonth OCTOBER = YearMonth.of(2026, 10);

  private static List<Receivables.Line> lines(LocalDate asOf) {
    return Receivables.lines(Map.of(
        "meituan", Map.of(SEPTEMBER, new Receivables.Amounts(10_000, 10_000), OCTOBER,
            new Receivables.Amounts(8_000, 3_000)),
        "eleme", Map.of(SEPTEMBER, new Receivables.Amounts(5_000, 0))), asOf, 30);
  }

  @Test
  void aPeriodIsDueThirtyDaysAfterItsLastDayAndAgesFromThere() {
    List<Receivables.Line> lines = lines(LocalDate.of(2026, 11, 15));
    // eleme first (by name), then meituan by month.
    assertThat(lines).extracting(l -> l.platform() + " " + l.period() + " " + l.status() + " " + l.aging())
        .containsExactly("eleme 2026-09 OVERDUE 1-30", "meituan 2026-09 PAID current",
            "meituan 2026-10 UNPAID current");
    Receivables.Line eleme = lines.get(0);
    assertThat(eleme.dueOn()).isEqualTo(LocalDate.of(2026, 10, 30));
    assertThat(eleme.daysOverdue()).isEqualTo(16);
    assertThat(lines.get(2).unpaidFen()).isEqualTo(5_000);
  }

  @Test
  void theAgingTotalsCountOnlyWhatIsStillUnpaid() {
    var json = Receivables.json(lines(LocalDate.of(2027, 2, 1)), LocalDate.of(2027, 2, 1), 30);
    assertThat(json.getJsonObject("total").getLong("unpaidFen")).isEqualTo(10_000);
    assertThat(json.getJsonObject("total").getLong("overdueFen")).isEqualTo(10_000);
    // eleme's September was due 2026-10-30 (94 days before), meituan's October 2026-11-30 (63 days).
    assertThat(json.getJsonObject("total").getJsonObject("unpaidByAging").getLong("90+")).isEqualTo(5_000);
    assertThat(json.getJsonObject("total").getJsonObject("unpaidByAging").getLong("61-90")).isEqualTo(5_000);
  }

  @Test
  void anOverpaymentIsShownNotHidden() {
    Receivables.Line line = Receivables.lines(Map.of("jd", Map.of(OCTOBER, new Receivables.Amounts(1_000, 1_200))),
        LocalDate.of(2026, 11, 1), 30).get(0);
    assertThat(line.status()).isEqualTo(Receivables.Status.OVERPAID);
    assertThat(line.unpaidFen()).isEqualTo(-200);
  }

  @Test
  void theCsvHasOneLinePerPeriodUnderItsHeader() {
    String csv = Receivables.csv(lines(LocalDate.of(2026, 11, 15)));
    assertThat(csv.split("\r\n")).hasSize(4);
    assertThat(csv).startsWith("platform,period,receivable_fen,paid_fen,unpaid_fen,due_on,status,days_overdue,aging\r\n")
        .contains("eleme,2026-09,5000,0,5000,2026-10-30,OVERDUE,16,1-30\r\n");
  }
}
