package io.kilosail.order;

import io.kilosail.courier.wire.GeoPoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import io.kilosail.infra.Times;
import io.kilosail.order.DeliveryOrder.Courier;
import io.kilosail.order.DeliveryOrder.Place;
import io.kilosail.order.DeliveryOrder.Shop;
import io.kilosail.pushback.Pushback;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.mysqlclient.MySQLException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;

/**
 * The owner of the {@code delivery_order} row: the only code that writes it. An order is received here; every later
 * transition (dispatching, released by a courier, moved by a courier, cancelled) is decided by
 * {@link OrderTransitions} and written by {@link #apply}, joined to the caller's transaction, with what the move
 * implies: the timeline entry (a courier's own states are read from its stored
 * callbacks instead, see {@link OrderTimeline}) and, in the same UPDATE (no statement of its own), the push-back to the
 * food platform: the new state is due and leased to the push that a nudge after the commit starts
 * ({@link OrderPushback#MOVED}, {@link Pushback#nudgeAfterCommit}). The pusher's own writes to the row (batched
 * acknowledgements, failures, leases) go through {@link OrderPushback}, which only touches the {@code push_*} columns.
 * Nothing goes through Kafka: whoever must act on a move does so in the transaction that makes it.
 */
public final class OrderRepository {

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
  private static final String INSERT_HEAD = "INSERT INTO delivery_order (" + COLUMNS + OrderPushback.CREATED_COLUMNS
      + ") VALUES ";
  private static final String INSERT_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
      + OrderPushback.CREATED_VALUES + ")";
  private static final String INSERT = INSERT_HEAD + INSERT_ROW;
  /** What the API view reads besides the inserted columns: the rider's last reported position. */
  private static final String READ_COLUMNS = COLUMNS + ", rider_lat, rider_lng, rider_at";
  private static final String BY_ID = "SELECT " + READ_COLUMNS + " FROM delivery_order WHERE id = ?";
  private static final String BY_PLATFORM_ORDER = "SELECT " + READ_COLUMNS
      + " FROM delivery_order WHERE platform = ? AND platform_order_id = ?";
  private static final String ID_BY_PLATFORM_ORDER = "SELECT id FROM delivery_order"
      + " WHERE platform = ? AND platform_order_id = ?";

  private final Pool pool;
  private final SagaStart sagas;

  /**
   * Who holds an order and whether it has ended, as its row says; with its food platform and the fee it pays, which
   * bound a tip round (read with the lock, so a tip costs no extra query).
   */
  public record Holding(String state, String courierPlatform, String courierOrderId, String foodPlatform,
                        Long deliveryFeeFen) {

    public boolean ended() {
      return "DELIVERED".equals(state) || "CANCELLED".equals(state) || "RETURNED".equals(state);
    }

    public DeliveryOrder.State orderState() {
      return DeliveryOrder.State.valueOf(state);
    }
  }

  private static final String HOLDING = "SELECT state, courier_platform, courier_order_id, platform, delivery_fee_fen"
      + " FROM delivery_order WHERE id = ? FOR UPDATE";

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
      return new Holding(r.getString("state"), r.getString("courier_platform"), r.getString("courier_order_id"),
          r.getString("platform"), r.getLong("delivery_fee_fen"));
    });
  }

  /**
   * What is written with new orders in their own transaction: the saga that takes each of them from there
   * ({@code DeliverySaga.STARTS}). Given by the caller, so that the saga depends on the order and not the other way.
   */
  public interface SagaStart {
    Future<Void> startAll(SqlConnection conn, List<DeliveryOrder> orders);
  }

  /** For reading and moving orders; {@link #receive} needs the saga that takes new orders (the other constructor). */
  public OrderRepository(Pool pool) {
    this(pool, null);
  }

  public OrderRepository(Pool pool, SagaStart sagas) {
    this.pool = pool;
    this.sagas = sagas;
  }

  /**
   * Stores a new order with its event, or finds the one already stored for the same platform order. Insert first
   * (a duplicate is the rare case, so no read before): the unique key makes a concurrent duplicate wait for the first
   * transaction and then fail with a duplicate-key error, after which the first order's id is committed and readable.
   */
  public Future<Intake> receive(DeliveryOrder order) {
    // The order's delivery saga is written with the order (and run at once after the commit): no consumer has to
    // start it, and no committed order is ever without its saga.
    if (sagas == null) {
      return Future.failedFuture(new IllegalStateException("this OrderRepository has no saga to start new orders with"));
    }
    return pool.withTransaction(conn -> inserted(conn, order)
            .compose(inserted -> sagas.startAll(conn, List.of(order))))
        .map(x -> new Intake(order.id(), true))
        .recover(err -> {
          // A deadlock is possible when several duplicates wait on the same key; either way the first push won.
          if (duplicate(err)) {
            return pool.preparedQuery(ID_BY_PLATFORM_ORDER).execute(Tuple.of(order.platform(), order.platformOrderId()))
                .compose(rows -> rows.size() == 1
                    ? Future.succeededFuture(new Intake(rows.iterator().next().getString(0), false))
                    : Future.failedFuture(err));
          }
          return Future.failedFuture(err);
        });
  }

  /**
   * Stores several new orders, each with its delivery saga, in one transaction: one multi-row INSERT for the orders and
   * one for their sagas (the group commit of a busy intake, see {@code IntakeBatcher}). All or nothing: if one of them
   * is already stored (duplicate key) or the transaction fails, none is, and the caller takes them one by one.
   */
  public Future<Void> receiveAll(List<DeliveryOrder> orders) {
    if (sagas == null) {
      return Future.failedFuture(new IllegalStateException("this OrderRepository has no saga to start new orders with"));
    }
    List<Object> params = new ArrayList<>(orders.size() * 33);
    List<Pushback.Lease> leases = new ArrayList<>(orders.size());
    for (DeliveryOrder order : orders) {
      Pushback.Lease lease = Pushback.lease();
      leases.add(lease);
      Tuple row = OrderPushback.created(row(order), lease, order.receivedAt());
      for (int i = 0; i < row.size(); i++) {
        params.add(row.getValue(i));
      }
    }
    String insert = INSERT_HEAD + String.join(", ", Collections.nCopies(orders.size(), INSERT_ROW));
    return pool.withTransaction(conn -> conn.preparedQuery(insert).execute(Tuple.from(params))
        .onSuccess(x -> {
          for (int i = 0; i < orders.size(); i++) {
            Pushback.nudgeAfterCommit(conn, orders.get(i).id(), leases.get(i));
          }
        })
        .compose(x -> sagas.startAll(conn, orders)));
  }

  /** Whether a failed insert means "one of these is stored already" (the rare case: a platform's repeated push). */
  public static boolean duplicate(Throwable err) {
    return err instanceof MySQLException e && (e.getErrorCode() == DUPLICATE_KEY || e.getErrorCode() == DEADLOCK);
  }

  /**
   * Inserts a new order, its CREATED due for the food platform and leased to the push nudged after the caller's
   * transaction commits; fails with a duplicate-key error when the platform order is already stored.
   */
  public static Future<Void> inserted(SqlConnection conn, DeliveryOrder order) {
    Pushback.Lease lease = Pushback.lease();
    return conn.preparedQuery(INSERT).execute(OrderPushback.created(row(order), lease, order.receivedAt()))
        .onSuccess(x -> Pushback.nudgeAfterCommit(conn, order.id(), lease))
        .mapEmpty();
  }

  // ---------------------------------------------------------------- transitions, in the caller's transaction
  // Each UPDATE starts with the push-back assignments (OrderPushback.MOVED, which read the version before this move)
  // and ends with version = version + 1.

  private static final String DISPATCHING = "UPDATE delivery_order SET" + OrderPushback.MOVED
      + " state = 'DISPATCHING', updated_at = ?,"
      + " version = version + 1 WHERE id = ? AND state = 'CREATED'";
  // Only a courier still on its way to the shop can be replaced; the order then has no holder until the next
  // candidate's courier accepts.
  private static final String RELEASED = "UPDATE delivery_order SET" + OrderPushback.MOVED
      + " state = 'DISPATCHING', courier_platform = NULL,"
      + " courier_order_id = NULL, courier_fee_fen = NULL, courier_name = NULL, courier_phone = NULL,"
      + " rider_lat = NULL, rider_lng = NULL, rider_at = NULL,"
      + " updated_at = ?, version = version + 1"
      + " WHERE id = ? AND courier_platform = ? AND state IN ('ACCEPTED', 'ARRIVED_AT_SHOP')";
  /**
   * What the holder's platform bills: the price it stated when it took the order, else its quote. Read from its
   * placement row inside the order's own UPDATE (no statement of its own).
   */
  private static final String HOLDER_FEE = "(SELECT COALESCE(p.charged_fen, p.price_fen) FROM courier_placement p"
      + " WHERE p.order_id = o.id AND p.platform = ?)";
  // The rider's position only overwrites when the callback carries one (rider_at is bound only then).
  private static final String RIDER = " rider_lat = COALESCE(?, rider_lat), rider_lng = COALESCE(?, rider_lng),"
      + " rider_at = COALESCE(?, rider_at),";
  // Courier name and phone only overwrite when given: a platform that omits them on a later status keeps the courier.
  // The fee follows the holder's placement: its create answer may have been stored after its courier claimed the
  // order (the claim then took the quote), and the price it stated is what it bills.
  private static final String COURIER_MOVED = "UPDATE delivery_order o SET" + OrderPushback.MOVED
      + " state = ?,"
      + " courier_name = COALESCE(?, courier_name), courier_phone = COALESCE(?, courier_phone),"
      + " courier_fee_fen = COALESCE((SELECT p.charged_fen FROM courier_placement p WHERE p.order_id = o.id"
      + " AND p.platform = o.courier_platform), courier_fee_fen),"
      + RIDER
      + " courier_state_at = ?, updated_at = ?, version = version + 1 WHERE o.id = ?";
  // The first live candidate to report a courier state becomes the holder, at the price its placement charged (else
  // quoted); its state moves in the same statement.
  private static final String CLAIMED_AND_MOVED = "UPDATE delivery_order o SET" + OrderPushback.MOVED
      + " courier_platform = ?, courier_order_id = ?,"
      + " courier_fee_fen = " + HOLDER_FEE + ","
      + " state = ?, courier_name = COALESCE(?, courier_name), courier_phone = COALESCE(?, courier_phone),"
      + RIDER
      + " courier_state_at = ?, updated_at = ?, version = version + 1 WHERE o.id = ?";
  private static final String CANCELLED = "UPDATE delivery_order SET" + OrderPushback.MOVED
      + " state = 'CANCELLED', updated_at = ?,"
      + " version = version + 1 WHERE id = ?";

  /**
   * Writes what {@code transition} (decided by {@link OrderTransitions}) does to the order, joined to the caller's
   * transaction: the row's UPDATE, guarded as each move requires (a move the row no longer allows writes nothing), the
   * push-back mark in that same statement, and the timeline entry when the row moved. True when the row moved; a
   * transition that moves nothing costs no statement.
   */
  public static Future<Boolean> apply(SqlConnection conn, String orderId, Transition transition, Instant now) {
    return switch (transition.move()) {
      case NONE -> Future.succeededFuture(false);
      case DISPATCHING -> moved(conn, orderId, transition, DISPATCHING, now);
      case RELEASED -> moved(conn, orderId, transition, RELEASED, now);
      case COURIER_MOVED -> moved(conn, orderId, transition, transition.claims() ? CLAIMED_AND_MOVED : COURIER_MOVED,
          now);
      case CANCELLED -> moved(conn, orderId, transition, CANCELLED, now);
    };
  }

  private static Future<Boolean> moved(SqlConnection conn, String orderId, Transition t, String update, Instant now) {
    // The push-back mark is part of the move's own UPDATE (no statement of its own), leased to the push that a nudge
    // after the commit starts.
    Pushback.Lease lease = Pushback.lease();
    Tuple args = OrderPushback.moved(Tuple.tuple(), lease, t.at());
    switch (t.move()) {
      case DISPATCHING, CANCELLED -> args.addValue(Times.toDb(now)).addString(orderId);
      case RELEASED -> args.addValue(Times.toDb(now)).addString(orderId).addString(t.courier().platform());
      case COURIER_MOVED -> courierMoved(args, orderId, t, now);
      case NONE -> throw new IllegalStateException("nothing to write");
    }
    return conn.preparedQuery(update).execute(args).compose(rows -> {
      if (rows.rowCount() == 0) {
        return Future.succeededFuture(false);
      }
      Future<Void> entry = t.timeline() == null ? Future.succeededFuture()
          : OrderTimeline.add(conn, orderId, t.timeline().state().name(), t.at(), t.timeline().by(),
              t.timeline().detail());
      return entry.map(x -> {
        if (t.pushBack()) {
          Pushback.nudgeAfterCommit(conn, orderId, lease);
        }
        return true;
      });
    });
  }

  /**
   * A courier's callback moved the order (its timeline entry is the stored callback itself); a claim makes the caller
   * the holder, at the price its placement charged (else quoted). The rider's position, when the callback carries
   * one, is kept in the same statement.
   */
  private static void courierMoved(Tuple args, String orderId, Transition t, Instant now) {
    CourierSeen courier = t.courier();
    if (t.claims()) {
      args.addString(courier.platform()).addString(courier.platformOrderId()).addString(courier.platform());
    }
    args.addString(t.target().name()).addString(courier.name()).addString(courier.phone());
    GeoPoint rider = courier.riderPosition();
    args.addValue(rider == null ? null : scaled(rider.lat())).addValue(rider == null ? null : scaled(rider.lng()))
        .addValue(rider == null ? null : Times.toDb(courier.riderAt() != null ? courier.riderAt() : t.at()));
    args.addValue(Times.toDb(t.at())).addValue(Times.toDb(now)).addString(orderId);
  }

  // ---------------------------------------------------------------- reads

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

  /** Coordinates as the DECIMAL(9,6) columns keep them. */
  private static BigDecimal scaled(double degrees) {
    return BigDecimal.valueOf(degrees).setScale(6, RoundingMode.HALF_UP);
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

  private static DeliveryOrder.Rider rider(Row r) {
    BigDecimal lat = r.getBigDecimal("rider_lat");
    BigDecimal lng = r.getBigDecimal("rider_lng");
    return lat == null || lng == null ? null
        : new DeliveryOrder.Rider(lat, lng, Times.fromDb(r.getLocalDateTime("rider_at")));
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
        courierPlatform == null ? null : new Courier(courierPlatform, r.getString("courier_order_id"), rider(r)),
        r.getLong("courier_fee_fen"),
        Times.fromDb(r.getLocalDateTime("placed_at")), Times.fromDb(r.getLocalDateTime("expected_delivery_at")),
        Times.fromDb(r.getLocalDateTime("received_at")), Times.fromDb(r.getLocalDateTime("updated_at")));
  }
}
