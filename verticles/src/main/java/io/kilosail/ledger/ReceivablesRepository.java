package io.kilosail.ledger;

import io.kilosail.infra.Times;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.YearMonth;
import java.util.HashMap;
import java.util.Map;

/**
 * The only writer of {@code platform_payment}; reads what each food platform owes per period from the ledger
 * ({@code receivable:platform}, cut per UTC month of {@code occurred_at}) and what it paid.
 */
final class ReceivablesRepository {

  /** A payment as an operator records it. */
  record Payment(String platform, YearMonth period, long amountFen, Instant receivedAt, String reference) {
  }

  private static final String INSERT = "INSERT IGNORE INTO platform_payment (platform, period, amount_fen,"
      + " received_at, reference, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
  private static final String BY_REFERENCE = "SELECT platform, period, amount_fen, received_at, reference"
      + " FROM platform_payment WHERE platform = ? AND reference = ?";
  private static final String OWED = "SELECT counterparty, DATE_FORMAT(occurred_at, '%Y-%m') AS period,"
      + " CAST(SUM(amount_fen) AS SIGNED) AS fen FROM ledger_entry WHERE account = 'receivable:platform'"
      + " AND occurred_at < ? GROUP BY counterparty, period";
  private static final String PAID = "SELECT platform, period, CAST(SUM(amount_fen) AS SIGNED) AS fen"
      + " FROM platform_payment GROUP BY platform, period";

  private final Pool pool;

  ReceivablesRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * Records a payment once per (platform, reference): answers true when written now, false when that reference was
   * recorded before (then {@code existing} is what was recorded, for the caller to compare).
   */
  static Future<Recorded> record(SqlConnection conn, Payment p, String operator, Instant now) {
    return conn.preparedQuery(INSERT).execute(Tuple.of(p.platform(), p.period().toString(), p.amountFen(),
            Times.toDb(p.receivedAt()), p.reference(), operator, Times.toDb(now)))
        .compose(rows -> rows.rowCount() == 1 ? Future.succeededFuture(new Recorded(true, p))
            : conn.preparedQuery(BY_REFERENCE).execute(Tuple.of(p.platform(), p.reference())).map(found -> {
              Row r = found.iterator().next();
              return new Recorded(false, new Payment(r.getString(0), YearMonth.parse(r.getString(1)), r.getLong(2),
                  Times.fromDb(r.getLocalDateTime(3)), r.getString(4)));
            }));
  }

  record Recorded(boolean created, Payment payment) {
  }

  /** Per food platform and period: owed (postings before {@code until}) and paid. */
  Future<Map<String, Map<YearMonth, Receivables.Amounts>>> amounts(Instant until) {
    Map<String, Map<YearMonth, long[]>> sums = new HashMap<>();
    return pool.preparedQuery(OWED).execute(Tuple.of(Times.toDb(until)))
        .onSuccess(rows -> rows.forEach(r -> cell(sums, r.getString(0), r.getString(1))[0] += r.getLong(2)))
        .compose(x -> pool.query(PAID).execute())
        .map(rows -> {
          rows.forEach(r -> cell(sums, r.getString(0), r.getString(1))[1] += r.getLong(2));
          Map<String, Map<YearMonth, Receivables.Amounts>> amounts = new HashMap<>();
          sums.forEach((platform, periods) -> periods.forEach((period, fen) -> amounts
              .computeIfAbsent(platform, k -> new HashMap<>()).put(period, new Receivables.Amounts(fen[0], fen[1]))));
          return amounts;
        });
  }

  private static long[] cell(Map<String, Map<YearMonth, long[]>> sums, String platform, String period) {
    return sums.computeIfAbsent(platform, k -> new HashMap<>()).computeIfAbsent(YearMonth.parse(period),
        k -> new long[2]);
  }
}
