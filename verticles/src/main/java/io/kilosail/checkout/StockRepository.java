package io.kilosail.checkout;

import io.kilosail.contracts.stock.StockLine;
import io.kilosail.contracts.stock.StockService;
import io.kilosail.infra.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The {@code sku} and {@code stock_reservation} tables. Every stock move is a conditional UPDATE of the sku row (the
 * row lock orders concurrent buyers; the condition refuses the one that would take stock below zero) together with
 * the reservation row that says which order holds what, in the caller's transaction.
 */
public final class StockRepository {

  private static final String SKU_COLUMNS = "sku, name, price_minor, currency, available, reserved, sold, version";
  private static final String TAKE = "UPDATE sku SET available = available - ?, reserved = reserved + ?,"
      + " version = version + 1, updated_at = ? WHERE sku = ? AND available >= ?";
  private static final String HOLD = "INSERT INTO stock_reservation (order_id, sku, quantity, state, created_at,"
      + " updated_at) VALUES (?, ?, ?, 'RESERVED', ?, ?)";
  private static final String HELD = "SELECT sku, quantity, state FROM stock_reservation WHERE order_id = ?"
      + " ORDER BY sku FOR UPDATE";

  /** A SKU as the catalog sells it. */
  public record Sku(String sku, String name, long priceMinor, String currency, int available, int reserved, int sold,
                    long version) {
    public JsonObject toJson() {
      return new JsonObject().put("sku", sku).put("name", name).put("priceMinor", priceMinor)
          .put("currency", currency).put("available", available).put("reserved", reserved).put("sold", sold)
          .put("version", version);
    }
  }

  private final Pool pool;

  public StockRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<Sku> find(String sku) {
    return pool.preparedQuery("SELECT " + SKU_COLUMNS + " FROM sku WHERE sku = ?").execute(Tuple.of(sku))
        .map(rows -> rows.size() == 0 ? null : sku(rows.iterator().next()));
  }

  /** The SKUs of {@code skus} that exist (missing ones are simply absent). */
  public Future<List<Sku>> find(List<String> skus) {
    if (skus.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    String marks = String.join(", ", skus.stream().map(s -> "?").toList());
    return pool.preparedQuery("SELECT " + SKU_COLUMNS + " FROM sku WHERE sku IN (" + marks + ")")
        .execute(Tuple.wrap(new ArrayList<Object>(skus)))
        .map(rows -> {
          List<Sku> found = new ArrayList<>();
          rows.forEach(r -> found.add(sku(r)));
          return found;
        });
  }

  /**
   * Creates the SKU or changes its name and price and sets how many are available. What checkouts hold or sold is
   * left as it is: an operator restocking during a peak never takes away a reservation.
   */
  public Future<Sku> upsert(String sku, String name, long priceMinor, String currency, int available) {
    return upsert(sku, name, priceMinor, currency, available, conn -> Future.succeededFuture());
  }

  /** As {@link #upsert(String, String, long, String, int)}, with {@code alongside} in the same transaction. */
  public Future<Sku> upsert(String sku, String name, long priceMinor, String currency, int available,
                            java.util.function.Function<SqlConnection, Future<Void>> alongside) {
    Instant now = Instant.now();
    return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO sku (sku, name, price_minor, currency, available, reserved, sold, version,"
            + " updated_at) VALUES (?, ?, ?, ?, ?, 0, 0, 0, ?) ON DUPLICATE KEY UPDATE name = VALUES(name),"
            + " price_minor = VALUES(price_minor), currency = VALUES(currency), available = VALUES(available),"
            + " version = version + 1, updated_at = VALUES(updated_at)")
        .execute(Tuple.of(sku, name, priceMinor, currency, available, Times.toDb(now)))
        .compose(x -> alongside.apply(conn)))
        .compose(x -> find(sku));
  }

  /**
   * Takes every line from the available stock for the order, in SKU order (two orders taking the same SKUs lock them
   * in the same order and cannot deadlock). A line that cannot be had fails the whole reservation with
   * {@link StockService#OUT_OF_STOCK} or {@link StockService#UNKNOWN_SKU}; the caller's transaction rolls back.
   */
  public static Future<Void> reserve(SqlConnection conn, String orderId, List<StockLine> lines) {
    Instant now = Instant.now();
    List<StockLine> ordered = lines.stream().sorted(Comparator.comparing(StockLine::getSku)).toList();
    Future<Void> chain = Future.succeededFuture();
    for (StockLine line : ordered) {
      chain = chain.compose(x -> conn.preparedQuery(TAKE)
          .execute(Tuple.of(line.getQuantity(), line.getQuantity(), Times.toDb(now), line.getSku(), line.getQuantity()))
          .compose(taken -> taken.rowCount() == 1
              ? conn.preparedQuery(HOLD).execute(Tuple.of(orderId, line.getSku(), line.getQuantity(),
                  Times.toDb(now), Times.toDb(now))).<Void>mapEmpty()
              : whyNot(conn, line)));
    }
    return chain;
  }

  /** The order is paid: what it holds moves from reserved to sold. Nothing held (already moved) changes nothing. */
  public static Future<Integer> commit(SqlConnection conn, String orderId) {
    return move(conn, orderId, "RESERVED", "COMMITTED",
        "UPDATE sku SET reserved = reserved - ?, sold = sold + ?, version = version + 1, updated_at = ? WHERE sku = ?");
  }

  /**
   * The order ended: a reservation goes back to available (never paid); a committed one too (refunded: the goods
   * never left). Returns how many reservation rows moved.
   */
  public static Future<Integer> release(SqlConnection conn, String orderId) {
    return move(conn, orderId, "RESERVED", "RELEASED",
            "UPDATE sku SET reserved = reserved - ?, available = available + ?, version = version + 1,"
                + " updated_at = ? WHERE sku = ?")
        .compose(released -> move(conn, orderId, "COMMITTED", "RESTOCKED",
                "UPDATE sku SET sold = sold - ?, available = available + ?, version = version + 1,"
                    + " updated_at = ? WHERE sku = ?")
            .map(restocked -> released + restocked));
  }

  private static Future<Integer> move(SqlConnection conn, String orderId, String from, String to, String skuUpdate) {
    Instant now = Instant.now();
    return conn.preparedQuery(HELD).execute(Tuple.of(orderId)).compose(rows -> {
      Future<Integer> chain = Future.succeededFuture(0);
      for (Row held : rows) {
        if (!from.equals(held.getString("state"))) {
          continue;
        }
        String sku = held.getString("sku");
        int quantity = held.getInteger("quantity");
        chain = chain.compose(n -> conn.preparedQuery(skuUpdate)
            .execute(Tuple.of(quantity, quantity, Times.toDb(now), sku))
            .compose(x -> conn.preparedQuery("UPDATE stock_reservation SET state = ?, updated_at = ?"
                + " WHERE order_id = ? AND sku = ?").execute(Tuple.of(to, Times.toDb(now), orderId, sku)))
            .map(n + 1));
      }
      return chain;
    });
  }

  private static Future<Void> whyNot(SqlConnection conn, StockLine line) {
    return conn.preparedQuery("SELECT available FROM sku WHERE sku = ?").execute(Tuple.of(line.getSku()))
        .compose(rows -> rows.size() == 0
            ? ServiceException.fail(StockService.UNKNOWN_SKU, "no SKU " + line.getSku())
            : ServiceException.fail(StockService.OUT_OF_STOCK, "SKU " + line.getSku() + ": "
                + line.getQuantity() + " wanted, " + rows.iterator().next().getInteger(0) + " available"));
  }

  private static Sku sku(Row r) {
    return new Sku(r.getString("sku"), r.getString("name"), r.getLong("price_minor"), r.getString("currency"),
        r.getInteger("available"), r.getInteger("reserved"), r.getInteger("sold"), r.getLong("version"));
  }
}
