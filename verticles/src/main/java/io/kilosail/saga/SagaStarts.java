package io.kilosail.saga;

import io.kilosail.contracts.events.Nudges;

import io.kilosail.infra.Times;
import io.kilosail.saga.SagaProgress.State;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.UUID;

/**
 * Starts a saga in the transaction that creates its business object (as Eventuate's {@code OrderSagaService} creates
 * the saga with the order): the saga's row commits with the order or not at all, so no consumer has to start it later
 * and no order is ever left without its saga. The row is written due now and owned by nobody; once the transaction has
 * committed, a nudge on the event bus ({@link Nudges#SAGA_STARTED}) makes one coordinator claim and run it at once; the
 * coordinators' wake-up scan runs whatever a lost nudge left.
 */
public final class SagaStarts {

  // The after-commit nudge (Nudges.SAGA_STARTED) carries the row as written: {"sagaId", "sagaType", "businessKey",
  // "data", "createdAt"}; a nudge with the saga id alone is also taken (the coordinator then reads the row).

  private SagaStarts() {
  }

  /**
   * Writes a new saga of {@code sagaType} for {@code businessKey}, in the transaction {@code conn} is in; a saga of
   * that type and key that exists already is kept and nothing is written. {@code data} must fit the saga type's data
   * class (the coordinator reads it when it claims the saga).
   */
  public static Future<Void> start(SqlConnection conn, String sagaType, String businessKey, JsonObject data) {
    String sagaId = UUID.randomUUID().toString();
    Instant now = Instant.now();
    Context context = Vertx.currentContext();
    String json = data.encode();
    Tuple row = Tuple.from(new Object[] {sagaId, sagaType, businessKey, State.RUNNING.name(),
        SagaProgress.start().toJson().encode(), json, null, Times.toDb(now), Times.toDb(now),
        Times.toDb(now)});
    return conn.preparedQuery(SagaRepository.INSERT_INSTANCE).execute(row).onSuccess(inserted -> {
      Transaction tx = conn.transaction();
      if (inserted.rowCount() == 1 && context != null && tx != null) {
        // The row as written: the coordinator that takes the nudge claims the saga without reading it first.
        JsonObject nudge = new JsonObject().put("sagaId", sagaId).put("sagaType", sagaType)
            .put("businessKey", businessKey).put("data", json).put("createdAt", now.toString());
        tx.completion().onSuccess(committed -> context.owner().eventBus().send(Nudges.SAGA_STARTED, nudge));
      }
    }).mapEmpty();
  }
}
