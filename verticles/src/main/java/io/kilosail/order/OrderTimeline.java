package io.kilosail.order;

import io.kilosail.infra.Texts;
import io.kilosail.infra.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;

/**
 * An order's timeline: every state it took, in order. Each state is recorded once, in the transaction that moves the
 * order, so the timeline never disagrees with the order's state: CREATED is the order's {@code receivedAt}; a courier's
 * states are its callbacks as stored ({@code courier_callback} rows the order applied) and the first DISPATCHING is its
 * dispatch row ({@code courier_dispatch}), so neither is copied; the others (CANCELLED, DISPATCHING again after a
 * courier gave the order up) are rows of {@code delivery_order_timeline}.
 */
public final class OrderTimeline {

  private static final String INSERT = "INSERT INTO delivery_order_timeline (order_id, state, occurred_at, source, detail)"
      + " VALUES (?, ?, ?, ?, ?)";
  // Every kind in one round trip, in the order our clock recorded them (a courier platform's own instants may lag or
  // be whole seconds); at the same instant our own entry comes first (dispatch offers before a courier can take it).
  // The first offer to couriers is the dispatch row itself (its strategy and candidates), not a copy of it.
  private static final String SELECT = "SELECT state, occurred_at, source, detail, NULL AS raw_status,"
      + " NULL AS courier_name, NULL AS courier_phone, 0 AS kind, id, occurred_at AS recorded_at"
      + " FROM delivery_order_timeline WHERE order_id = ?"
      + " UNION ALL SELECT 'DISPATCHING', d.created_at, 'dispatch', CONCAT(d.strategy, ': ',"
      + " (SELECT GROUP_CONCAT(p.platform ORDER BY p.position SEPARATOR ', ') FROM courier_placement p"
      + " WHERE p.order_id = d.order_id)), NULL, NULL, NULL, 0, 0, d.created_at"
      + " FROM courier_dispatch d WHERE d.order_id = ? AND d.round > 0"
      + " UNION ALL SELECT state, occurred_at, platform, NULL, raw_status, courier_name, courier_phone, 1, id, received_at"
      + " FROM courier_callback WHERE order_id = ? AND outcome = 'APPLIED'"
      + " ORDER BY recorded_at, kind, id";

  /** The column {@code delivery_order_timeline.detail}. */
  private static final int DETAIL_MAX = 255;

  private OrderTimeline() {
  }

  /** @param source who moved the order: a courier platform id, {@code dispatch}, {@code saga}… */
  public static Future<Void> add(SqlConnection conn, String orderId, String state, Instant at, String source,
                                 String detail) {
    return conn.preparedQuery(INSERT)
        .execute(Tuple.of(orderId, state, Times.toDb(at), source, Texts.clip(detail, DETAIL_MAX)))
        .mapEmpty();
  }

  /** The order's states in the order they were taken, starting with CREATED at {@code receivedAt}. */
  public static Future<JsonArray> of(Pool pool, DeliveryOrder order) {
    return pool.preparedQuery(SELECT).execute(Tuple.of(order.id(), order.id(), order.id())).map(rows -> {
      JsonArray timeline = new JsonArray().add(new JsonObject().put("state", DeliveryOrder.State.CREATED.name())
          .put("at", order.receivedAt().toString()).put("source", order.platform()));
      rows.forEach(r -> timeline.add(new JsonObject()
          .put("state", r.getString("state"))
          .put("at", Times.fromDb(r.getLocalDateTime("occurred_at")).toString())
          .put("source", r.getString("source"))
          .put("detail", r.getInteger("kind") == 0 ? r.getString("detail")
              : courierDetail(r.getString("raw_status"), r.getString("courier_name"), r.getString("courier_phone")))));
      return timeline;
    });
  }

  /** What a courier's callback says: its raw status and the courier, as the platform named them. */
  static String courierDetail(String rawStatus, String courierName, String courierPhone) {
    String courier = courierName == null ? "" : ", courier " + courierName
        + (courierPhone == null ? "" : " " + courierPhone);
    return "status " + rawStatus + courier;
  }
}
