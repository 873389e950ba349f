package io.kilosail.delivery;

import io.kilosail.checkout.CheckoutSettings;
import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.cancel.OrderCancellations;
import io.kilosail.contracts.dispatch.DispatchPlan;
import io.kilosail.contracts.dispatch.DispatchRequest;
import io.kilosail.contracts.dispatch.DispatchService;
import io.kilosail.contracts.quote.QuoteRequest;
import io.kilosail.contracts.quote.QuoteService;
import io.kilosail.contracts.quote.QuoteSet;
import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.contracts.saga.SagaView;
import io.kilosail.dispatch.DispatchSettings;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Times;
import io.kilosail.saga.SagaCoordinatorVerticle;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delivery saga when its signals never come (lost with a node that stopped): the order's own row decides. Waits are
 * 1 s here; quoting and dispatch are stand-ins that only record what they were asked.
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class DeliverySagaTimeoutTest {

  private static Vertx vertx;
  private static Pool pool;
  private static SagaCoordinatorService coordinator;
  /** Orders whose dispatch the saga withdrew (called every courier off). */
  private static final Set<String> withdrawn = ConcurrentHashMap.newKeySet();
  private static OrderCancellations cancellations;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, infra.settings().mysql());
    JsonObject config = infra.config()
        .put("node", new JsonObject().put("id", "delivery-timeout-test"))
        .put("saga", new JsonObject().put("leaseMs", 5_000).put("scanIntervalMs", 100))
        .put("dispatch", new JsonObject().put("courierWaitMs", 1_000).put("deliveryWaitMs", 1_000));
    new ServiceBinder(vertx).setAddress(QuoteService.ADDRESS).register(QuoteService.class,
        (QuoteService) request -> Future.succeededFuture(new QuoteSet().setOrderId(request.getDelivery().getOrderId())
            .setOffers(List.of())));
    new ServiceBinder(vertx).setAddress(DispatchService.ADDRESS).register(DispatchService.class, new DispatchService() {
      @Override
      public Future<DispatchPlan> dispatch(SagaStep step, DispatchRequest request) {
        return Future.succeededFuture(new DispatchPlan().setOrderId(request.getDelivery().getOrderId())
            .setStrategy("cheapest").setCandidates(List.of("uu")));
      }

      @Override
      public Future<Void> withdraw(SagaStep step, String orderId, String reason) {
        withdrawn.add(orderId);
        return Future.succeededFuture();
      }
    });
    cancellations = new OrderCancellations(pool, CancellationPolicy.fromJson(config), CheckoutSettings.fromJson(config),
        new SimpleMeterRegistry());
    DeliverySaga saga = new DeliverySaga(pool, cancellations, QuoteService.createProxy(vertx, QuoteService.ADDRESS),
        DispatchService.createProxy(vertx, DispatchService.ADDRESS), DispatchSettings.fromJson(config));
    await(vertx.deployVerticle(new SagaCoordinatorVerticle(List.of(saga.definition())),
        new DeploymentOptions().setConfig(config)));
    coordinator = SagaCoordinatorService.createProxy(vertx, SagaCoordinatorService.ADDRESS);
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void anOrderDeliveredWhileItsSignalsWereLostCompletesAtTheCourierWaitsTimeout() throws Exception {
    String orderId = newOrder();
    String id = startSaga(orderId);
    awaitWaitingFor(id, "delivery.courier-assigned");
    courierMovedOrderTo(orderId, "DELIVERED");

    SagaView saga = awaitTerminal(id);
    assertThat(saga.getState()).isEqualTo("COMPLETED");
    assertThat(saga.getData().getString("courierPlatform")).isEqualTo("uu");
    assertThat(saga.getData().getLong("courierFeeFen")).isEqualTo(620);
    assertThat(saga.getData().getString("deliveredAt")).isNotNull();
    assertThat(orderState(orderId)).isEqualTo("DELIVERED");
    assertThat(withdrawn).doesNotContain(orderId);
  }

  @Test
  void aCourierHoldingTheOrderAtTheCourierWaitsTimeoutMeansWaitingForTheDelivery() throws Exception {
    String orderId = newOrder();
    String id = startSaga(orderId);
    awaitWaitingFor(id, "delivery.courier-assigned");
    courierMovedOrderTo(orderId, "PICKED_UP");

    awaitWaitingFor(id, "delivery.delivered");
    courierMovedOrderTo(orderId, "DELIVERED");
    // The delivery's signal never comes either: its wait's timeout finds the order delivered.
    assertThat(awaitTerminal(id).getState()).isEqualTo("COMPLETED");
    assertThat(withdrawn).doesNotContain(orderId);
  }

  @Test
  void anOrderNobodyTookIsStillCancelledAtTheTimeout() throws Exception {
    String orderId = newOrder();
    String id = startSaga(orderId);

    assertThat(awaitTerminal(id).getState()).isEqualTo("COMPENSATED");
    assertThat(withdrawn).contains(orderId);
    assertThat(orderState(orderId)).isEqualTo("CANCELLED");
  }

  @Test
  void aReasonLongerThanItsColumnIsCutAndTheOrderStillCancelled() throws Exception {
    String orderId = newOrder();
    String reason = "handed back: " + "no courier within the margin; ".repeat(20);

    boolean cancelled = await(pool.withTransaction(conn -> cancellations.cancelBySystem(conn, orderId, reason)));

    assertThat(cancelled).isTrue();
    assertThat(orderState(orderId)).isEqualTo("CANCELLED");
    String stored = await(pool.preparedQuery("SELECT reason FROM order_cancellation WHERE order_id = ?")
        .execute(Tuple.of(orderId))).iterator().next().getString(0);
    assertThat(stored).hasSize(255).startsWith("handed back: no courier within the margin").endsWith("…");
  }

  @Test
  void anOperatorCompensatingADeliveredOrdersSagaCompletesItInstead() throws Exception {
    String orderId = newOrder();
    String id = startSaga(orderId);
    awaitWaitingFor(id, "delivery.courier-assigned");
    courierMovedOrderTo(orderId, "DELIVERED");

    await(coordinator.forceCompensate(id));
    SagaView saga = awaitTerminal(id);
    assertThat(saga.getState()).isEqualTo("COMPLETED");
    assertThat(withdrawn).doesNotContain(orderId);
    assertThat(orderState(orderId)).isEqualTo("DELIVERED");
  }

  // ------------------------------------------------------------ helpers

  private static String startSaga(String orderId) throws Exception {
    JsonObject order = new JsonObject().put("orderId", orderId).put("platform", "meituan").put("city", "310100")
        .put("pickup", place("Noodles")).put("dropoff", place("Li Lei")).put("weightGrams", 1200)
        .put("goodsValueFen", 3000);
    return await(coordinator.start(DeliverySaga.TYPE, orderId, DeliverySaga.dataOf(order)));
  }

  private static JsonObject place(String name) {
    return new JsonObject().put("name", name).put("phone", "021-1").put("address", "Rd 1").put("lat", 31.2304)
        .put("lng", 121.4737);
  }

  private static String newOrder() throws Exception {
    String id = UUID.randomUUID().toString();
    Instant now = Instant.now();
    await(pool.preparedQuery("INSERT INTO delivery_order (id, platform, platform_order_id, state, city, shop_id,"
            + " shop_name, pickup_name, pickup_phone, pickup_address, pickup_lat, pickup_lng, dropoff_name,"
            + " dropoff_phone, dropoff_address, dropoff_lat, dropoff_lng, weight_grams, delivery_fee_fen, placed_at,"
            + " expected_delivery_at, received_at, updated_at) VALUES (?, 'meituan', ?, 'DISPATCHING', '310100',"
            + " 'shop-1', 'Noodles', 'Noodles', '021-1', 'Rd 1', 31.2304, 121.4737, 'Li Lei', '138-1', 'Ave 1',"
            + " 31.2397, 121.4998, 1200, 850, ?, ?, ?, ?)")
        .execute(Tuple.of(id, "mt-" + id, Times.toDb(now), Times.toDb(now.plusSeconds(2700)), Times.toDb(now),
            Times.toDb(now))));
    return id;
  }

  /** What dispatch writes when courier callbacks arrive, without the saga signals it would send with them. */
  private static void courierMovedOrderTo(String orderId, String state) throws Exception {
    await(pool.preparedQuery("UPDATE delivery_order SET state = ?, courier_platform = 'uu', courier_order_id = ?,"
            + " courier_fee_fen = 620, version = version + 1 WHERE id = ?")
        .execute(Tuple.of(state, "uu-" + orderId, orderId)));
  }

  private static String orderState(String orderId) throws Exception {
    return await(pool.preparedQuery("SELECT state FROM delivery_order WHERE id = ?").execute(Tuple.of(orderId)))
        .iterator().next().getString(0);
  }

  private static void awaitWaitingFor(String id, String event) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    SagaView saga = await(coordinator.find(id));
    while (!("WAITING".equals(saga.getState()) && event.equals(saga.getAwaitingEvent()))
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
      saga = await(coordinator.find(id));
    }
    assertThat(saga.getAwaitingEvent()).as("saga %s: %s", id, saga.toJson()).isEqualTo(event);
  }

  private static SagaView awaitTerminal(String id) throws Exception {
    Set<String> terminal = Set.of("COMPLETED", "COMPENSATED", "FAILED");
    long deadline = System.currentTimeMillis() + 20_000;
    SagaView saga = await(coordinator.find(id));
    while (!terminal.contains(saga.getState()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      saga = await(coordinator.find(id));
    }
    assertThat(saga.getState()).as("saga %s did not end: %s", id, saga.toJson()).isIn(terminal);
    return saga;
  }
}
