package io.kilosail.dispatch;

import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.DeliveryPlace;
import io.kilosail.contracts.courier.DeliveryRequest;
import io.kilosail.courier.gateway.CourierGatewayVerticle;
import io.kilosail.dispatch.DispatchCommand.AddTip;
import io.kilosail.dispatch.DispatchCommand.Place;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.OrderRepository;
import io.kilosail.order.OrderTransitions;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.quote.TipPolicy;
import io.kilosail.simulators.courier.CourierSimulatorVerticle;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dispatch for a shop with its own courier account, on the real MariaDB, the real courier gateway and the courier
 * simulator, which shows an account only the orders placed under it: the order-detail query before repeating a lost
 * placement, and a tip round, go under the shop's account, as its placement and cancel do. Under the default account
 * the platform would answer "no such order": the create would be sent a second time and the tip refused.
 *
 * <p>In {@code simulators} (package {@code io.kilosail.dispatch}, for the dispatcher's package-private entry points)
 * because {@code simulators} already depends on {@code verticles} for its tests; the other way round would be a cycle.
 */
@ExtendWith(KilosailInfraExtension.class)
class ShopAccountDispatchTest {

  private static final String SF_OWN = "sf-shop-own";
  private static final String UU_OWN = "uu-open-shop";
  private static final JsonObject CREDENTIALS = new JsonObject()
      .put("uu", new JsonObject().put("appId", "uu-test").put("appKey", "uu-test-key").put("openId", "uu-test-open"))
      .put("shansong", new JsonObject().put("clientId", "ss-test").put("shopId", "ss-shop")
          .put("appSecret", "ss-test-secret"))
      .put("sf", new JsonObject().put("devId", "sf-test").put("devKey", "sf-test-key").put("shopId", "sf-shop"))
      .put("fengniao", new JsonObject().put("appId", "fn-test").put("appSecret", "fn-test-secret")
          .put("merchantId", "fn-m").put("storeCode", "fn-store").put("authorizationCode", "fn-authorisation"));

  private static Vertx vertx;
  private static Pool pool;
  private static WebClient web;
  private static int simulatorPort;
  private static CourierGateway gateway;

  @BeforeAll
  static void start(TestInfra infra) {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, InfraSettings.fromJson(infra.config()).mysql());
    web = WebClient.create(vertx);
    JsonObject platforms = new JsonObject();
    for (String platform : CREDENTIALS.fieldNames()) {
      platforms.put(platform, new JsonObject()
          // The shops' own accounts, as a merchant authorises our app for each of them.
          .put("credentials", CREDENTIALS.getJsonObject(platform).copy()
              .put("accounts", new JsonArray().add(SF_OWN).add(UU_OWN)))
          // No courier comes and no callback is sent: only what dispatch sends moves an order.
          .put("behaviour", new JsonObject().put("priceFen", 600).put("autoProgress", false)));
    }
    CourierSimulatorVerticle simulator = new CourierSimulatorVerticle();
    String registryName = "shop-account-dispatch-" + UUID.randomUUID();
    Meters.registry(new NodeConfig("t", List.of(), null, false, "dev", registryName));
    await(vertx.deployVerticle(simulator, new DeploymentOptions().setConfig(new JsonObject()
            .put("port", 0).put("randomSeed", 7).put("platforms", platforms)))
        .compose(id -> {
          simulatorPort = simulator.actualPort();
          JsonObject couriers = new JsonObject();
          for (String platform : CREDENTIALS.fieldNames()) {
            couriers.put(platform, CREDENTIALS.getJsonObject(platform).copy()
                .put("baseUrl", "http://127.0.0.1:" + simulatorPort + "/" + platform).put("timeoutMs", 5_000));
          }
          return vertx.deployVerticle(new CourierGatewayVerticle(), new DeploymentOptions().setConfig(new JsonObject()
              .put("node", new JsonObject().put("id", "t").put("metricsRegistry", registryName))
              .put("couriers", couriers)));
        }));
    gateway = CourierGateway.createProxy(vertx, CourierGateway.ADDRESS);
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
  }

  @Test
  void aLostPlacementUnderTheShopsAccountIsFoundThereAndNotCreatedAgain() throws Exception {
    String orderId = UUID.randomUUID().toString();
    DeliveryRequest delivery = delivery(orderId).setCourierAccounts(new JsonObject().put("sf", SF_OWN));
    // The create reached SF under the shop's store, and its answer was lost: dispatch still holds it as PLACING.
    String held = await(gateway.placeOrder("sf", delivery)).getPlatformOrderId();
    Dispatch dispatch = Dispatch.plan(orderId, DispatchStrategy.SEQUENTIAL,
        List.of(new Dispatch.Offer("sf", 600, 900, null)), List.of("sf"), 60_000);
    dispatch.start();
    insert(orderId, dispatch, delivery);
    long requestsBefore = requests("sf");

    MeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    dispatcher(registry).send(orderId, delivery.toJson(), List.of(new Place("sf", null, true)));

    assertThat(awaitPlaced(orderId, "sf").getString("platform_order_id")).isEqualTo(held);
    assertThat(count(registry, "detail-found")).as("found by the detail query under the shop's store").isEqualTo(1);
    assertThat(count(registry, "detail-not-found")).isZero();
    assertThat(requests("sf") - requestsBefore).as("the detail query alone: no second create").isEqualTo(1);
    JsonArray atSf = simulatorOrders("sf", orderId);
    assertThat(atSf).hasSize(1);
    assertThat(atSf.getJsonObject(0).getString("account")).isEqualTo(SF_OWN);
  }

  @Test
  void aTipRoundReachesTheOrderUnderTheShopsAccount() throws Exception {
    String orderId = UUID.randomUUID().toString();
    DeliveryRequest delivery = delivery(orderId).setCourierAccounts(new JsonObject().put("uu", UU_OWN));
    String placed = await(gateway.placeOrder("uu", delivery)).getPlatformOrderId();
    // Placed with UU, no courier within the acceptance timeout: the tip rule's first round (100 fen, room up to 750).
    Dispatch dispatch = Dispatch.plan(orderId, DispatchStrategy.SEQUENTIAL,
        List.of(new Dispatch.Offer("uu", 600, 900, null)), List.of("uu"), 60_000);
    dispatch.start();
    dispatch.placed("uu", placed);
    List<DispatchCommand> round = dispatch.timedOut(1, new Dispatch.Tipping(
        new TipPolicy.Rule("lunch", Set.of(), Set.of(), 1, 100, 2), 750, Set.of("uu")));
    AddTip tip = round.stream().filter(AddTip.class::isInstance).map(AddTip.class::cast).findFirst().orElseThrow();
    insert(orderId, dispatch, delivery);

    MeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    dispatcher(registry).send(orderId, delivery.toJson(), List.of(tip));

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    JsonObject atUu = simulatorOrders("uu", orderId).getJsonObject(0);
    while (atUu.getLong("tipsFen") == 0 && count(registry, "tip-refused") == 0 && System.nanoTime() < deadline) {
      Thread.sleep(25); // the test thread, never an event loop
      atUu = simulatorOrders("uu", orderId).getJsonObject(0);
    }
    assertThat(count(registry, "tip-refused")).as("refused: UU has no such order under that openId").isZero();
    assertThat(atUu.getString("account")).isEqualTo(UU_OWN);
    assertThat(atUu.getLong("tipsFen")).as(atUu.encodePrettily()).isEqualTo(100);
    assertThat(atUu.getJsonArray("tips").getJsonObject(0).getString("key")).isEqualTo(orderId + ":uu:tip-1");
  }

  // ---------------------------------------------------------------- helpers

  private static Dispatcher dispatcher(MeterRegistry registry) {
    return new Dispatcher(vertx, pool, gateway, DispatchSettings.fromJson(new JsonObject()),
        new CancellationPolicy(Map.of(), Map.of()), registry);
  }

  private static DeliveryRequest delivery(String orderId) {
    return new DeliveryRequest().setOrderId(orderId).setCityName("北京市")
        .setShop(new DeliveryPlace().setName("老王面馆").setPhone("13800000001").setAddress("北京市朝阳区建国路1号")
            .setLat(39.9087).setLng(116.4605))
        .setCustomer(new DeliveryPlace().setName("张三").setPhone("13900000002").setAddress("北京市朝阳区光华路9号")
            .setLat(39.9130).setLng(116.4590))
        .setWeightGrams(800).setGoodsValueFen(3600);
  }

  /** The order, dispatching, with {@code dispatch} and its stored delivery as dispatch left them. */
  private static void insert(String orderId, Dispatch dispatch, DeliveryRequest delivery) {
    Instant now = Instant.now();
    DeliveryOrder order = new DeliveryOrder(orderId, "meituan", "MT-" + orderId.substring(0, 8),
        DeliveryOrder.State.CREATED, "110100", new DeliveryOrder.Shop("shop-1", "老王面馆"),
        new DeliveryOrder.Place("老王面馆", "13800000001", "北京市朝阳区建国路1号", new BigDecimal("39.9087"),
            new BigDecimal("116.4605")),
        new DeliveryOrder.Place("张三", "13900000002", "北京市朝阳区光华路9号", new BigDecimal("39.9130"),
            new BigDecimal("116.4590")),
        800, 850, null, null, null, null, now, now.plusSeconds(2700), now, now);
    await(pool.withTransaction(conn -> OrderRepository.inserted(conn, order)
        .compose(x -> OrderRepository.apply(conn, orderId,
            OrderTransitions.dispatching(DeliveryOrder.State.CREATED, now), now))
        .compose(x -> DispatchRepository.insert(conn, dispatch, UUID.randomUUID().toString(), delivery.toJson(),
            now))));
  }

  private static Row awaitPlaced(String orderId, String platform) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      Row row = await(pool.preparedQuery("SELECT state, platform_order_id FROM courier_placement"
          + " WHERE order_id = ? AND platform = ?").execute(Tuple.of(orderId, platform))).iterator().next();
      if ("PLACED".equals(row.getString("state"))) {
        return row;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("placement still " + row.getString("state"));
      }
      Thread.sleep(25); // the test thread, never an event loop
    }
  }

  private static double count(MeterRegistry registry, String event) {
    Counter counter = registry.find("kilosail.dispatch.events").tag("event", event).counter();
    return counter == null ? 0 : counter.count();
  }

  /** Every request the simulated platform answered (its control view). */
  private static long requests(String platform) {
    return await(web.get(simulatorPort, "127.0.0.1", "/_control/" + platform).send())
        .bodyAsJsonObject().getLong("requests");
  }

  private static JsonArray simulatorOrders(String platform, String orderId) {
    return await(web.get(simulatorPort, "127.0.0.1", "/_control/" + platform + "/orders?orderId=" + orderId).send())
        .bodyAsJsonArray();
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
