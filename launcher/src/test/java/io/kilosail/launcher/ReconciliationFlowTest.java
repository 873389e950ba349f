package io.kilosail.launcher;

import io.kilosail.access.Role;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A courier platform's bill reconciled with the ledger through a whole node: UU delivers three orders; its bill lists
 * one right, one at another fee, leaves one out and adds one that is not ours. The report shows exactly those
 * differences, as JSON and CSV; a bill line that cannot be read is refused naming it; only finance may import.
 */
@ExtendWith(KilosailInfraExtension.class)
class ReconciliationFlowTest {

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
  void aBillWithOneMissingOneExtraAndOneDifferentLineShowsExactlyThose() throws Exception {
    List<String> orders = new ArrayList<>();
    List<String> uuIds = new ArrayList<>();
    List<Long> fees = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String orderId = node.push("shanghai");
      node.assertDeliveredBy(orderId, "uu", null);
      orders.add(orderId);
      uuIds.add(node.placement(orderId, "uu"));
      fees.add(node.ledger(orderId).getLong("payableFen"));
    }
    String notOurs = "UU-NOT-OURS-" + UUID.randomUUID().toString().substring(0, 8);
    String bill = "platform_order_id,fee_fen,penalty_fen\n"
        + uuIds.get(0) + "," + fees.get(0) + ",0\n"
        + uuIds.get(1) + "," + (fees.get(1) + 120) + ",0\n"
        + notOurs + ",990,0\n";
    String period = YearMonth.now(ZoneOffset.UTC).toString();
    String reference = "UU-BILL-" + UUID.randomUUID();

    HttpResponse<String> imported = importBill("uu", reference, period, bill, node.operatorToken());
    assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
    JsonObject report = new JsonObject(imported.body());
    String id = report.getString("id");
    assertThat(imported.headers().firstValue("Location")).hasValue("/v1/admin/reconciliations/" + id);
    assertThat(importBill("uu", reference, period, bill, node.operatorToken()).statusCode())
        .as("the same bill again is a retry").isEqualTo(200);
    HttpResponse<String> other = importBill("uu", reference, period, bill.replace(",990,", ",991,"),
        node.operatorToken());
    assertThat(other.statusCode()).as(other.body()).isEqualTo(409);

    HttpResponse<String> read = node.send("GET", node.api("/v1/admin/reconciliations/" + id), null);
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    report = new JsonObject(read.body());
    assertThat(report.getString("courier")).isEqualTo("uu");
    assertThat(report.getString("period")).isEqualTo(period);
    assertThat(report.getJsonObject("totals").getInteger("billLines")).isEqualTo(3);
    // Other classes' UU orders of this month on the shared database are MISSING too: look at ours.
    assertThat(difference(report, uuIds.get(0), orders.get(0))).as("the right line").isNull();
    JsonObject different = difference(report, uuIds.get(1), orders.get(1));
    assertThat(different.getString("kind")).isEqualTo("DIFFERENT");
    assertThat(different.getString("orderId")).isEqualTo(orders.get(1));
    assertThat(different.getLong("billFeeFen")).isEqualTo(fees.get(1) + 120);
    assertThat(different.getLong("ledgerFeeFen")).isEqualTo(fees.get(1));
    assertThat(different.getLong("differenceFen")).isEqualTo(120);
    JsonObject missing = difference(report, uuIds.get(2), orders.get(2));
    assertThat(missing.getString("kind")).isEqualTo("MISSING");
    assertThat(missing.getString("orderId")).isEqualTo(orders.get(2));
    assertThat(missing.getLong("ledgerFeeFen")).isEqualTo(fees.get(2));
    assertThat(missing.getLong("billFeeFen")).isNull();
    JsonObject extra = difference(report, notOurs, null);
    assertThat(extra.getString("kind")).isEqualTo("EXTRA");
    assertThat(extra.getInteger("billLine")).isEqualTo(4);
    assertThat(extra.getLong("billFeeFen")).isEqualTo(990);
    JsonObject totals = report.getJsonObject("totals");
    assertThat(totals.getLong("billTotalFen")).isEqualTo(fees.get(0) + fees.get(1) + 120 + 990);
    assertThat(totals.getLong("differenceFen")).isEqualTo(totals.getLong("billTotalFen")
        - totals.getLong("ledgerTotalFen"));

    HttpResponse<String> csv = node.send("GET", node.api("/v1/admin/reconciliations/" + id + "?format=csv"), null);
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
    List<String> rows = List.of(csv.body().split("\r\n"));
    assertThat(rows.get(0)).isEqualTo("kind,platform_order_id,order_id,bill_line,bill_fee_fen,bill_penalty_fen,"
        + "ledger_fee_fen,ledger_penalty_fen,difference_fen");
    assertThat(rows).contains("DIFFERENT," + uuIds.get(1) + "," + orders.get(1) + ",3," + (fees.get(1) + 120) + ",0,"
            + fees.get(1) + ",0,120",
        "EXTRA," + notOurs + ",,4,990,0,,,990",
        "MISSING," + uuIds.get(2) + "," + orders.get(2) + ",,,," + fees.get(2) + ",0,-" + fees.get(2));
    assertThat(rows.get(rows.size() - 1)).startsWith("TOTAL,");
    assertThat(rows).noneMatch(row -> row.contains(orders.get(0)));

    HttpResponse<String> audit = node.send("GET", node.api("/v1/admin/audit?operator=test-operator&limit=50"), null);
    assertThat(audit.body()).contains("reconciliation.import").contains("uu/" + reference);
  }

  @Test
  void aBillWithABadLineIsRefusedNamingItAndNothingIsStored() throws Exception {
    String reference = "UU-BAD-" + UUID.randomUUID();
    String period = YearMonth.now(ZoneOffset.UTC).toString();
    HttpResponse<String> bad = importBill("uu", reference, period,
        "platform_order_id,fee_fen,penalty_fen\nUU-1,1100,0\nUU-2,11.50,0\n", node.operatorToken());
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    JsonObject problem = new JsonObject(bad.body());
    assertThat(problem.getString("detail")).startsWith("line 3, column fee_fen:");
    assertThat(problem.getInteger("line")).isEqualTo(3);
    // Nothing was stored under that reference: the corrected bill is imported, not refused as another one.
    assertThat(importBill("uu", reference, period, "platform_order_id,fee_fen,penalty_fen\nUU-1,1100,0\n",
        node.operatorToken()).statusCode()).isEqualTo(201);
    assertThat(importBill("uu", "r-" + UUID.randomUUID(), "November", "platform_order_id,fee_fen,penalty_fen\n",
        node.operatorToken()).statusCode()).isEqualTo(400);
    assertThat(node.send("GET", node.api("/v1/admin/reconciliations/" + UUID.randomUUID()), null).statusCode())
        .isEqualTo(404);
  }

  @Test
  void onlyFinanceImportsAndReadsBills() throws Exception {
    String ops = TestCredentials.operatorToken("recon-ops", Role.OPS);
    HttpResponse<String> refused = importBill("uu", "r-" + UUID.randomUUID(), YearMonth.now(ZoneOffset.UTC).toString(),
        "platform_order_id,fee_fen,penalty_fen\nUU-1,1100,0\n", ops);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(new JsonObject(refused.body()).getString("detail")).contains("'finance' role");
    assertThat(node.send("GET", node.api("/v1/admin/reconciliations/" + UUID.randomUUID()), null,
        "Authorization", "Bearer " + ops).statusCode()).isEqualTo(403);
    String finance = TestCredentials.operatorToken("recon-finance", Role.FINANCE);
    assertThat(importBill("uu", "r-" + UUID.randomUUID(), YearMonth.now(ZoneOffset.UTC).toString(),
        "platform_order_id,fee_fen,penalty_fen\nUU-1,1100,0\n", finance).statusCode()).isEqualTo(201);
  }

  private static HttpResponse<String> importBill(String courier, String reference, String period, String csv,
                                                 String token) throws Exception {
    URI uri = node.api("/v1/admin/reconciliations/" + courier + "?reference=" + reference + "&period=" + period);
    return node.http().send(HttpRequest.newBuilder(uri).header("Content-Type", "text/csv")
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(csv)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The report's difference for that courier order id; null when there is none. */
  /**
   * The difference of {@code platformOrderId} for our order {@code orderId} (null: a line of no order of ours). The
   * simulator numbers its orders per start, so another class's order on the shared database may bear the same id.
   */
  private static JsonObject difference(JsonObject report, String platformOrderId, String orderId) {
    for (Object d : report.getJsonArray("differences")) {
      JsonObject line = (JsonObject) d;
      if (platformOrderId.equals(line.getString("platformOrderId"))
          && java.util.Objects.equals(orderId, line.getString("orderId"))) {
        return (JsonObject) d;
      }
    }
    return null;
  }
}
