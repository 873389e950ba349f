package io.kilosail.ledger;

import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.Times;
import io.kilosail.ledger.Ledger.Posting;
import io.kilosail.ledger.Settlements.CourierRow;
import io.kilosail.ledger.Settlements.PlatformRow;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ledger_entry} table (V8). Rows are only ever inserted: nothing here, or anywhere, updates or deletes one;
 * {@link Ledger#reversal} undoes postings.
 *
 * <p>Meters, on the registry of the node whose verticle writes (its {@code node.metricsRegistry}), counted once the
 * caller's transaction commits: {@code kilosail.ledger.postings{entry_type}} (postings written),
 * {@code kilosail.ledger.penalties.paid} and {@code kilosail.ledger.penalties.earned} (fen charged to us by courier
 * platforms, charged by us to food platforms), {@code kilosail.ledger.penalties.reversed{side=paid|earned}} (fen of
 * penalty reversals; a counter cannot go down).
 */
public final class LedgerRepository {

  private static final String COLUMNS = "(order_id, entry_type, account, counterparty, amount_fen, occurred_at,"
      + " created_at)";
  private static final String ROW = "(?, ?, ?, ?, ?, ?, ?)";
  private static final String PER_ORDER = "SELECT order_id, entry_type, account, counterparty, amount_fen, occurred_at"
      + " FROM ledger_entry WHERE order_id = ? ORDER BY id";

  // Per food platform: the platform-side accounts carry it as counterparty, but the courier-side ones (what its orders
  // cost us) carry the courier; the order row says whose order it was. LEFT JOIN so a posting can never drop out of
  // the totals (an order id with no row would show under platform '').
  private static final String PLATFORM_TOTALS = "SELECT COALESCE(o.platform, '') AS platform,"
      + " CAST(SUM(CASE WHEN e.account = 'revenue:delivery' THEN SIGN(-e.amount_fen) ELSE 0 END) AS SIGNED) AS delivered,"
      + " CAST(SUM(CASE WHEN e.account = 'revenue:delivery' THEN -e.amount_fen ELSE 0 END) AS SIGNED) AS delivery_fees,"
      + " CAST(SUM(CASE WHEN e.account = 'revenue:penalty' THEN -e.amount_fen ELSE 0 END) AS SIGNED) AS penalties_charged,"
      + " CAST(SUM(CASE WHEN e.account = 'receivable:platform' THEN e.amount_fen ELSE 0 END) AS SIGNED) AS receivable,"
      + " CAST(SUM(CASE WHEN e.account = 'cost:courier' THEN e.amount_fen ELSE 0 END) AS SIGNED) AS courier_costs,"
      + " CAST(SUM(CASE WHEN e.account = 'cost:penalty' THEN e.amount_fen ELSE 0 END) AS SIGNED) AS courier_penalties"
      + " FROM ledger_entry e LEFT JOIN delivery_order o ON o.id = e.order_id"
      + " WHERE e.occurred_at >= ? AND e.occurred_at < ?";
  // A trip that ended back at the shop (delivery.returned) is a fee but not a delivery, and a tip (courier.tip) is part
  // of its delivery's fee.
  private static final String COURIER_TOTALS = "SELECT e.counterparty AS courier,"
      + " CAST(SUM(CASE WHEN e.account = 'cost:courier' AND e.entry_type NOT LIKE 'delivery.returned%'"
      + " AND e.entry_type NOT LIKE 'courier.tip%'"
      + " THEN SIGN(e.amount_fen) ELSE 0 END) AS SIGNED) AS deliveries,"
      + " CAST(SUM(CASE WHEN e.account = 'cost:courier' THEN e.amount_fen ELSE 0 END) AS SIGNED) AS fees,"
      + " CAST(SUM(CASE WHEN e.account = 'cost:penalty' THEN e.amount_fen ELSE 0 END) AS SIGNED) AS penalties,"
      + " CAST(SUM(CASE WHEN e.account = 'payable:courier' THEN -e.amount_fen ELSE 0 END) AS SIGNED) AS payable"
      + " FROM ledger_entry e"
      + " WHERE e.account IN ('cost:courier', 'cost:penalty', 'payable:courier')"
      + " AND e.occurred_at >= ? AND e.occurred_at < ?";

  private LedgerRepository() {
  }

  /**
   * Inserts the postings with one multi-row INSERT on the caller's connection, so they join its transaction and
   * commit or roll back with the state change that caused them. Fails (nothing written) when they do not balance. An
   * empty list writes nothing. Meters count after the transaction commits (at once when there is none).
   */
  public static Future<Void> write(SqlConnection conn, List<Posting> postings) {
    if (postings.isEmpty()) {
      return Future.succeededFuture();
    }
    try {
      Ledger.requireBalanced(postings);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Instant now = Instant.now();
    StringBuilder sql = new StringBuilder("INSERT INTO ledger_entry ").append(COLUMNS).append(" VALUES ");
    Tuple args = Tuple.tuple();
    for (int i = 0; i < postings.size(); i++) {
      Posting p = postings.get(i);
      sql.append(i == 0 ? ROW : ", " + ROW);
      args.addString(p.orderId()).addString(p.entryType()).addString(p.account()).addString(p.counterparty())
          .addLong(p.amountFen()).addValue(Times.toDb(p.occurredAt())).addValue(Times.toDb(now));
    }
    MeterRegistry registry = registryOfCurrentNode();
    return conn.preparedQuery(sql.toString()).execute(args)
        .onSuccess(done -> {
          Transaction tx = conn.transaction();
          Future<Void> committed = tx == null ? Future.succeededFuture() : tx.completion();
          committed.onSuccess(c -> count(registry, postings));
        })
        .mapEmpty();
  }

  /** The order's postings in the order they were written; empty when it has none. */
  public static Future<List<Posting>> perOrder(Pool pool, String orderId) {
    return pool.preparedQuery(PER_ORDER).execute(Tuple.of(orderId)).map(rows -> {
      List<Posting> postings = new ArrayList<>(rows.size());
      for (Row r : rows) {
        postings.add(new Posting(r.getString("order_id"), r.getString("entry_type"), r.getString("account"),
            r.getString("counterparty"), r.getLong("amount_fen"), Times.fromDb(r.getLocalDateTime("occurred_at"))));
      }
      return postings;
    });
  }

  /** Per food platform, postings with {@code from <= occurred_at < to}; one platform when {@code platform} is given. */
  public static Future<List<PlatformRow>> platformTotals(Pool pool, String platform, Instant from, Instant to) {
    Tuple args = Tuple.of(Times.toDb(from), Times.toDb(to));
    String sql = PLATFORM_TOTALS;
    if (platform != null) {
      sql += " AND o.platform = ?";
      args.addString(platform);
    }
    return pool.preparedQuery(sql + " GROUP BY o.platform ORDER BY platform").execute(args).map(rows -> {
      List<PlatformRow> result = new ArrayList<>(rows.size());
      for (Row r : rows) {
        result.add(new PlatformRow(r.getString("platform"), r.getLong("delivered"), r.getLong("delivery_fees"),
            r.getLong("penalties_charged"), r.getLong("receivable"), r.getLong("courier_costs"),
            r.getLong("courier_penalties")));
      }
      return result;
    });
  }

  /** Per courier platform, postings with {@code from <= occurred_at < to}; one platform when {@code courier} is given. */
  public static Future<List<CourierRow>> courierTotals(Pool pool, String courier, Instant from, Instant to) {
    Tuple args = Tuple.of(Times.toDb(from), Times.toDb(to));
    String sql = COURIER_TOTALS;
    if (courier != null) {
      sql += " AND e.counterparty = ?";
      args.addString(courier);
    }
    return pool.preparedQuery(sql + " GROUP BY e.counterparty ORDER BY courier").execute(args).map(rows -> {
      List<CourierRow> result = new ArrayList<>(rows.size());
      for (Row r : rows) {
        result.add(new CourierRow(r.getString("courier"), r.getLong("deliveries"), r.getLong("fees"),
            r.getLong("penalties"), r.getLong("payable")));
      }
      return result;
    });
  }

  /** Whether an order with this id exists (the ledger endpoint answers 404 for one that does not). */
  public static Future<Boolean> orderExists(Pool pool, String orderId) {
    return pool.preparedQuery("SELECT 1 FROM delivery_order WHERE id = ?").execute(Tuple.of(orderId))
        .map(rows -> rows.size() > 0);
  }

  // ---------------------------------------------------------------- meters

  /** The registry of the node whose verticle is calling (its config's node section); null outside a verticle. */
  private static MeterRegistry registryOfCurrentNode() {
    Context context = Vertx.currentContext();
    return context == null || context.config() == null ? null
        : Meters.registry(NodeConfig.fromJson(context.config()));
  }

  private static void count(MeterRegistry registry, List<Posting> postings) {
    if (registry == null) {
      return;
    }
    for (Posting p : postings) {
      Counter.builder("kilosail.ledger.postings").description("Ledger postings written")
          .tag("entry_type", p.entryType()).register(registry).increment();
      if (p.account().equals(Ledger.COST_PENALTY)) {
        penalty(registry, p, "paid", p.amountFen());
      } else if (p.account().equals(Ledger.REVENUE_PENALTY)) {
        penalty(registry, p, "earned", -p.amountFen());
      }
    }
  }

  private static void penalty(MeterRegistry registry, Posting p, String side, long fen) {
    if (p.isReversal()) {
      Counter.builder("kilosail.ledger.penalties.reversed").description("Fen of penalty postings reversed")
          .baseUnit("fen").tag("side", side).register(registry).increment(Math.abs(fen));
    } else {
      Counter.builder("kilosail.ledger.penalties." + side).baseUnit("fen")
          .description(side.equals("paid") ? "Fen of penalties courier platforms charged us"
              : "Fen of penalties we charged food platforms")
          .register(registry).increment(fen);
    }
  }
}
