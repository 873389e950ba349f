package io.kilosail.ledger;

import io.kilosail.infra.Times;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The only writer of {@code courier_bill} and {@code courier_bill_line}; reads what the ledger books with a courier
 * platform per order in a month.
 */
final class ReconciliationRepository {

  /** A stored bill, without its lines. */
  record Bill(String id, String courier, String reference, YearMonth period, String digest, int lineCount,
              String importedBy, Instant createdAt) {
  }

  record Imported(boolean created, Bill bill) {
  }

  /** Rows per multi-row INSERT of a bill's lines: a month's bill of a busy courier has thousands. */
  private static final int LINES_PER_INSERT = 500;

  private static final String INSERT_BILL = "INSERT IGNORE INTO courier_bill (id, courier, reference, period,"
      + " content_sha256, line_count, imported_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String BILL_COLUMNS = "SELECT id, courier, reference, period, content_sha256, line_count,"
      + " imported_by, created_at FROM courier_bill";
  private static final String LINES = "SELECT line_no, platform_order_id, fee_fen, penalty_fen FROM courier_bill_line"
      + " WHERE bill_id = ? ORDER BY line_no";
  // Our side: what the ledger books with this courier per order in the month, with the courier's own order id from
  // our placement with it (the id its bill lists).
  private static final String BOOKED = "SELECT e.order_id, p.platform_order_id,"
      + " CAST(SUM(CASE WHEN e.account = 'cost:courier' THEN e.amount_fen ELSE 0 END) AS SIGNED) AS fee,"
      + " CAST(SUM(CASE WHEN e.account = 'cost:penalty' THEN e.amount_fen ELSE 0 END) AS SIGNED) AS penalty"
      + " FROM ledger_entry e LEFT JOIN courier_placement p ON p.order_id = e.order_id AND p.platform = e.counterparty"
      + " WHERE e.counterparty = ? AND e.account IN ('cost:courier', 'cost:penalty')"
      + " AND e.occurred_at >= ? AND e.occurred_at < ? GROUP BY e.order_id, p.platform_order_id";

  private final Pool pool;

  ReconciliationRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * Stores the bill once per (courier, reference): created when written now; otherwise the bill stored before under
   * that reference, for the caller to compare.
   */
  static Future<Imported> store(SqlConnection conn, String courier, String reference, YearMonth period,
                                List<Reconciliation.BillLine> lines, String operator, Instant now) {
    Bill bill = new Bill(UUID.randomUUID().toString(), courier, reference, period,
        Reconciliation.digest(period.toString(), lines), lines.size(), operator, now);
    return conn.preparedQuery(INSERT_BILL).execute(Tuple.of(bill.id(), courier, reference, period.toString(),
            bill.digest(), lines.size(), operator, Times.toDb(now)))
        .compose(rows -> {
          if (rows.rowCount() == 0) {
            return conn.preparedQuery(BILL_COLUMNS + " WHERE courier = ? AND reference = ?")
                .execute(Tuple.of(courier, reference))
                .map(found -> new Imported(false, bill(found.iterator().next())));
          }
          Future<Void> written = Future.succeededFuture();
          for (int from = 0; from < lines.size(); from += LINES_PER_INSERT) {
            List<Reconciliation.BillLine> chunk = lines.subList(from, Math.min(lines.size(), from + LINES_PER_INSERT));
            written = written.compose(x -> insertLines(conn, bill.id(), chunk));
          }
          return written.map(new Imported(true, bill));
        });
  }

  private static Future<Void> insertLines(SqlConnection conn, String billId, List<Reconciliation.BillLine> lines) {
    StringBuilder sql = new StringBuilder("INSERT INTO courier_bill_line (bill_id, line_no, platform_order_id,"
        + " fee_fen, penalty_fen) VALUES ");
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Reconciliation.BillLine line = lines.get(i);
      sql.append(i == 0 ? "" : ", ").append("(?, ?, ?, ?, ?)");
      values.add(billId);
      values.add(line.line());
      values.add(line.platformOrderId());
      values.add(line.feeFen());
      values.add(line.penaltyFen());
    }
    return conn.preparedQuery(sql.toString()).execute(Tuple.wrap(values)).mapEmpty();
  }

  /** The bill, or null when there is none with that id. */
  Future<Bill> bill(String id) {
    return pool.preparedQuery(BILL_COLUMNS + " WHERE id = ?").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : bill(rows.iterator().next()));
  }

  Future<List<Reconciliation.BillLine>> lines(String billId) {
    return pool.preparedQuery(LINES).execute(Tuple.of(billId)).map(rows -> {
      List<Reconciliation.BillLine> lines = new ArrayList<>();
      rows.forEach(r -> lines.add(new Reconciliation.BillLine(r.getInteger(0), r.getString(1), r.getLong(2),
          r.getLong(3))));
      return lines;
    });
  }

  /** What the ledger books with {@code courier} per order in the UTC month. */
  Future<List<Reconciliation.LedgerLine>> booked(String courier, YearMonth period) {
    Instant from = period.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    Instant to = period.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    return pool.preparedQuery(BOOKED).execute(Tuple.of(courier, Times.toDb(from), Times.toDb(to))).map(rows -> {
      List<Reconciliation.LedgerLine> lines = new ArrayList<>();
      rows.forEach(r -> lines.add(new Reconciliation.LedgerLine(r.getString(0), r.getString(1), r.getLong(2),
          r.getLong(3))));
      return lines;
    });
  }

  private static Bill bill(Row r) {
    return new Bill(r.getString(0), r.getString(1), r.getString(2), YearMonth.parse(r.getString(3)), r.getString(4),
        r.getInteger(5), r.getString(6), Times.fromDb(r.getLocalDateTime(7)));
  }
}
