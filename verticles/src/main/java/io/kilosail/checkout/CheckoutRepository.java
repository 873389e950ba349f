package io.kilosail.checkout;


import io.kilosail.infra.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mysqlclient.MySQLException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;

/**
 * The {@code checkout_order} table. A state only moves forward ({@link CheckoutState#canMoveTo}), under the row lock.
 * A move publishes no event: nothing outside the checkout saga, which makes the moves, listens for them.
 */
public final class CheckoutRepository {


  private static final int DUPLICATE_KEY = 1062;
  private static final String COLUMNS = "id, idempotency_key, request_hash, state, customer_name, customer_email,"
      + " customer_phone, items, delivery, currency, goods_minor, delivery_fee_minor, total_minor, payment_channel,"
      + " payment_url, payment_expires_at, end_reason, cancel_requested_at, created_at, updated_at";

  /** What a POST did: {@code created} false means the idempotency key was used before, for {@code order}. */
  public record Creation(CheckoutOrder order, boolean created) {
  }

  private final Pool pool;

  public CheckoutRepository(Pool pool) {
    this.pool = pool;
  }

  /** Stores a new order, or answers the one stored first under the same idempotency key. */
  public Future<Creation> create(CheckoutOrder o) {
    Tuple row = Tuple.tuple().addString(o.id()).addString(o.idempotencyKey()).addString(o.requestHash())
        .addString(o.state().name()).addString(o.customer().getString("name"))
        .addString(o.customer().getString("email")).addString(o.customer().getString("phone"))
        .addString(o.items().encode()).addString(o.delivery().encode()).addString(o.currency())
        .addLong(o.goodsMinor()).addLong(o.deliveryFeeMinor()).addLong(o.totalMinor()).addString(o.paymentChannel())
        .addString(null).addValue(null).addString(null).addValue(null)
        .addValue(Times.toDb(o.createdAt())).addValue(Times.toDb(o.updatedAt()));
    return pool.preparedQuery("INSERT INTO checkout_order (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            + " ?, ?, ?, ?, ?, ?, ?, ?, ?)").execute(row)
        .map(x -> new Creation(o, true))
        .recover(err -> err instanceof MySQLException e && e.getErrorCode() == DUPLICATE_KEY
            ? findByKey(o.idempotencyKey()).map(first -> new Creation(first, false))
            : Future.failedFuture(err));
  }

  public Future<CheckoutOrder> find(String id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM checkout_order WHERE id = ?").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : fromRow(rows.iterator().next()));
  }

  private Future<CheckoutOrder> findByKey(String key) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM checkout_order WHERE idempotency_key = ?")
        .execute(Tuple.of(key))
        .map(rows -> rows.size() == 0 ? null : fromRow(rows.iterator().next()));
  }

  /**
   * Moves the order to {@code next} if its state allows (else changes nothing and answers false), setting the
   * payment page or the end reason when given.
   */
  public Future<Boolean> move(String id, CheckoutState next, String paymentUrl, Instant paymentExpiresAt,
                              String endReason) {
    return pool.withTransaction(conn -> move(conn, id, next, paymentUrl, paymentExpiresAt, endReason));
  }

  public static Future<Boolean> move(SqlConnection conn, String id, CheckoutState next, String paymentUrl,
                                     Instant paymentExpiresAt, String endReason) {
    Instant now = Instant.now();
    return conn.preparedQuery("SELECT state FROM checkout_order WHERE id = ? FOR UPDATE").execute(Tuple.of(id))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(false);
          }
          CheckoutState current = CheckoutState.valueOf(rows.iterator().next().getString(0));
          if (!current.canMoveTo(next)) {
            return Future.succeededFuture(false);
          }
          return conn.preparedQuery("UPDATE checkout_order SET state = ?, payment_url = COALESCE(?, payment_url),"
                  + " payment_expires_at = COALESCE(?, payment_expires_at), end_reason = COALESCE(?, end_reason),"
                  + " updated_at = ?, version = version + 1 WHERE id = ?")
              .execute(Tuple.of(next.name(), paymentUrl, Times.toDb(paymentExpiresAt), endReason, Times.toDb(now), id))
              .map(true);
        });
  }

  /**
   * Notes the customer's cancel on a live order (the saga's compensation reads it). Answers the order as it is after,
   * or null when there is no such order.
   */
  public Future<CheckoutOrder> requestCancel(String id) {
    return pool.preparedQuery("UPDATE checkout_order SET cancel_requested_at = ?, version = version + 1"
            + " WHERE id = ? AND cancel_requested_at IS NULL"
            + " AND state NOT IN ('COMPLETED', 'REJECTED', 'PAYMENT_FAILED', 'EXPIRED', 'CANCELLED')")
        .execute(Tuple.of(Times.toDb(Instant.now()), id))
        .compose(x -> find(id));
  }

  /**
   * Replaces the order's read secret by the one hashed {@code secretHash} (see io.kilosail.access.OrderSecrets): the
   * secret in the newest checkout answer is the one that opens the order.
   */
  public Future<Void> replaceReadSecret(String id, String secretHash) {
    return pool.preparedQuery("UPDATE checkout_order SET read_secret_hash = ? WHERE id = ?")
        .execute(Tuple.of(secretHash, id)).mapEmpty();
  }

  /** The hash of the order's read secret; null when the order has none or does not exist. */
  public Future<String> readSecretHash(String id) {
    return pool.preparedQuery("SELECT read_secret_hash FROM checkout_order WHERE id = ?").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }

  /** Whether the order's customer asked to cancel it. */
  public Future<Boolean> cancelRequested(SqlConnection conn, String id) {
    return conn.preparedQuery("SELECT cancel_requested_at FROM checkout_order WHERE id = ?").execute(Tuple.of(id))
        .map(rows -> rows.size() == 1 && rows.iterator().next().getValue(0) != null);
  }

  private static CheckoutOrder fromRow(Row r) {
    return new CheckoutOrder(r.getString("id"), r.getString("idempotency_key"), r.getString("request_hash"),
        CheckoutState.valueOf(r.getString("state")),
        new JsonObject().put("name", r.getString("customer_name")).put("email", r.getString("customer_email"))
            .put("phone", r.getString("customer_phone")),
        new JsonArray(r.getString("items")), new JsonObject(r.getString("delivery")), r.getString("currency"),
        r.getLong("goods_minor"), r.getLong("delivery_fee_minor"), r.getLong("total_minor"),
        r.getString("payment_channel"), r.getString("payment_url"),
        Times.fromDb(r.getLocalDateTime("payment_expires_at")), r.getString("end_reason"),
        Times.fromDb(r.getLocalDateTime("cancel_requested_at")),
        Times.fromDb(r.getLocalDateTime("created_at")), Times.fromDb(r.getLocalDateTime("updated_at")));
  }
}
