package io.kilosail.intake;

import io.kilosail.infra.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;

/**
 * The {@code delivery_order_timeline} table: one row per state an order took, written in the transaction that moves
 * the order, so the timeline never disagrees with the order's state. Intake writes none: CREATED is the order's
 * {@code receivedAt}.
 */
public final class OrderTimeline {

  private static final String INSERT = "INSERT INTO delivery_order_timeline (order_id, state, occurred_at, source, detail)"
      + " VALUES (?, ?, ?, ?, ?)";
  private static final String SELECT = "SELECT state, occurred_at, source, detail FROM delivery_order_timeline"
      + " WHERE order_id = ? ORDER BY id";

  private OrderTimeline() {
  }

  /** @param source who moved the order: a courier platform id, {@code dispatch}, {@code saga}… */
  public static Future<Void> add(SqlConnection conn, String orderId, String state, Instant at, String source,
                                 String detail) {
    return conn.preparedQuery(INSERT)
        .execute(Tuple.of(orderId, state, Times.toDb(at), source, detail == null || detail.length() <= 255
            ? detail : detail.substring(0, 255)))
        .mapEmpty();
  }

  /** The order's states in the order they were taken, starting with CREATED at {@code receivedAt}. */
  public static Future<JsonArray> of(Pool pool, DeliveryOrder order) {
    return pool.preparedQuery(SELECT).execute(Tuple.of(order.id())).map(rows -> {
      JsonArray timeline = new JsonArray().add(new JsonObject().put("state", DeliveryOrder.State.CREATED.name())
          .put("at", order.receivedAt().toString()).put("source", order.platform()));
      rows.forEach(r -> timeline.add(new JsonObject()
          .put("state", r.getString("state"))
          .put("at", Times.fromDb(r.getLocalDateTime("occurred_at")).toString())
          .put("source", r.getString("source"))
          .put("detail", r.getString("detail"))));
      return timeline;
    });
  }
}
