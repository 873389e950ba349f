package io.kilosail.ledger;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The settlement reports as plain values: one row per counterparty summed from the ledger by the database, a total row
 * summed here from those rows (so the total is exactly the sum of what is listed), and their JSON and CSV forms. All
 * money is integer fen.
 */
public final class Settlements {

  /** The total row's name in the counterparty column. */
  public static final String TOTAL = "TOTAL";

  private Settlements() {
  }

  /**
   * What one food platform owes us for a period, and what its orders cost us.
   *
   * @param deliveredOrders     orders whose delivery was posted (minus reversed ones)
   * @param deliveryFeesFen     delivery fees receivable (revenue:delivery)
   * @param penaltiesChargedFen penalties we charged it for its cancellations (revenue:penalty)
   * @param receivableFen       what it owes us in all (receivable:platform = delivery fees + penalties charged)
   * @param courierCostsFen     what the couriers of its delivered orders cost us (cost:courier)
   * @param courierPenaltiesFen penalties courier platforms charged us for its orders (cost:penalty)
   */
  public record PlatformRow(String platform, long deliveredOrders, long deliveryFeesFen, long penaltiesChargedFen,
                            long receivableFen, long courierCostsFen, long courierPenaltiesFen) {

    /** Revenue minus cost: delivery fees + penalties charged − courier costs − courier penalties. */
    public long marginFen() {
      return deliveryFeesFen + penaltiesChargedFen - courierCostsFen - courierPenaltiesFen;
    }

    JsonObject toJson() {
      return new JsonObject().put("platform", platform).put("deliveredOrders", deliveredOrders)
          .put("deliveryFeesFen", deliveryFeesFen).put("penaltiesChargedFen", penaltiesChargedFen)
          .put("receivableFen", receivableFen).put("courierCostsFen", courierCostsFen)
          .put("courierPenaltiesFen", courierPenaltiesFen).put("marginFen", marginFen());
    }
  }

  /**
   * What we owe one courier platform for a period.
   *
   * @param deliveries  deliveries whose fee was posted (minus reversed ones)
   * @param feesFen     its fees (cost:courier)
   * @param penaltiesFen penalties it charged us (cost:penalty)
   * @param payableFen  what we owe it in all (payable:courier = fees + penalties)
   */
  public record CourierRow(String courier, long deliveries, long feesFen, long penaltiesFen, long payableFen) {

    JsonObject toJson() {
      return new JsonObject().put("courier", courier).put("deliveries", deliveries).put("feesFen", feesFen)
          .put("penaltiesFen", penaltiesFen).put("payableFen", payableFen);
    }
  }

  static final List<String> PLATFORM_CSV_HEADER = List.of("platform", "delivered_orders", "delivery_fees_fen",
      "penalties_charged_fen", "receivable_fen", "courier_costs_fen", "courier_penalties_fen", "margin_fen");
  static final List<String> COURIER_CSV_HEADER = List.of("courier", "deliveries", "fees_fen", "penalties_fen",
      "payable_fen");

  public static PlatformRow platformTotal(List<PlatformRow> rows) {
    long delivered = 0, fees = 0, charged = 0, receivable = 0, costs = 0, penalties = 0;
    for (PlatformRow r : rows) {
      delivered = Math.addExact(delivered, r.deliveredOrders());
      fees = Math.addExact(fees, r.deliveryFeesFen());
      charged = Math.addExact(charged, r.penaltiesChargedFen());
      receivable = Math.addExact(receivable, r.receivableFen());
      costs = Math.addExact(costs, r.courierCostsFen());
      penalties = Math.addExact(penalties, r.courierPenaltiesFen());
    }
    return new PlatformRow(TOTAL, delivered, fees, charged, receivable, costs, penalties);
  }

  public static CourierRow courierTotal(List<CourierRow> rows) {
    long deliveries = 0, fees = 0, penalties = 0, payable = 0;
    for (CourierRow r : rows) {
      deliveries = Math.addExact(deliveries, r.deliveries());
      fees = Math.addExact(fees, r.feesFen());
      penalties = Math.addExact(penalties, r.penaltiesFen());
      payable = Math.addExact(payable, r.payableFen());
    }
    return new CourierRow(TOTAL, deliveries, fees, penalties, payable);
  }

  public static JsonObject platformsJson(List<PlatformRow> rows, Instant from, Instant to) {
    return report(from, to, "platforms", rows, PlatformRow::toJson, platformTotal(rows).toJson());
  }

  public static JsonObject couriersJson(List<CourierRow> rows, Instant from, Instant to) {
    return report(from, to, "couriers", rows, CourierRow::toJson, courierTotal(rows).toJson());
  }

  /** Header, one line per platform, the TOTAL line; CRLF line ends (RFC 4180). */
  public static String platformsCsv(List<PlatformRow> rows) {
    StringBuilder csv = new StringBuilder();
    line(csv, PLATFORM_CSV_HEADER);
    for (PlatformRow r : rows) {
      line(csv, platformCells(r));
    }
    line(csv, platformCells(platformTotal(rows)));
    return csv.toString();
  }

  public static String couriersCsv(List<CourierRow> rows) {
    StringBuilder csv = new StringBuilder();
    line(csv, COURIER_CSV_HEADER);
    for (CourierRow r : rows) {
      line(csv, courierCells(r));
    }
    line(csv, courierCells(courierTotal(rows)));
    return csv.toString();
  }

  private static List<String> platformCells(PlatformRow r) {
    return List.of(r.platform(), str(r.deliveredOrders()), str(r.deliveryFeesFen()), str(r.penaltiesChargedFen()),
        str(r.receivableFen()), str(r.courierCostsFen()), str(r.courierPenaltiesFen()), str(r.marginFen()));
  }

  private static List<String> courierCells(CourierRow r) {
    return List.of(r.courier(), str(r.deliveries()), str(r.feesFen()), str(r.penaltiesFen()), str(r.payableFen()));
  }

  private static <T> JsonObject report(Instant from, Instant to, String key, List<T> rows,
                                       Function<T, JsonObject> json, JsonObject total) {
    return new JsonObject().put("from", from.toString()).put("to", to.toString()).put("currency", "CNY")
        .put(key, new JsonArray(rows.stream().map(json).toList())).put("total", total);
  }

  private static String str(long value) {
    return Long.toString(value);
  }

  private static void line(StringBuilder csv, List<String> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        csv.append(',');
      }
      csv.append(cell(cells.get(i)));
    }
    csv.append("\r\n");
  }

  /**
   * A text cell, quoted when it holds a separator or quote (RFC 4180), and prefixed with an apostrophe when it starts
   * like a spreadsheet formula, so a counterparty name cannot become one in the finance team's spreadsheet.
   */
  static String cell(String value) {
    String v = value == null ? "" : value;
    if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0 && !isNumber(v)) {
      v = "'" + v;
    }
    if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
      v = '"' + v.replace("\"", "\"\"") + '"';
    }
    return v;
  }

  private static boolean isNumber(String v) {
    return v.matches("-?\\d+");
  }
}
