package io.kilosail.intake;

import io.kilosail.delivery.DeliverySaga;
import io.kilosail.infra.Times;
import io.kilosail.intake.DeliveryOrder.Courier;
import io.kilosail.intake.DeliveryOrder.Place;
import io.kilosail.intake.DeliveryOrder.Shop;
import io.kilosail.messaging.Envelope;
import io.kilosail.messaging.Outbox;
import io.kilosail.saga.SagaStarts;
import io.kilosail.pushback.Pushback;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.mysqlclient.MySQLException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * The {@code delivery_order} table: the order row, its delivery saga and its {@code order.received} event in one
 * transaction.
 */
public final class OrderRepository {

  public static final String ORDER_EVENTS_TOPIC = "kilosail.order-events";
  // The event types of ORDER_EVENTS_TOPIC, keyed by order id; each is written in the transaction of its change.
  public static final String ORDER_RECEIVED = "order.received";
  /** Dispatch offered the order to a courier platform (again, after a give-up). */
  public static final String ORDER_DISPATCHING = "order.dispatching";
  /** A courier callback moved the order (payload: from, to, platform…). */
  public static final String COURIER_STATE_CHANGED = "order.courier-state-changed";
  /** A courier callback that moved nothing but that dispatch acts on (a give-up, a loser, a candidate dropping out). */
  public static final String COURIER_FACT = "order.courier-fact";
  /** The order was cancelled by its food platform or by kilosail. */
  public static final String ORDER_CANCELLED = "order.cancelled";

  /** What a push did: {@code created} false means the (platform, platformOrderId) was already stored as {@code orderId}. */
  public record Intake(String orderId, boolean created) {
  }

  private static final int DUPLICATE_KEY = 1062;
  private static final int DEADLOCK = 1213;

  private static final String COLUMNS = "id, platform, platform_order_id, state, city, shop_id, shop_name,"
      + " pickup_name, pickup_phone, pickup_address, pickup_lat, pickup_lng,"
      + " dropoff_name, dropoff_phone, dropoff_address, dropoff_lat, dropoff_lng,"
      + " weight_grams, delivery_fee_fen, goods_value_fen, remark, courier_platform, courier_order_id, courier_fee_fen,"
      + " placed_at, expected_delivery_at, received_at, updated_at";
  private static final String INSERT = "INSERT INTO delivery_order (" + COLUMNS + ") VALUES"
      + " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String BY_ID = "SELECT " + COLUMNS + " FROM delivery_order WHERE id = ?";
  private static final String BY_PLATFORM_ORDER = "SELECT " + COLUMNS
      + " FROM delivery_order WHERE platform = ? AND platform_order_id = ?";
  private static final String ID_BY_PLATFORM_ORDER = "SELECT id FROM delivery_order"
      + " WHERE platform = ? AND platform_order_id = ?";

  private final Pool pool;

  /** Who holds an order and whether it has ended, as its row says. */
  public record Holding(String state, String courierPlatform, String courierOrderId) {

    public boolean ended() {
      return "DELIVERED".equals(state) || "CANCELLED".equals(state);
    }
  }

  private static final String HOLDING = "SELECT state, courier_platform, courier_order_id FROM delivery_order"
      + " WHERE id = ? FOR UPDATE";

  /**
   * The order's holder and state, locked until the caller's transaction ends, so no courier webhook claims or moves
   * it in between; null when there is no such order.
   */
  public static Future<Holding> holding(SqlConnection conn, String orderId) {
    return conn.preparedQuery(HOLDING).execute(Tuple.of(orderId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row r = rows.iterator().next();
      return new Holding(r.getString("state"), r.getString("courier_platform"), r.getString("courier_order_id"));
    });
  }

  public OrderRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * Stores a new order with its event, or finds the one already stored for the same platform order. Insert first
   * (a duplicate is the rare case, so no read before): the unique key makes a concurrent duplicate wait for the first
   * transaction and then fail with a duplicate-key error, after which the first order's id is committed and readable.
   */
  public Future<Intake> receive(DeliveryOrder order) {
    Envelope event = Envelope.create(ORDER_RECEIVED, "order", order.id(), order.toJson());
    // The order's delivery saga is written with the order (and run at once after the commit): no consumer has to
    // start it, and no committed order is ever without its saga.
    return pool.withTransaction(conn -> conn.preparedQuery(INSERT).execute(row(order))
            .compose(inserted -> SagaStarts.start(conn, DeliverySaga.TYPE, order.id(),
                DeliverySaga.dataOf(order.toJson())))
            .compose(started -> Outbox.add(conn, ORDER_EVENTS_TOPIC, event))
            .compose(x -> Pushback.mark(conn, order.id(), order.receivedAt())))
        .map(x -> new Intake(order.id(), true))
        .recover(err -> {
          // A deadlock is possible when several duplicates wait on the same key; either way the first push won.
          if (err instanceof MySQLException e && (e.getErrorCode() == DUPLICATE_KEY || e.getErrorCode() == DEADLOCK)) {
            return pool.preparedQuery(ID_BY_PLATFORM_ORDER).execute(Tuple.of(order.platform(), order.platformOrderId()))
                .compose(rows -> rows.size() == 1
                    ? Future.succeededFuture(new Intake(rows.iterator().next().getString(0), false))
                    : Future.failedFuture(err));
          }
          return Future.failedFuture(err);
        });
  }

  /** The order, or null. */
  public Future<DeliveryOrder> find(String id) {
    return pool.preparedQuery(BY_ID).execute(Tuple.of(id)).map(OrderRepository::single);
  }

  /** The order a platform knows by its own id, or null. */
  public Future<DeliveryOrder> find(String platform, String platformOrderId) {
    return pool.preparedQuery(BY_PLATFORM_ORDER).execute(Tuple.of(platform, platformOrderId))
        .map(OrderRepository::single);
  }

  /** The order's states so far (see {@link OrderTimeline}). */
  public Future<JsonArray> timeline(DeliveryOrder order) {
    return OrderTimeline.of(pool, order);
  }

  private static DeliveryOrder single(RowSet<Row> rows) {
    return rows.size() == 0 ? null : fromRow(rows.iterator().next());
  }

  private static Tuple row(DeliveryOrder o) {
    return Tuple.tuple()
        .addString(o.id()).addString(o.platform()).addString(o.platformOrderId()).addString(o.state().name())
        .addString(o.city()).addString(o.shop().id()).addString(o.shop().name())
        .addString(o.pickup().name()).addString(o.pickup().phone()).addString(o.pickup().address())
        .addValue(o.pickup().lat()).addValue(o.pickup().lng())
        .addString(o.dropoff().name()).addString(o.dropoff().phone()).addString(o.dropoff().address())
        .addValue(o.dropoff().lat()).addValue(o.dropoff().lng())
        .addInteger(o.weightGrams()).addLong(o.deliveryFeeFen()).addLong(o.goodsValueFen()).addString(o.remark())
        .addString(o.courier() == null ? null : o.courier().platform())
        .addString(o.courier() == null ? null : o.courier().orderId())
        .addLong(o.courierFeeFen())
        .addValue(Times.toDb(o.placedAt())).addValue(Times.toDb(o.expectedDeliveryAt()))
        .addValue(Times.toDb(o.receivedAt())).addValue(Times.toDb(o.updatedAt()));
  }

  private static DeliveryOrder fromRow(Row r) {
    String courierPlatform = r.getString("courier_platform");
    return new DeliveryOrder(r.getString("id"), r.getString("platform"), r.getString("platform_order_id"),
        DeliveryOrder.State.valueOf(r.getString("state")), r.getString("city"),
        new Shop(r.getString("shop_id"), r.getString("shop_name")),
        new Place(r.getString("pickup_name"), r.getString("pickup_phone"), r.getString("pickup_address"),
            r.getBigDecimal("pickup_lat"), r.getBigDecimal("pickup_lng")),
        new Place(r.getString("dropoff_name"), r.getString("dropoff_phone"), r.getString("dropoff_address"),
            r.getBigDecimal("dropoff_lat"), r.getBigDecimal("dropoff_lng")),
        r.getInteger("weight_grams"), r.getLong("delivery_fee_fen"), r.getLong("goods_value_fen"), r.getString("remark"),
        courierPlatform == null ? null : new Courier(courierPlatform, r.getString("courier_order_id")),
        r.getLong("courier_fee_fen"),
        Times.fromDb(r.getLocalDateTime("placed_at")), Times.fromDb(r.getLocalDateTime("expected_delivery_at")),
        Times.fromDb(r.getLocalDateTime("received_at")), Times.fromDb(r.getLocalDateTime("updated_at")));
  }
}
