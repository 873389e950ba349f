package io.kilosail.ledger;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What each food platform owes kilosail per settlement period and what it has paid: plain Java, no I/O. A period is a
 * calendar month (UTC); its receivable is the ledger's {@code receivable:platform} over the month; a payment is
 * recorded against one period. A period is due {@code termsDays} after its last day; unpaid after that it is overdue,
 * and its age decides its bucket (1–30, 31–60, 61–90, over 90 days), as a finance team's aging report shows it.
 */
public final class Receivables {

  public enum Status { PAID, UNPAID, OVERDUE, OVERPAID }

  static final List<String> CSV_HEADER = List.of("platform", "period", "receivable_fen", "paid_fen", "unpaid_fen",
      "due_on", "status", "days_overdue", "aging");

  /** One platform's period: what it owes, what it paid, and where that stands on {@code asOf}. */
  public record Line(String platform, YearMonth period, long receivableFen, long paidFen, LocalDate dueOn,
                     LocalDate asOf) {

    public long unpaidFen() {
      return receivableFen - paidFen;
    }

    public Status status() {
      if (unpaidFen() < 0) {
        return Status.OVERPAID;
      }
      if (unpaidFen() == 0) {
        return Status.PAID;
      }
      return asOf.isAfter(dueOn) ? Status.OVERDUE : Status.UNPAID;
    }

    public long daysOverdue() {
      return status() == Status.OVERDUE ? ChronoUnit.DAYS.between(dueOn, asOf) : 0;
    }

    public String aging() {
      long days = daysOverdue();
      if (status() != Status.OVERDUE) {
        return "current";
      }
      return days <= 30 ? "1-30" : days <= 60 ? "31-60" : days <= 90 ? "61-90" : "90+";
    }

    JsonObject toJson() {
      return new JsonObject().put("platform", platform).put("period", period.toString())
          .put("receivableFen", receivableFen).put("paidFen", paidFen).put("unpaidFen", unpaidFen())
          .put("dueOn", dueOn.toString()).put("status", status().name()).put("daysOverdue", daysOverdue())
          .put("aging", aging());
    }

    List<String> cells() {
      return List.of(platform, period.toString(), Long.toString(receivableFen), Long.toString(paidFen),
          Long.toString(unpaidFen()), dueOn.toString(), status().name(), Long.toString(daysOverdue()), aging());
    }
  }

  /** One period's amounts as read: owed (from the ledger) and paid (from recorded payments). */
  public record Amounts(long receivableFen, long paidFen) {
  }

  private Receivables() {
  }

  /** Parses a period ({@code 2026-11}); null when it is not one. */
  public static YearMonth period(String text) {
    try {
      return text == null ? null : YearMonth.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** The lines, by platform then period, of every (platform, period) with something owed or paid. */
  public static List<Line> lines(Map<String, Map<YearMonth, Amounts>> byPlatform, LocalDate asOf, int termsDays) {
    List<Line> lines = new ArrayList<>();
    new TreeMap<>(byPlatform).forEach((platform, periods) -> new TreeMap<>(periods).forEach((period, amounts) ->
        lines.add(new Line(platform, period, amounts.receivableFen(), amounts.paidFen(),
            period.atEndOfMonth().plusDays(termsDays), asOf))));
    return lines;
  }

  public static JsonObject json(List<Line> lines, LocalDate asOf, int termsDays) {
    JsonArray rows = new JsonArray();
    lines.forEach(line -> rows.add(line.toJson()));
    JsonObject aging = new JsonObject();
    for (String bucket : List.of("current", "1-30", "31-60", "61-90", "90+")) {
      aging.put(bucket, lines.stream().filter(l -> l.aging().equals(bucket) && l.unpaidFen() > 0)
          .mapToLong(Line::unpaidFen).sum());
    }
    return new JsonObject().put("asOf", asOf.toString()).put("paymentTermsDays", termsDays).put("currency", "CNY")
        .put("periods", rows)
        .put("total", new JsonObject()
            .put("receivableFen", lines.stream().mapToLong(Line::receivableFen).sum())
            .put("paidFen", lines.stream().mapToLong(Line::paidFen).sum())
            .put("unpaidFen", lines.stream().mapToLong(Line::unpaidFen).sum())
            .put("overdueFen", lines.stream().filter(l -> l.status() == Status.OVERDUE).mapToLong(Line::unpaidFen).sum())
            .put("unpaidByAging", aging));
  }

  public static String csv(List<Line> lines) {
    StringBuilder csv = new StringBuilder();
    csv.append(String.join(",", CSV_HEADER)).append("\r\n");
    for (Line line : lines) {
      csv.append(String.join(",", line.cells().stream().map(Settlements::cell).toList())).append("\r\n");
    }
    return csv.toString();
  }
}
