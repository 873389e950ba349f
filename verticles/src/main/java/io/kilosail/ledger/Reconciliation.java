package io.kilosail.ledger;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A courier platform's bill against our ledger (plain Java): reads the bill's CSV and lists every difference.
 *
 * <p>The bill is {@code platform_order_id,fee_fen,penalty_fen}, one line per order, amounts in integer fen. A line
 * matches our ledger when its id is the courier platform's order id of our placement with that platform or our own
 * order id (the one we send as the merchant's order number). Our side is what the ledger books with that courier:
 * {@code cost:courier} (the delivery fee, tips included) and {@code cost:penalty}.
 */
public final class Reconciliation {

  public static final List<String> HEADER = List.of("platform_order_id", "fee_fen", "penalty_fen");
  public static final List<String> CSV_HEADER = List.of("kind", "platform_order_id", "order_id", "bill_line",
      "bill_fee_fen", "bill_penalty_fen", "ledger_fee_fen", "ledger_penalty_fen", "difference_fen");
  private static final int MAX_ID_LENGTH = 64;
  /** A bill's amount above this (a million yuan for one delivery) is a typo, not a fee. */
  private static final long MAX_FEN = 100_000_000L;

  private Reconciliation() {
  }

  /** One line of the bill; {@code line} is its line number in the file (the header is line 1). */
  public record BillLine(int line, String platformOrderId, long feeFen, long penaltyFen) {
  }

  /** What our ledger books with the courier for one order in the bill's period. */
  public record LedgerLine(String orderId, String platformOrderId, long feeFen, long penaltyFen) {
  }

  public enum Kind { MISSING, EXTRA, DIFFERENT }

  /** A difference; the ledger's side is null for EXTRA, the bill's for MISSING. */
  public record Difference(Kind kind, String platformOrderId, String orderId, Integer billLine, Long billFeeFen,
                           Long billPenaltyFen, Long ledgerFeeFen, Long ledgerPenaltyFen) {

    /** What the bill asks minus what we booked: positive when the courier bills more. */
    public long differenceFen() {
      return nz(billFeeFen) + nz(billPenaltyFen) - nz(ledgerFeeFen) - nz(ledgerPenaltyFen);
    }

    JsonObject toJson() {
      return new JsonObject().put("kind", kind.name()).put("platformOrderId", platformOrderId)
          .put("orderId", orderId).put("billLine", billLine)
          .put("billFeeFen", billFeeFen).put("billPenaltyFen", billPenaltyFen)
          .put("ledgerFeeFen", ledgerFeeFen).put("ledgerPenaltyFen", ledgerPenaltyFen)
          .put("differenceFen", differenceFen());
    }

    List<Object> cells() {
      return List.of(kind.name(), platformOrderId, orderId == null ? "" : orderId, cell(billLine), cell(billFeeFen),
          cell(billPenaltyFen), cell(ledgerFeeFen), cell(ledgerPenaltyFen), differenceFen());
    }
  }

  /** A line of the bill that cannot be read: where, and why. */
  public static final class BadLine extends IllegalArgumentException {
    private final int line;
    private final String column;

    BadLine(int line, String column, String why) {
      super("line " + line + (column == null ? "" : ", column " + column) + ": " + why);
      this.line = line;
      this.column = column;
    }

    public int line() {
      return line;
    }

    public String column() {
      return column;
    }
  }

  /**
   * Reads a bill: a header row exactly {@link #HEADER} (any case, a UTF-8 BOM and CRLF line ends allowed), then one
   * line per order. Blank lines are skipped. Amounts are whole fen (no decimal point: a bill in yuan is refused
   * rather than guessed at), 0 or more; an empty penalty is 0. An order id may appear once.
   *
   * @throws BadLine naming the first line and column that cannot be read
   */
  public static List<BillLine> parse(String csv) {
    if (csv == null || csv.isBlank()) {
      throw new BadLine(1, null, "the bill is empty; its first line must be " + String.join(",", HEADER));
    }
    String text = csv.startsWith("\uFEFF") ? csv.substring(1) : csv;
    String[] rows = text.split("\r?\n", -1);
    List<String> header = fields(rows[0]).stream().map(s -> s.trim().toLowerCase()).toList();
    if (!header.equals(HEADER)) {
      throw new BadLine(1, null, "the header must be " + String.join(",", HEADER) + ", was " + rows[0].trim());
    }
    List<BillLine> lines = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 1; i < rows.length; i++) {
      int number = i + 1;
      if (rows[i].isBlank()) {
        continue;
      }
      List<String> cells = fields(rows[i]);
      if (cells.size() != HEADER.size()) {
        throw new BadLine(number, null, "expected 3 columns (" + String.join(",", HEADER) + "), found "
            + cells.size());
      }
      String id = cells.get(0).trim();
      if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
        throw new BadLine(number, "platform_order_id", "required, 1 to " + MAX_ID_LENGTH + " characters");
      }
      Integer earlier = seen.putIfAbsent(id, number);
      if (earlier != null) {
        throw new BadLine(number, "platform_order_id", "'" + id + "' is already on line " + earlier
            + " (one line per order: add its amounts)");
      }
      lines.add(new BillLine(number, id, fen(cells.get(1), number, "fee_fen", false),
          fen(cells.get(2), number, "penalty_fen", true)));
    }
    return lines;
  }

  private static long fen(String raw, int line, String column, boolean emptyIsZero) {
    String value = raw.trim();
    if (value.isEmpty() && emptyIsZero) {
      return 0;
    }
    if (value.contains(".")) {
      throw new BadLine(line, column, "'" + value + "' has a decimal point; amounts are whole fen (12.50 yuan is"
          + " 1250)");
    }
    if (value.isEmpty() || value.length() > 12 || !value.chars().allMatch(Character::isDigit)) {
      throw new BadLine(line, column, "'" + value + "' is not a whole number of fen, 0 or more");
    }
    long fen = Long.parseLong(value);
    if (fen > MAX_FEN) {
      throw new BadLine(line, column, value + " fen is more than " + MAX_FEN + " for one order");
    }
    return fen;
  }

  /** Splits on commas; a field in double quotes may hold commas ("" is a quote inside it). */
  private static List<String> fields(String row) {
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < row.length(); i++) {
      char c = row.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < row.length() && row.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cell.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        cells.add(cell.toString());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    cells.add(cell.toString());
    return cells;
  }

  /**
   * Every difference between the bill and our ledger: MISSING (we booked it, the bill does not list it), EXTRA (the
   * bill lists it, we booked nothing with this courier in the period), DIFFERENT (both, another fee or penalty). Bill
   * lines first in their order, then the missing ones by order id. An order our ledger nets to nothing (booked and
   * reversed) counts as not booked.
   */
  public static List<Difference> differences(List<BillLine> bill, List<LedgerLine> ledger) {
    Map<String, LedgerLine> byId = new HashMap<>();
    for (LedgerLine l : ledger) {
      if (l.feeFen() == 0 && l.penaltyFen() == 0) {
        continue;
      }
      byId.put(l.orderId(), l);
      if (l.platformOrderId() != null) {
        byId.put(l.platformOrderId(), l);
      }
    }
    Map<String, LedgerLine> unmatched = new LinkedHashMap<>();
    ledger.stream().filter(l -> l.feeFen() != 0 || l.penaltyFen() != 0)
        .sorted(java.util.Comparator.comparing(LedgerLine::orderId))
        .forEach(l -> unmatched.put(l.orderId(), l));
    List<Difference> differences = new ArrayList<>();
    for (BillLine b : bill) {
      LedgerLine ours = byId.get(b.platformOrderId());
      // An order matched by an earlier line (the bill listing it under both its ids) is EXTRA the second time.
      if (ours == null || unmatched.remove(ours.orderId()) == null) {
        differences.add(new Difference(Kind.EXTRA, b.platformOrderId(), null, b.line(), b.feeFen(), b.penaltyFen(),
            null, null));
      } else if (ours.feeFen() != b.feeFen() || ours.penaltyFen() != b.penaltyFen()) {
        differences.add(new Difference(Kind.DIFFERENT, b.platformOrderId(), ours.orderId(), b.line(), b.feeFen(),
            b.penaltyFen(), ours.feeFen(), ours.penaltyFen()));
      }
    }
    for (LedgerLine l : unmatched.values()) {
      differences.add(new Difference(Kind.MISSING, l.platformOrderId() != null ? l.platformOrderId() : l.orderId(),
          l.orderId(), null, null, null, l.feeFen(), l.penaltyFen()));
    }
    return differences;
  }

  /** Totals of both sides and of the differences. */
  public static JsonObject totals(List<BillLine> bill, List<LedgerLine> ledger, List<Difference> differences) {
    long billFee = bill.stream().mapToLong(BillLine::feeFen).sum();
    long billPenalty = bill.stream().mapToLong(BillLine::penaltyFen).sum();
    long ledgerFee = ledger.stream().mapToLong(LedgerLine::feeFen).sum();
    long ledgerPenalty = ledger.stream().mapToLong(LedgerLine::penaltyFen).sum();
    JsonObject counts = new JsonObject();
    for (Kind kind : Kind.values()) {
      counts.put(kind.name(), differences.stream().filter(d -> d.kind() == kind).count());
    }
    return new JsonObject()
        .put("billLines", bill.size())
        .put("billFeeFen", billFee).put("billPenaltyFen", billPenalty).put("billTotalFen", billFee + billPenalty)
        .put("ledgerOrders", ledger.stream().filter(l -> l.feeFen() != 0 || l.penaltyFen() != 0).count())
        .put("ledgerFeeFen", ledgerFee).put("ledgerPenaltyFen", ledgerPenalty)
        .put("ledgerTotalFen", ledgerFee + ledgerPenalty)
        .put("differenceFen", billFee + billPenalty - ledgerFee - ledgerPenalty)
        .put("differences", counts);
  }

  public static JsonArray json(List<Difference> differences) {
    JsonArray rows = new JsonArray();
    differences.forEach(d -> rows.add(d.toJson()));
    return rows;
  }

  /** The differences as CSV (CRLF), a TOTAL row summing the differences' columns. */
  public static String csv(List<Difference> differences) {
    StringBuilder csv = new StringBuilder();
    row(csv, CSV_HEADER);
    for (Difference d : differences) {
      row(csv, d.cells());
    }
    row(csv, List.of("TOTAL", "", "", "",
        differences.stream().mapToLong(d -> nz(d.billFeeFen())).sum(),
        differences.stream().mapToLong(d -> nz(d.billPenaltyFen())).sum(),
        differences.stream().mapToLong(d -> nz(d.ledgerFeeFen())).sum(),
        differences.stream().mapToLong(d -> nz(d.ledgerPenaltyFen())).sum(),
        differences.stream().mapToLong(Difference::differenceFen).sum()));
    return csv.toString();
  }

  private static void row(StringBuilder csv, List<?> cells) {
    csv.append(String.join(",", cells.stream().map(o -> Settlements.cell(String.valueOf(o))).toList())).append("\r\n");
  }

  /** A digest of the bill as read (period and lines), so a retried import can be told from another bill. */
  public static String digest(String period, List<BillLine> bill) {
    StringBuilder text = new StringBuilder(period).append('\n');
    bill.forEach(b -> text.append(b.platformOrderId()).append(',').append(b.feeFen()).append(',')
        .append(b.penaltyFen()).append('\n'));
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String cell(Object value) {
    return value == null ? "" : value.toString();
  }

  private static long nz(Long value) {
    return value == null ? 0 : value;
  }
}
