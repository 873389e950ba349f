package io.kilosail.webhooks.courier;

import io.kilosail.contracts.saga.DeliverySagaSignals;
import io.kilosail.delivery.DeliverySaga;
import io.kilosail.order.CourierSeen;
import io.kilosail.order.CourierCallbackRules;
import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.cancel.Penalties;
import io.kilosail.checkout.CheckoutSettings;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.kilosail.courier.wire.CourierCallback;
import io.kilosail.courier.wire.GeoPoint;
import io.kilosail.dispatch.DispatchSettings;
import io.kilosail.dispatch.Dispatcher;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Proxies;
import io.kilosail.infra.Times;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.OrderRepository;
import io.kilosail.ledger.Ledger;
import io.kilosail.ledger.Ledger.Posting;
import io.kilosail.ledger.LedgerRepository;
import io.kilosail.shop.CourierAccountRepository;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a courier platform charged, stated and reported, as the callback's transaction applies it on the real MariaDB:
 * the placement's price over the quote, a return to the shop that is not a delivery, a penalty stated in a callback
 * over the table's, and the rider's position on the order. Callbacks are given in canonical form (the wires that read
 * each platform's are tested on their own); orders are stored the way intake stores them.
 */
@ExtendWith(KilosailInfraExtension.class)
class CourierChargesAppliedTest {

  private static final CourierPlatform SF = CourierPlatform.SF;
  private static final CancellationPolicy POLICY = new CancellationPolicy(Map.of(),
      Map.of("default", Map.of("ACCEPTED", 200L, "PICKED_UP", 500L)));

  private static Vertx vertx;
  private static Pool pool;
  private static OrderRepository orders;
  private static CourierCallbackStore store;

  @BeforeAll
  static void start(TestInfra infra) {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, infra.settings().mysql());
    orders = new OrderRepository(pool, DeliverySaga.STARTS);
    JsonObject config = infra.config();
    // No gateway on this bus: what dispatch would send after a commit fails quietly; nothing here needs it.
    Dispatcher dispatcher = new Dispatcher(vertx, pool, Proxies.courierGateway(vertx, config),
        DispatchSettings.fromJson(config), POLICY, new SimpleMeterRegistry());
    store = new CourierCallbackStore(pool, dispatcher, CheckoutSettings.fromJson(config));
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
  }

  @Test
  void theDeliveryIsBookedAtThePlacementsPriceAndTheRidersPositionIsKeptOnTheOrder() {
    String orderId = newOrder();
    placement(orderId, 1_000, 1_150L);

    store(callback(orderId, CourierState.ACCEPTED, "10", null, new GeoPoint(31.230416, 121.473701), 1));
    DeliveryOrder accepted = await(orders.find(orderId));
    assertThat(accepted.courierFeeFen()).isEqualTo(1_150L);
    JsonObject rider = accepted.toJson().getJsonObject("courier").getJsonObject("rider");
    assertThat(rider.getDouble("lat")).isEqualTo(31.230416);
    assertThat(rider.getDouble("lng")).isEqualTo(121.473701);
    assertThat(rider.getString("at")).isEqualTo(at(1).toString());

    // A later status without a position keeps the last one.
    store(callback(orderId, CourierState.DELIVERED, "17", null, null, 3));
    assertThat(await(orders.find(orderId)).toJson().getJsonObject("courier").getJsonObject("rider")
        .getDouble("lat")).isEqualTo(31.230416);
    List<Posting> ledger = await(LedgerRepository.perOrder(pool, orderId));
    assertThat(Ledger.balance(ledger, Ledger.COST_COURIER)).isEqualTo(1_150);
    assertThat(Ledger.balance(ledger, Ledger.RECEIVABLE_PLATFORM)).isEqualTo(850);
    assertThat(Ledger.balances(ledger)).isTrue();
  }

  @Test
  void aPlacementAnswerStoredAfterTheCourierClaimedTheOrderStillSetsWhatIsBooked() {
    String orderId = newOrder();
    placement(orderId, 1_000, null);
    store(callback(orderId, CourierState.ACCEPTED, "10", null, null, 1));
    assertThat(await(orders.find(orderId)).courierFeeFen()).as("only the quote is known yet").isEqualTo(1_000L);

    // The create's answer arrives now (dispatch writes the price in the placement's own UPDATE).
    await(pool.preparedQuery("UPDATE courier_placement SET charged_fen = 1180 WHERE order_id = ?")
        .execute(Tuple.of(orderId)));
    store(callback(orderId, CourierState.PICKED_UP, "15", null, null, 2));
    assertThat(await(orders.find(orderId)).courierFeeFen()).isEqualTo(1_180L);
    store(callback(orderId, CourierState.DELIVERED, "17", null, null, 3));
    assertThat(Ledger.balance(await(LedgerRepository.perOrder(pool, orderId)), Ledger.COST_COURIER)).isEqualTo(1_180);
  }

  @Test
  void aReturnToTheShopEndsTheOrderReturnedBooksTheTripAndEarnsNoDeliveryFee() {
    String orderId = newOrder();
    placement(orderId, 1_000, 1_100L);
    dispatched(orderId);
    store(callback(orderId, CourierState.ACCEPTED, "10", null, null, 1));
    store(callback(orderId, CourierState.PICKED_UP, "15", null, null, 2));

    // At a second of its own, so the period report below holds this trip alone.
    CourierCallbackStore.Stored returned = store(callback(orderId, CourierState.RETURNED, "17", 1_600L, null, 33));
    assertThat(returned.decision().outcome()).isEqualTo(CourierCallbackRules.Outcome.APPLIED);
    assertThat(await(orders.find(orderId)).state()).isEqualTo(DeliveryOrder.State.RETURNED);

    List<Posting> ledger = await(LedgerRepository.perOrder(pool, orderId));
    assertThat(ledger).extracting(Posting::entryType).containsOnly(Ledger.DELIVERY_RETURNED);
    assertThat(Ledger.balance(ledger, Ledger.COST_COURIER)).isEqualTo(1_600);
    assertThat(Ledger.balance(ledger, Ledger.REVENUE_DELIVERY)).isZero();
    assertThat(Ledger.balances(ledger)).isTrue();
    // The delivery saga is told, in the same transaction, that the delivery failed; the dispatch is over.
    assertThat(count("SELECT COUNT(*) FROM saga_pending_signal WHERE business_key = ? AND event_type = ?", orderId,
        DeliverySagaSignals.RETURNED)).isEqualTo(1);
    assertThat(single("SELECT state FROM courier_dispatch WHERE order_id = ?", orderId).getString(0))
        .isEqualTo("COMPLETED");

    // The courier's settlement shows the trip's fee, not a delivery.
    var sf = await(LedgerRepository.courierTotals(pool, SF.id(), at(33), at(34)));
    assertThat(sf).singleElement().satisfies(row -> {
      assertThat(row.deliveries()).isZero();
      assertThat(row.feesFen()).isEqualTo(1_600);
    });

    // Nothing moves a returned order, and nobody can cancel it.
    CourierCallbackStore.Stored late = store(callback(orderId, CourierState.DELIVERED, "17", null, null, 4));
    assertThat(late.decision().outcome()).isEqualTo(CourierCallbackRules.Outcome.STALE);
    assertThat(await(orders.find(orderId)).state()).isEqualTo(DeliveryOrder.State.RETURNED);
    assertThat(POLICY.decide(CancellationPolicy.By.PLATFORM, "meituan", DeliveryOrder.State.RETURNED).allowed())
        .isFalse();
    assertThat(await(LedgerRepository.perOrder(pool, orderId))).hasSize(2);
  }

  @Test
  void aPenaltyStatedInACancelCallbackReplacesTheTableFigureBookedOnOurCancel() {
    String orderId = newOrder();
    placement(orderId, 1_000, null);
    store(callback(orderId, CourierState.ACCEPTED, "10", null, null, 1));

    // Our cancel's answer states nothing: the table's figure for an accepted courier is booked.
    Penalties.CourierPenalty table = await(Penalties.courierCancelled(pool, POLICY, orderId, SF.id(), null));
    assertThat(table.penaltyFen()).isEqualTo(200);
    assertThat(table.stated()).isFalse();

    // Then the platform's cancel callback states what it charges.
    store(callback(orderId, CourierState.CANCELLED, "2", 350L, null, 2));
    List<Posting> ledger = await(LedgerRepository.perOrder(pool, orderId));
    assertThat(Ledger.balance(ledger, Ledger.COST_PENALTY)).isEqualTo(350);
    assertThat(Ledger.balance(ledger, Ledger.PAYABLE_COURIER)).isEqualTo(-350);
    assertThat(Ledger.balances(ledger)).isTrue();
    Row penalty = single("SELECT penalty_fen, source FROM courier_penalty WHERE order_id = ?", orderId);
    assertThat(penalty.getLong(0)).isEqualTo(350L);
    assertThat(penalty.getString(1)).isEqualTo("STATED");

    // The same answer repeated changes nothing: the statement stands.
    await(Penalties.courierCancelled(pool, POLICY, orderId, SF.id(), null));
    assertThat(Ledger.balance(await(LedgerRepository.perOrder(pool, orderId)), Ledger.COST_PENALTY)).isEqualTo(350);
  }

  @Test
  void aPenaltyStatedInTheCancelAnswerIsBookedAsStated() {
    String orderId = newOrder();
    placement(orderId, 1_000, null);
    store(callback(orderId, CourierState.PICKED_UP, "15", null, null, 1));

    Penalties.CourierPenalty stated = await(Penalties.courierCancelled(pool, POLICY, orderId, SF.id(), 720L));
    assertThat(stated.stated()).isTrue();
    assertThat(Ledger.balance(await(LedgerRepository.perOrder(pool, orderId)), Ledger.COST_PENALTY)).isEqualTo(720);
  }

  @Test
  void thePrepaidBalanceGetsTheChargeBackLessThePenaltyAndFollowsAPenaltyStatedLater() {
    String account = "sf-refund-" + UUID.randomUUID();
    String orderId = acceptedOnPrepaid(account);
    assertThat(balance(account)).isEqualTo(4_000);

    // Our cancel's answer states nothing: the table keeps 200 of the 1,000 charged.
    Penalties.CourierPenalty table = await(Penalties.courierCancelled(pool, POLICY, orderId, SF.id(), null));
    assertThat(table.refundedFen()).isEqualTo(800);
    assertThat(balance(account)).isEqualTo(4_800);

    // The platform's callback then states 350: the balance gives the 150 more it keeps back.
    store(callback(orderId, CourierState.CANCELLED, "2", 350L, null, 2));
    assertThat(balance(account)).isEqualTo(4_650);

    // Our cancel's answer repeated changes nothing.
    assertThat(await(Penalties.courierCancelled(pool, POLICY, orderId, SF.id(), null)).refundedFen()).isZero();
    assertThat(balance(account)).isEqualTo(4_650);
    assertThat(count("SELECT COUNT(*) FROM courier_account_topup WHERE account_id = ? AND reference LIKE ?", account,
        "refund:%")).isEqualTo(2);
  }

  @Test
  void aCancelThePlatformStatesOnItsOwnGivesTheChargeBackLessWhatItKeeps() {
    String account = "sf-refund-" + UUID.randomUUID();
    String orderId = acceptedOnPrepaid(account);

    store(callback(orderId, CourierState.CANCELLED, "2", 300L, null, 2));

    assertThat(balance(account)).isEqualTo(4_700);
  }

  @Test
  void aCancelThePlatformReportsWithoutAChargeGivesEverythingBackUntilAPenaltyIsBooked() {
    String account = "sf-refund-" + UUID.randomUUID();
    String orderId = acceptedOnPrepaid(account);

    // The platform reports the cancel before our cancel's answer comes: nothing is booked yet, all of it comes back.
    store(callback(orderId, CourierState.CANCELLED, "2", null, null, 2));
    assertThat(balance(account)).isEqualTo(5_000);

    // Our cancel's answer then books the table's 200 for an accepted courier: the balance gives it back.
    Penalties.CourierPenalty table = await(Penalties.courierCancelled(pool, POLICY, orderId, SF.id(), null));
    assertThat(table.refundedFen()).isEqualTo(-200);
    assertThat(balance(account)).isEqualTo(4_800);
  }

  @Test
  void aPlacementNeverChargedToATrackedAccountGetsNothingBack() {
    String orderId = newOrder();
    placement(orderId, 1_000, null);
    store(callback(orderId, CourierState.ACCEPTED, "10", null, null, 1));

    assertThat(await(Penalties.courierCancelled(pool, POLICY, orderId, SF.id(), null)).refundedFen()).isZero();
    assertThat(count("SELECT COUNT(*) FROM courier_account_topup WHERE reference = ? OR reference = ?",
        "refund:" + orderId + ":" + SF.id(), "charge:" + orderId + ":" + SF.id())).isZero();
  }

  @Test
  void aRiderPositionOffTheEarthIsDroppedAndTheCallbackStillApplied() {
    String orderId = newOrder();
    placement(orderId, 1_000, null);
    store(callback(orderId, CourierState.ACCEPTED, "10", null, new GeoPoint(31.2304, 121.4737), 1));

    assertThat(CourierSeen.storablePosition(callback(orderId, CourierState.PICKED_UP, "15", null,
        new GeoPoint(Double.NaN, 121), 2))).isNull();
    assertThat(CourierSeen.storablePosition(callback(orderId, CourierState.PICKED_UP, "15", null,
        new GeoPoint(31.2, -181), 2))).isNull();
    // 3123.04 does not fit the DECIMAL(9,6) column: kept as sent, the UPDATE would fail on every retry.
    CourierCallbackStore.Stored picked = store(callback(orderId, CourierState.PICKED_UP, "15", null,
        new GeoPoint(3123.04, 121.4737), 2));

    assertThat(picked.decision().outcome()).isEqualTo(CourierCallbackRules.Outcome.APPLIED);
    DeliveryOrder order = await(orders.find(orderId));
    assertThat(order.state()).isEqualTo(DeliveryOrder.State.PICKED_UP);
    assertThat(order.courier().rider().lat()).isEqualByComparingTo("31.230400");
  }

  // ---------------------------------------------------------------- helpers

  private static Instant at(int second) {
    return Instant.parse("2026-12-06T04:00:00Z").plusSeconds(second);
  }

  private static CourierCallback callback(String orderId, CourierState state, String rawStatus, Long penaltyFen,
                                          GeoPoint rider, int second) {
    return new CourierCallback(SF, "SF-" + orderId.substring(0, 8), orderId, state, rawStatus, "骑手", "13900000000",
        penaltyFen, at(second), rider);
  }

  private static CourierCallbackStore.Stored store(CourierCallback callback) {
    return await(store.store(callback, "{}", Instant.now()));
  }

  private static String newOrder() {
    String id = UUID.randomUUID().toString();
    Instant now = Instant.now();
    DeliveryOrder.Place shop = new DeliveryOrder.Place("老王面馆", "13800000001", "上海市黄浦区南京东路1号",
        new BigDecimal("31.2304"), new BigDecimal("121.4737"));
    DeliveryOrder.Place customer = new DeliveryOrder.Place("张三", "13900000002", "上海市黄浦区福州路9号",
        new BigDecimal("31.2350"), new BigDecimal("121.4800"));
    await(orders.receive(new DeliveryOrder(id, "meituan", "mt-" + id, DeliveryOrder.State.CREATED, "310100",
        new DeliveryOrder.Shop("s1", "老王面馆"), shop, customer, 800, 850, null, null, null, null,
        now, now.plus(Duration.ofMinutes(45)), now, now)));
    return id;
  }

  /** SF as a placed dispatch candidate: quoted {@code quotedFen}, its create answer stated {@code chargedFen}. */
  private static void placement(String orderId, long quotedFen, Long chargedFen) {
    await(pool.preparedQuery("INSERT INTO courier_placement (order_id, platform, position, state, price_fen,"
        + " charged_fen, platform_order_id, updated_at) VALUES (?, ?, 0, 'PLACED', ?, ?, ?, ?)")
        .execute(Tuple.of(orderId, SF.id(), quotedFen, chargedFen, "SF-" + orderId.substring(0, 8),
            Times.toDb(Instant.now()))));
  }

  /** The order's dispatch, offering it to SF alone (as DispatchVerticle writes it). */
  private static void dispatched(String orderId) {
    await(pool.preparedQuery("INSERT INTO courier_dispatch (order_id, saga_id, strategy, state, round,"
        + " acceptance_timeout_ms, delivery, created_at, updated_at) VALUES (?, ?, 'SEQUENTIAL', 'ACTIVE', 1, 60000,"
        + " '{}', ?, ?)").execute(Tuple.of(orderId, UUID.randomUUID().toString(), Times.toDb(Instant.now()),
        Times.toDb(Instant.now()))));
  }

  /** A new order SF holds and its courier accepted, the placement's 1,000 fen charged to {@code account}. */
  private static String acceptedOnPrepaid(String account) {
    String orderId = newOrder();
    placement(orderId, 1_000, 1_000L);
    chargedToPrepaid(account, orderId, 1_000);
    store(callback(orderId, CourierState.ACCEPTED, "10", null, null, 1));
    return orderId;
  }

  /** A tracked SF account topped up with 5,000 fen, from which the placement of {@code orderId} took its price. */
  private static void chargedToPrepaid(String account, String orderId, long priceFen) {
    Instant now = Instant.now();
    await(CourierAccountRepository.topUp(pool, new CourierAccountRepository.TopUp(SF.id(), account, 5_000,
        "top-up-" + orderId), "ops-test", now));
    await(pool.withTransaction(conn -> CourierAccountRepository.charge(conn, SF.id(), account, orderId, priceFen,
        now)));
  }

  private static long balance(String account) {
    return await(CourierAccountRepository.find(pool, SF.id(), account)).balanceFen();
  }

  private static long count(String sql, String a, String b) {
    return await(pool.preparedQuery(sql).execute(Tuple.of(a, b))).iterator().next().getLong(0);
  }

  private static Row single(String sql, String arg) {
    return await(pool.preparedQuery(sql).execute(Tuple.of(arg))).iterator().next();
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
