package io.kilosail.launcher;

import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Receivables through a whole node: delivered orders make the food platform owe its fees for the month; an operator
 * records its offline payment; the report shows paid, unpaid and, past the payment terms, overdue.
 */
@ExtendWith(KilosailInfraExtension.class)
class ReceivablesFlowTest {

  private static final JsonObject CONF = new JsonObject()
      .put("dispatch", new JsonObject().put("defaultStrategy", "SEQUENTIAL")
          .put("priority", new JsonArray(LiveNode.PLATFORMS)).put("rules", new JsonArray()))
      .put("quoting", new JsonObject().put("rulesFile", "does-not-exist.json")
          .put("rules", new JsonObject().put("timeZone", "Asia/Shanghai").put("rules", new JsonArray()
              .add(new JsonObject().put("name", "everywhere").put("couriers", new JsonArray(LiveNode.PLATFORMS))))));

  private static LiveNode node;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    node = LiveNode.start(infra.settings(), CONF);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aPaymentRecordedAgainstItsMonthShowsWhatIsStillOwedAndWhenItIsOverdue() throws Exception {
    String month = YearMonth.now(ZoneOffset.UTC).toString();
    JsonObject before = meituan(report(""), month);
    node.assertDeliveredBy(node.push("shanghai"), "uu", null);
    node.assertDeliveredBy(node.push("shanghai"), "uu", null);
    JsonObject owed = meituan(report(""), month);
    // At least the two fees of 850 fen: on this shared test database an earlier class's order may end meanwhile.
    assertThat(owed.getLong("receivableFen") - before.getLong("receivableFen")).as("two fees of 850 fen")
        .isGreaterThanOrEqualTo(1_700);

    String reference = "BANK-" + UUID.randomUUID();
    JsonObject payment = new JsonObject().put("platform", "meituan").put("period", month).put("amountFen", 1_000)
        .put("receivedAt", "2026-12-01T02:00:00Z").put("reference", reference);
    HttpResponse<String> recorded = node.send("POST", node.api("/v1/admin/receivables/payments"), payment);
    assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(201);
    assertThat(node.send("POST", node.api("/v1/admin/receivables/payments"), payment).statusCode())
        .as("the same payment again is a retry").isEqualTo(200);
    HttpResponse<String> conflicting = node.send("POST", node.api("/v1/admin/receivables/payments"),
        payment.copy().put("amountFen", 999));
    assertThat(conflicting.statusCode()).as(conflicting.body()).isEqualTo(409);

    JsonObject paid = meituan(report(""), month);
    assertThat(paid.getLong("paidFen") - before.getLong("paidFen")).isEqualTo(1_000);
    assertThat(paid.getLong("receivableFen")).isGreaterThanOrEqualTo(owed.getLong("receivableFen"));
    assertThat(paid.getLong("unpaidFen")).isEqualTo(paid.getLong("receivableFen") - paid.getLong("paidFen"));
    assertThat(paid.getString("status")).isEqualTo("UNPAID");

    LocalDate late = YearMonth.now(ZoneOffset.UTC).atEndOfMonth().plusDays(30 + 40);
    JsonObject overdue = meituan(report("&asOf=" + late), month);
    assertThat(overdue.getString("status")).isEqualTo("OVERDUE");
    assertThat(overdue.getLong("daysOverdue")).isEqualTo(40);
    assertThat(overdue.getString("aging")).isEqualTo("31-60");

    HttpResponse<String> csv = node.send("GET", node.api("/v1/settlements/receivables?format=csv&platform=meituan"),
        null, "Authorization", "Bearer " + node.operatorToken());
    assertThat(csv.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
    assertThat(csv.body()).startsWith("platform,period,receivable_fen,paid_fen").contains("meituan," + month + ",");
  }

  @Test
  void aPaymentThatIsNotOneIsRefusedNamingTheField() throws Exception {
    HttpResponse<String> answer = node.send("POST", node.api("/v1/admin/receivables/payments"),
        new JsonObject().put("platform", "meituan").put("period", "November").put("amountFen", 100)
            .put("receivedAt", "2026-12-01T02:00:00Z").put("reference", "r-1"));
    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(answer.body()).getString("detail")).startsWith("period:");
    HttpResponse<String> badDate = node.send("GET", node.api("/v1/settlements/receivables?asOf=tomorrow"), null,
        "Authorization", "Bearer " + node.operatorToken());
    assertThat(badDate.statusCode()).isEqualTo(400);
    assertThat(badDate.body()).contains("asOf");
  }

  private static JsonObject report(String query) throws Exception {
    HttpResponse<String> answer = node.send("GET", node.api("/v1/settlements/receivables?platform=meituan" + query),
        null, "Authorization", "Bearer " + node.operatorToken());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new JsonObject(answer.body());
  }

  private static JsonObject meituan(JsonObject report, String month) {
    for (Object line : report.getJsonArray("periods")) {
      JsonObject period = (JsonObject) line;
      if (period.getString("platform").equals("meituan") && period.getString("period").equals(month)) {
        return period;
      }
    }
    return new JsonObject().put("receivableFen", 0L).put("paidFen", 0L).put("status", "NONE");
  }
}
