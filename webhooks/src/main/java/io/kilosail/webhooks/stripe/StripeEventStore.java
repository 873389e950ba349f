package io.kilosail.webhooks.stripe;

import io.kilosail.infra.Times;
import io.kilosail.payment.Payment;
import io.kilosail.payment.PaymentRepository;
import io.kilosail.payment.stripe.StripeSettings;
import io.vertx.core.Future;
import io.vertx.mysqlclient.MySQLException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;

/**
 * Records a verified Stripe event and applies it to its payment in one transaction: lock the payment (by session, or
 * by payment intent for a charge), insert the event (its primary key turns a redelivery into a no-op), move the
 * payment forward with its saga signal ({@link PaymentRepository#move}). Stripe is answered 2xx only after the commit.
 */
public final class StripeEventStore {

  /** What storing one event did. */
  public enum Outcome {
    /** The payment moved (and the saga was told). */
    MOVED,
    /** Older than what the payment already knows: recorded, nothing moved. */
    STALE,
    /** No payment of ours has this session or intent: recorded for the operators, nothing moved. */
    UNKNOWN_PAYMENT,
    /** A type (or a partial refund) we do not act on. */
    IGNORED,
    /** This event id was stored before: nothing at all happened now. */
    DUPLICATE
  }

  public record Stored(Outcome outcome, Payment before, Payment after) {
  }

  private static final int DUPLICATE_KEY = 1062;
  private static final String INSERT = "INSERT INTO payment_event (channel, event_id, type, payment_id, order_id,"
      + " created_at, received_at, outcome, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private final Pool pool;

  public StripeEventStore(Pool pool) {
    this.pool = pool;
  }

  public Future<Stored> store(StripeEvent event, String body, Instant receivedAt) {
    return pool.withTransaction(conn -> lock(conn, event).compose(payment -> {
      Outcome outcome = event.target() == null ? Outcome.IGNORED
          : payment == null ? Outcome.UNKNOWN_PAYMENT
          : payment.state().canMoveTo(event.target()) ? Outcome.MOVED
          : Outcome.STALE;
      return insert(conn, event, payment, outcome, body, receivedAt).compose(inserted -> {
        if (!inserted) {
          return Future.succeededFuture(new Stored(Outcome.DUPLICATE, payment, payment));
        }
        if (outcome != Outcome.MOVED) {
          return Future.succeededFuture(new Stored(outcome, payment, payment));
        }
        return PaymentRepository.move(conn, payment, event.target(),
                new Payment.Changes(null, null, event.paymentIntent(), null, event.reason()), receivedAt)
            .map(after -> new Stored(outcome, payment, after));
      });
    }));
  }

  private static Future<Payment> lock(SqlConnection conn, StripeEvent event) {
    if (event.sessionId() == null && event.paymentIntent() == null) {
      return Future.succeededFuture(null);
    }
    return PaymentRepository.lockByProviderIds(conn, StripeSettings.CHANNEL, event.sessionId(),
        event.sessionId() == null ? event.paymentIntent() : null);
  }

  /** True when inserted; false when this event id was already stored. */
  private static Future<Boolean> insert(SqlConnection conn, StripeEvent event, Payment payment, Outcome outcome,
                                        String body, Instant receivedAt) {
    Tuple row = Tuple.tuple()
        .addString(StripeSettings.CHANNEL).addString(event.id()).addString(event.type())
        .addString(event.sessionId() != null ? event.sessionId() : event.paymentIntent())
        .addString(payment != null ? payment.orderId() : event.orderId())
        .addValue(Times.toDb(event.created())).addValue(Times.toDb(receivedAt))
        .addString(outcome.name()).addString(body);
    return conn.preparedQuery(INSERT).execute(row)
        .map(inserted -> true)
        // MySQL undoes only the failed statement; the transaction goes on and writes nothing else.
        .recover(err -> err instanceof MySQLException e && e.getErrorCode() == DUPLICATE_KEY
            ? Future.succeededFuture(false)
            : Future.failedFuture(err));
  }
}
