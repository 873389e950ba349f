package io.kilosail.saga;

import io.kilosail.contracts.events.Nudges;

import io.kilosail.infra.Times;
import io.kilosail.saga.SagaProgress.State;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Starts a saga in the transaction that creates its business object (as Eventuate's {@code OrderSagaService} creates
 * the saga with the order): the saga's row commits with the order or not at all, so no consumer has to start it later
 * and no order is ever left without its saga.
 *
 * <p>When this node runs a coordinator for the saga's type, the row is written already owned by it, under its lease, as
 * if claimed (version 1), and the after-commit nudge is node-local ({@link Nudges#SAGA_STARTED_HERE}): that coordinator
 * runs it with no claim to write. Otherwise the row is written due now and owned by nobody, and the nudge
 * ({@link Nudges#SAGA_STARTED}) makes one coordinator of the cluster claim it. Either way the coordinators' wake-up scan
 * runs whatever a lost nudge left (an owned row once its lease runs out, as for any saga of a node that died).
 */
public final class SagaStarts {

  // The after-commit nudge (Nudges.SAGA_STARTED) carries the row as written: {"sagaId", "sagaType", "businessKey",
  // "data", "createdAt"}; a nudge with the saga id alone is also taken (the coordinator then reads the row).

  /**
   * Node-local map (one per Vert.x instance) of the coordinators running here: saga type → {@code {"node", "leaseMs"}}.
   * A coordinator adds its types when it starts and removes them as soon as it begins to stop.
   */
  static final String LOCAL_COORDINATORS = "kilosail.saga.local-coordinators";

  private static final String INSERT = "INSERT IGNORE INTO saga_instance (id, saga_type, business_key, state,"
      + " progress, data, awaiting_event, last_error, version, owner, next_wakeup_at, created_at, updated_at) VALUES ";
  /** A row nobody owns yet (version 0, claimed by whoever takes the nudge) and one written owned (as if claimed). */
  private static final String UNOWNED_ROW = "(?, ?, ?, ?, ?, ?, NULL, NULL, 0, ?, ?, ?, ?)";
  private static final String OWNED_ROW = "(?, ?, ?, ?, ?, ?, NULL, NULL, 1, ?, ?, ?, ?)";

  private SagaStarts() {
  }

  static LocalMap<String, JsonObject> localCoordinators(Vertx vertx) {
    return vertx.sharedData().getLocalMap(LOCAL_COORDINATORS);
  }

  /**
   * Writes a new saga of {@code sagaType} for {@code businessKey}, in the transaction {@code conn} is in; a saga of
   * that type and key that exists already is kept and nothing is written. {@code data} must fit the saga type's data
   * class (the coordinator reads it when it claims the saga).
   */
  public static Future<Void> start(SqlConnection conn, String sagaType, String businessKey, JsonObject data) {
    return startAll(conn, sagaType, Map.of(businessKey, data));
  }

  /**
   * Writes new sagas of {@code sagaType}, one per business key with its data, in one multi-row statement in the
   * transaction {@code conn} is in (a group of orders taken in together). As {@link #start}, an existing saga of the
   * same type and key is kept; if any of them existed, no nudge is sent for the group and the wake-up scan (or the
   * lease) runs the new ones, since the statement does not say which rows it wrote.
   */
  public static Future<Void> startAll(SqlConnection conn, String sagaType, Map<String, JsonObject> dataByKey) {
    if (dataByKey.isEmpty()) {
      return Future.succeededFuture();
    }
    Instant now = Instant.now();
    Context context = Vertx.currentContext();
    JsonObject here = context == null ? null : localCoordinators(context.owner()).get(sagaType);
    String owner = here == null ? null : here.getString("node");
    Instant wakeUp = here == null ? now : now.plusMillis(here.getLong("leaseMs"));
    String progress = SagaProgress.start().toJson().encode();
    List<Object> params = new ArrayList<>(dataByKey.size() * 10);
    List<JsonObject> nudges = new ArrayList<>(dataByKey.size());
    dataByKey.forEach((businessKey, data) -> {
      String sagaId = UUID.randomUUID().toString();
      String json = data.encode();
      params.addAll(Arrays.asList(sagaId, sagaType, businessKey, State.RUNNING.name(), progress, json, owner,
          Times.toDb(wakeUp), Times.toDb(now), Times.toDb(now)));
      // The row as written: the coordinator that takes the nudge runs (or claims) the saga without reading it first.
      JsonObject nudge = new JsonObject().put("sagaId", sagaId).put("sagaType", sagaType)
          .put("businessKey", businessKey).put("data", json).put("createdAt", now.toString());
      if (owner != null) {
        nudge.put("owner", owner).put("leaseUntil", wakeUp.toString());
      }
      nudges.add(nudge);
    });
    String insert = INSERT + String.join(", ", Collections.nCopies(dataByKey.size(),
        owner == null ? UNOWNED_ROW : OWNED_ROW));
    return conn.preparedQuery(insert).execute(Tuple.from(params))
        .onSuccess(inserted -> {
          Transaction tx = conn.transaction();
          if (inserted.rowCount() == nudges.size() && context != null && tx != null) {
            String address = owner == null ? Nudges.SAGA_STARTED : Nudges.SAGA_STARTED_HERE;
            tx.completion().onSuccess(committed -> nudges.forEach(n -> context.owner().eventBus().send(address, n)));
          }
        }).mapEmpty();
  }
}
