package io.kilosail.saga;

import io.kilosail.contracts.events.Nudges;

import io.kilosail.infra.Times;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;

/**
 * External facts for sagas, applied where they arrive. Whoever learns a fact (a courier webhook, the Stripe webhook,
 * a cancellation) calls {@link #keep} in the transaction that records the fact: the fact is kept for the saga in that
 * same transaction, so it commits with the fact or not at all. Once the transaction has committed, a nudge on the
 * event bus ({@link Nudges#SAGA_FACT_KEPT}) tells one coordinator to hand the fact to the saga at once if it waits;
 * a saga still on its way to the wait takes it when it parks, and the coordinators' wake-up scan delivers whatever a
 * lost nudge left (see {@code SagaCoordinatorVerticle}). No Kafka hop, no inbox row: the committed row is the truth.
 */
public final class SagaSignals {

  private static final String KEEP = "INSERT IGNORE INTO saga_pending_signal (saga_type, business_key, event_type,"
      + " payload, received_at) VALUES (?, ?, ?, ?, ?)";

  private SagaSignals() {
  }

  /**
   * Keeps the fact {@code eventType} for the saga of {@code sagaType} and {@code businessKey}, in the transaction
   * {@code conn} is in (the first copy per event type wins, so a repeated fact changes nothing), and nudges a
   * coordinator once that transaction has committed.
   */
  public static Future<Void> keep(SqlConnection conn, String sagaType, String businessKey, String eventType,
                                  JsonObject payload) {
    Context context = Vertx.currentContext();
    return conn.preparedQuery(KEEP)
        .execute(Tuple.of(sagaType, businessKey, eventType, payload.encode(), Times.toDb(Instant.now())))
        .onSuccess(kept -> {
          Transaction tx = conn.transaction();
          if (context != null && tx != null) {
            tx.completion().onSuccess(committed -> nudge(context.owner(), sagaType, businessKey));
          } else if (context != null) {
            nudge(context.owner(), sagaType, businessKey);
          }
        })
        .mapEmpty();
  }

  /** Asks one coordinator to deliver the saga's kept facts now (best effort: the wake-up scan is the fallback). */
  public static void nudge(Vertx vertx, String sagaType, String businessKey) {
    vertx.eventBus().send(Nudges.SAGA_FACT_KEPT, new JsonObject().put("sagaType", sagaType)
        .put("businessKey", businessKey));
  }
}
