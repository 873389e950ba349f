package io.kilosail.payment;

import io.kilosail.infra.Texts;
import io.kilosail.checkout.CheckoutSaga;
import io.kilosail.infra.Times;
import io.kilosail.saga.SagaSignals;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * The {@code payment} table. Every change of state goes through {@link #move}, under the row lock, only forward
 * ({@link PaymentState#canMoveTo}), and writes the saga signal the new state calls for into the outbox in the same
 * transaction: whoever learns a payment's fate (the webhook, a compensation asking the provider) tells the checkout
 * saga the same way, once.
 */
public final class PaymentRepository {

  private static final Logger log = LoggerFactory.getLogger(PaymentRepository.class);

  private static final String COLUMNS = "order_id, channel, payment_id, payment_intent, url, state, currency,"
      + " amount_minor, expires_at, refund_id, reason";
  private static final String INSERT_CREATING = "INSERT IGNORE INTO payment (order_id, channel, state, currency,"
      + " amount_minor, expires_at, created_at, updated_at) VALUES (?, ?, 'CREATING', ?, ?, ?, ?, ?)";
  private static final String UPDATE = "UPDATE payment SET state = ?, payment_id = COALESCE(?, payment_id),"
      + " url = COALESCE(?, url), payment_intent = COALESCE(?, payment_intent), refund_id = COALESCE(?, refund_id),"
      + " reason = COALESCE(?, reason), updated_at = ?, version = version + 1 WHERE order_id = ?";

  private final Pool pool;

  public PaymentRepository(Pool pool) {
    this.pool = pool;
  }

  /** The order's payment, created CREATING if it has none yet; an existing one is answered as it is. */
  public Future<Payment> begin(String orderId, String channel, String currency, long amountMinor, Instant expiresAt) {
    Instant now = Instant.now();
    return pool.preparedQuery(INSERT_CREATING)
        .execute(Tuple.of(orderId, channel, currency, amountMinor, Times.toDb(expiresAt), Times.toDb(now),
            Times.toDb(now)))
        .compose(x -> find(orderId));
  }

  public Future<Payment> find(String orderId) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM payment WHERE order_id = ?").execute(Tuple.of(orderId))
        .map(PaymentRepository::first);
  }

  /** Moves the order's payment to {@code target} in a transaction of its own; see {@link #move}. */
  public Future<Payment> move(String orderId, PaymentState target, Payment.Changes changes) {
    return pool.withTransaction(conn -> lockByOrder(conn, orderId)
        .compose(payment -> payment == null ? Future.succeededFuture(null)
            : move(conn, payment, target, changes, Instant.now())));
  }

  /**
   * Creates the row as CANCELLED if there is none, so a create that arrives after its compensation does nothing;
   * answers the payment as it is now.
   */
  public Future<Payment> cancelBeforeCreated(String orderId, String channel, String reason) {
    Instant now = Instant.now();
    return pool.withTransaction(conn -> conn.preparedQuery("INSERT IGNORE INTO payment (order_id, channel, state,"
                + " currency, amount_minor, expires_at, reason, created_at, updated_at)"
                + " VALUES (?, ?, 'CANCELLED', 'xxx', 0, ?, ?, ?, ?)")
            .execute(Tuple.of(orderId, channel, Times.toDb(now), reason, Times.toDb(now), Times.toDb(now)))
            .compose(x -> lockByOrder(conn, orderId))
            .compose(payment -> payment.state() == PaymentState.CREATING
                ? move(conn, payment, PaymentState.CANCELLED, Payment.Changes.reason(reason), now)
                : Future.succeededFuture(payment)));
  }

  public static Future<Payment> lockByOrder(SqlConnection conn, String orderId) {
    return conn.preparedQuery("SELECT " + COLUMNS + " FROM payment WHERE order_id = ? FOR UPDATE")
        .execute(Tuple.of(orderId)).map(PaymentRepository::first);
  }

  /** The payment with the channel's id {@code paymentId}, or failing that with the money movement {@code intent}. */
  public static Future<Payment> lockByProviderIds(SqlConnection conn, String channel, String paymentId,
                                                  String intent) {
    Future<Payment> byId = paymentId == null ? Future.succeededFuture(null)
        : conn.preparedQuery("SELECT " + COLUMNS + " FROM payment WHERE channel = ? AND payment_id = ? FOR UPDATE")
            .execute(Tuple.of(channel, paymentId)).map(PaymentRepository::first);
    return byId.compose(found -> found != null || intent == null ? Future.succeededFuture(found)
        : conn.preparedQuery("SELECT " + COLUMNS + " FROM payment WHERE channel = ? AND payment_intent = ? FOR UPDATE")
            .execute(Tuple.of(channel, intent)).map(PaymentRepository::first));
  }

  /**
   * Moves a locked payment to {@code target} if that is forward, with the saga's signal in the outbox. A move that is
   * not forward changes nothing and answers the payment as it is (a late event is no error).
   *
   * @return the payment after the move (or unchanged)
   */
  public static Future<Payment> move(SqlConnection conn, Payment locked, PaymentState target,
                                     Payment.Changes changes, Instant now) {
    if (!locked.state().canMoveTo(target)) {
      log.debug("payment not moved orderId={} state={} target={}", locked.orderId(), locked.state(), target);
      return Future.succeededFuture(locked);
    }
    Payment.Changes c = changes == null ? Payment.Changes.NONE : changes;
    Payment moved = new Payment(locked.orderId(), locked.channel(), or(c.paymentId(), locked.paymentId()),
        or(c.paymentIntent(), locked.paymentIntent()), or(c.url(), locked.url()), target, locked.currency(),
        locked.amountMinor(), locked.expiresAt(), or(c.refundId(), locked.refundId()), or(c.reason(), locked.reason()));
    Future<?> updated = conn.preparedQuery(UPDATE).execute(Tuple.tuple()
        .addString(target.name()).addString(c.paymentId()).addString(c.url()).addString(c.paymentIntent())
        .addString(c.refundId()).addString(truncate(c.reason())).addValue(Times.toDb(now))
        .addString(locked.orderId()));
    String signal = target.signal();
    if (signal != null) {
      JsonObject fact = new JsonObject().put("orderId", locked.orderId()).put("channel", locked.channel())
          .put("paymentId", moved.paymentId()).put("state", target.name()).put("reason", moved.reason())
          .put("at", now.toString());
      updated = updated.compose(x -> SagaSignals.keep(conn, CheckoutSaga.TYPE, locked.orderId(), signal, fact));
    }
    return updated.map(x -> {
      log.info("payment moved orderId={} channel={} from={} to={} paymentId={} reason={}", locked.orderId(),
          locked.channel(), locked.state(), target, moved.paymentId(), moved.reason());
      return moved;
    });
  }

  private static Payment first(RowSet<Row> rows) {
    return rows.size() == 0 ? null : Payment.of(rows.iterator().next());
  }

  private static String or(String value, String fallback) {
    return value != null ? value : fallback;
  }

  private static String truncate(String reason) {
    return Texts.clip(reason, 500);
  }
}
