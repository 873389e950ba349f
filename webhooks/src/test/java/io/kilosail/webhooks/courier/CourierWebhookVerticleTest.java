package io.kilosail.webhooks.courier;

import io.kilosail.delivery.DeliverySaga;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.courier.wire.CourierHttpRequest;
import io.kilosail.courier.wire.CourierOrderPlaced;
import io.kilosail.courier.wire.CourierOrderRequest;
import io.kilosail.courier.wire.CourierPlace;
import io.kilosail.courier.wire.CourierWire;
import io.kilosail.courier.wire.FengniaoWire;
import io.kilosail.courier.wire.UuWire;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.Times;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.OrderRepository;
import io.kilosail.ledger.Ledger;
import io.kilosail.ledger.Ledger.Posting;
import io.kilosail.ledger.LedgerRepository;
import io.kilosail.simulators.courier.CourierSimulatorVerticle;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The courier webhooks end to end: the courier simulator plays the four platforms and posts its signed callbacks to
 * CourierWebhookVerticle, which stores them in the real embedded MariaDB. Orders are created the way intake stores
 * them ({@link OrderRepository#receive}); each test uses fresh order ids, so tests share the database.
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class CourierWebhookVerticleTest {

  private static final String REGISTRY = "webhook-test-" + UUID.randomUUID();

  private static final JsonObject COURIERS = new JsonObject()
      .put("uu", new JsonObject().put("appId", "uu-test").put("appKey", "uu-test-key").put("openId", "uu-test-open"))
      .put("shansong", new JsonObject().put("clientId", "ss-test").put("shopId", "ss-shop").put("appSecret", "ss-test-secret"))
      .put("sf", new JsonObject().put("devId", "sf-test").put("devKey", "sf-test-key").put("shopId", "sf-shop"))
      .put("fengniao", new JsonObject().put("appId", "fn-test").put("appSecret", "fn-test-secret").put("merchantId", "fn-m")
          .put("storeCode", "fn-store").put("authorizationCode", "fn-authorisation"));

  private static Vertx vertx;
  private static Pool pool;
  private static WebClient client;
  private static OrderRepository orders;
  private static CourierWebhookSettings wires;
  private static int webhookPort;
  private static int simulatorPort;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, infra.settings().mysql());
    client = WebClient.create(vertx);
    orders = new OrderRepository(pool, DeliverySaga.STARTS);
    JsonObject config = infra.config()
        .put("node", new JsonObject().put("id", "webhook-test").put("metricsRegistry", REGISTRY))
        .put("webhooks", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("couriers", COURIERS);
    wires = CourierWebhookSettings.fromJson(config, Clock.systemUTC());
    CourierWebhookVerticle webhooks = new CourierWebhookVerticle();
    await(vertx.deployVerticle(webhooks, new DeploymentOptions().setConfig(config)));
    webhookPort = webhooks.actualPort();

    JsonObject platforms = new JsonObject();
    for (CourierPlatform platform : CourierPlatform.values()) {
      platforms.put(platform.id(), new JsonObject()
          .put("credentials", COURIERS.getJsonObject(platform.id()))
          .put("behaviour", new JsonObject()
              // the URL a merchant registers: with the callback token where the platform does not sign
              .put("webhookBaseUrl", "http://127.0.0.1:" + webhookPort + "/webhooks/couriers/" + platform.id()
                  + wires.wires().get(platform).callbackQuery())
              .put("acceptDelayMs", 20).put("arriveDelayMs", 20).put("pickupDelayMs", 20).put("deliverDelayMs", 20)
              .put("callbackRetryDelayMs", 50)));
    }
    CourierSimulatorVerticle simulator = new CourierSimulatorVerticle();
    await(vertx.deployVerticle(simulator, new DeploymentOptions().setConfig(new JsonObject()
        .put("port", 0).put("randomSeed", 11).put("platforms", platforms))));
    simulatorPort = simulator.actualPort();
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  @BeforeEach
  void resetSimulator() throws Exception {
    await(control("/reset", new JsonObject()));
  }

  @Test
  void everyPlatformDeliversThroughTheSimulatorWithOneEventPerTransition() throws Exception {
    for (CourierPlatform platform : CourierPlatform.values()) {
      String orderId = newOrder();
      place(platform, orderId);
      eventually(() -> "DELIVERED".equals(stateOf(orderId)), platform + " delivered");

      List<String> expected = platform == CourierPlatform.SHANSONG
          // Shansong has no "at shop" status.
          ? List.of("CREATED>ACCEPTED", "ACCEPTED>PICKED_UP", "PICKED_UP>DELIVERED")
          : List.of("CREATED>ACCEPTED", "ACCEPTED>ARRIVED_AT_SHOP", "ARRIVED_AT_SHOP>PICKED_UP", "PICKED_UP>DELIVERED");
      assertThat(transitions(orderId)).as(platform.id()).isEqualTo(expected);
      Row last = applied(orderId).get(expected.size() - 1);
      assertThat(last.getString("platform")).isEqualTo(platform.id());
      assertThat(last.getLocalDateTime("occurred_at")).isNotNull();
      Row row = single("SELECT courier_name, courier_state_at FROM delivery_order WHERE id = ?", orderId);
      assertThat(row.getString("courier_name")).as(platform.id()).isNotBlank();
      assertThat(row.getLocalDateTime("courier_state_at")).isNotNull();
      assertThat(count("SELECT COUNT(*) FROM courier_callback WHERE order_id = ? AND outcome = 'APPLIED'", orderId))
          .isEqualTo(expected.size());
    }
    assertThat(counter("applied", "sf")).isGreaterThanOrEqualTo(4);
  }

  @Test
  void theSameCallbackThreeTimesIsAppliedOnce() throws Exception {
    await(control("/uu", new JsonObject().put("duplicateCallbacks", 2)));
    double duplicatesBefore = counter("duplicate", "uu");
    String orderId = newOrder();
    String platformOrderId = place(CourierPlatform.UU, orderId).platformOrderId();
    // Every callback is sent three times, one after the other; wait for the last copy of the last one.
    eventually(() -> deliveredCopies(CourierPlatform.UU, platformOrderId) == 12, "12 callbacks sent");

    assertThat(stateOf(orderId)).isEqualTo("DELIVERED");
    assertThat(transitions(orderId)).containsExactly(
        "CREATED>ACCEPTED", "ACCEPTED>ARRIVED_AT_SHOP", "ARRIVED_AT_SHOP>PICKED_UP", "PICKED_UP>DELIVERED");
    assertThat(count("SELECT COUNT(*) FROM courier_callback WHERE order_id = ?", orderId)).isEqualTo(4);
    assertThat(counter("duplicate", "uu") - duplicatesBefore).isEqualTo(8);
  }

  @Test
  void aDeliveredOrderHasBalancedDeliveryPostingsWrittenOnceThoughDeliveredArrivesThreeTimes() throws Exception {
    await(control("/uu", new JsonObject().put("duplicateCallbacks", 2)));
    double postingsBefore = postingsCounted(Ledger.DELIVERY_COMPLETED);
    String orderId = newOrder();
    // Dispatch offered it to UU at 620 fen: UU's first callback claims the order at that price.
    offer(orderId, CourierPlatform.UU, 620);
    String platformOrderId = place(CourierPlatform.UU, orderId).platformOrderId();
    eventually(() -> deliveredCopies(CourierPlatform.UU, platformOrderId) == 12, "12 callbacks sent");

    assertThat(stateOf(orderId)).isEqualTo("DELIVERED");
    List<Posting> postings = await(LedgerRepository.perOrder(pool, orderId));
    Instant deliveredAt = Times.fromDb(single("SELECT courier_state_at FROM delivery_order WHERE id = ?", orderId)
        .getLocalDateTime("courier_state_at"));
    assertThat(postings).containsExactly(
        new Posting(orderId, "delivery.completed", "receivable:platform", "meituan", 850, deliveredAt),
        new Posting(orderId, "delivery.completed", "revenue:delivery", "meituan", -850, deliveredAt),
        new Posting(orderId, "delivery.completed", "cost:courier", "uu", 620, deliveredAt),
        new Posting(orderId, "delivery.completed", "payable:courier", "uu", -620, deliveredAt));
    assertThat(Ledger.balances(postings)).isTrue();
    assertThat(Ledger.margin(postings)).isEqualTo(230);
    assertThat(postingsCounted(Ledger.DELIVERY_COMPLETED) - postingsBefore).isEqualTo(4);
  }

  @Test
  void aDeliveredThatIsTheFirstCallbackClaimsAndPostsAtTheQuotedPrice() throws Exception {
    await(control("/fengniao", new JsonObject().put("autoProgress", false)));
    String orderId = newOrder();
    offer(orderId, CourierPlatform.FENGNIAO, 700);
    String platformOrderId = place(CourierPlatform.FENGNIAO, orderId).platformOrderId();
    await(control("/fengniao/orders/" + platformOrderId + "/events", new JsonObject().put("event", "DELIVERED")));
    eventually(() -> "DELIVERED".equals(stateOf(orderId)), "delivered");

    assertThat(single("SELECT courier_fee_fen FROM delivery_order WHERE id = ?", orderId).getLong(0)).isEqualTo(700L);
    List<Posting> postings = await(LedgerRepository.perOrder(pool, orderId));
    assertThat(postings).hasSize(4);
    assertThat(Ledger.balances(postings)).isTrue();
    assertThat(Ledger.balance(postings, Ledger.COST_COURIER)).isEqualTo(700);
    assertThat(Ledger.balance(postings, Ledger.RECEIVABLE_PLATFORM)).isEqualTo(850);
    assertThat(postings).filteredOn(p -> p.account().equals(Ledger.PAYABLE_COURIER))
        .singleElement().satisfies(p -> assertThat(p.counterparty()).isEqualTo("fengniao"));
  }

  @Test
  void aCourierThatDeliversAnOrderItDidNotHoldIsBookedAsACostAsWell() throws Exception {
    await(control("/fengniao", new JsonObject().put("autoProgress", false)));
    await(control("/sf", new JsonObject().put("autoProgress", false)));
    String orderId = newOrder();
    offer(orderId, CourierPlatform.FENGNIAO, 700);
    String fengniaoOrderId = place(CourierPlatform.FENGNIAO, orderId).platformOrderId();
    await(control("/fengniao/orders/" + fengniaoOrderId + "/events", new JsonObject().put("event", "ACCEPTED")));
    eventually(() -> "ACCEPTED".equals(stateOf(orderId)), "held by fengniao");
    // SF had the order too (its placement's answer was lost) and its courier delivered it before being called off.
    await(pool.preparedQuery("INSERT INTO courier_placement (order_id, platform, position, state, price_fen, updated_at)"
        + " VALUES (?, 'sf', 1, 'WITHDRAWN', 900, ?)").execute(Tuple.of(orderId, Times.toDb(Instant.now()))));
    String sfOrderId = place(CourierPlatform.SF, orderId).platformOrderId();
    await(control("/sf/orders/" + sfOrderId + "/events", new JsonObject().put("event", "DELIVERED")));
    eventually(() -> count("SELECT COUNT(*) FROM ledger_entry WHERE order_id = ?", orderId) == 2, "sf booked");

    List<Posting> postings = await(LedgerRepository.perOrder(pool, orderId));
    assertThat(postings).extracting(Posting::entryType, Posting::account, Posting::counterparty, Posting::amountFen)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Ledger.EXTRA_COURIER_DELIVERY, Ledger.COST_COURIER, "sf", 900L),
            org.assertj.core.groups.Tuple.tuple(Ledger.EXTRA_COURIER_DELIVERY, Ledger.PAYABLE_COURIER, "sf", -900L));
    // The order is still fengniao's: the loser's delivery moved nothing.
    assertThat(stateOf(orderId)).isEqualTo("ACCEPTED");
  }

  @Test
  void pickedUpBeforeAcceptedNeverMovesTheOrderBack() throws Exception {
    await(control("/fengniao", new JsonObject().put("autoProgress", false)));
    String orderId = newOrder();
    String platformOrderId = place(CourierPlatform.FENGNIAO, orderId).platformOrderId();
    for (String event : List.of("PICKED_UP", "ACCEPTED", "ARRIVED_AT_SHOP", "DELIVERED")) {
      await(control("/fengniao/orders/" + platformOrderId + "/events", new JsonObject().put("event", event)));
      // One at a time, so the webhook sees them in exactly this order.
      int sent = List.of("PICKED_UP", "ACCEPTED", "ARRIVED_AT_SHOP", "DELIVERED").indexOf(event) + 1;
      eventually(() -> deliveredCopies(CourierPlatform.FENGNIAO, platformOrderId) >= sent, event + " sent");
      if (event.equals("ACCEPTED")) {
        assertThat(stateOf(orderId)).isEqualTo("PICKED_UP");
      }
    }
    assertThat(stateOf(orderId)).isEqualTo("DELIVERED");
    assertThat(transitions(orderId)).containsExactly("CREATED>PICKED_UP", "PICKED_UP>DELIVERED");
    assertThat(count("SELECT COUNT(*) FROM courier_callback WHERE order_id = ? AND outcome = 'STALE'", orderId))
        .isEqualTo(2);
  }

  @Test
  void deliveredBeforePickedUpEndsDeliveredWithOneEventPerAppliedTransition() throws Exception {
    // The simulator holds each callback back and sends it after its successor: ARRIVED, ACCEPTED, DELIVERED, PICKED_UP.
    await(control("/sf", new JsonObject().put("outOfOrderCallbacks", true)));
    String orderId = newOrder();
    String platformOrderId = place(CourierPlatform.SF, orderId).platformOrderId();
    eventually(() -> deliveredCopies(CourierPlatform.SF, platformOrderId) == 4, "4 SF callbacks sent");

    assertThat(stateOf(orderId)).isEqualTo("DELIVERED");
    assertThat(transitions(orderId)).containsExactly("CREATED>ARRIVED_AT_SHOP", "ARRIVED_AT_SHOP>DELIVERED");
  }

  @Test
  void aCourierGivingUpIsAFactAndTheOrderKeepsItsState() throws Exception {
    await(control("/uu", new JsonObject().put("autoProgress", false)));
    String orderId = newOrder();
    String platformOrderId = place(CourierPlatform.UU, orderId).platformOrderId();
    await(control("/uu/orders/" + platformOrderId + "/events", new JsonObject().put("event", "ACCEPTED")));
    eventually(() -> "ACCEPTED".equals(stateOf(orderId)), "accepted");
    await(control("/uu/orders/" + platformOrderId + "/events", new JsonObject().put("event", "COURIER_GAVE_UP")));
    eventually(() -> facts(orderId).size() == 1, "give-up fact");

    assertThat(stateOf(orderId)).isEqualTo("ACCEPTED");
    assertThat(transitions(orderId)).containsExactly("CREATED>ACCEPTED");
    Row fact = facts(orderId).get(0);
    assertThat(fact.getString("outcome")).isEqualTo("GAVE_UP");
    // UU v3 has no give-up status: the order goes back to 1 (waiting for a courier).
    assertThat(fact.getString("raw_status")).isEqualTo("1");
  }

  @Test
  void aWrongSignatureIs401AndStoresNothing() throws Exception {
    String orderId = newOrder();
    double before = counter("rejected", "uu");
    // UU does not sign callbacks we can check: without the token of the URL we registered (or with another
    // merchant's), a callback is not trusted.
    UuWire otherMerchant = new UuWire(new UuWire.Credentials("uu-test", "not-the-key", "uu-test-open"), Clock.systemUTC());
    HttpResponse<Buffer> answer = await(post("/webhooks/couriers/uu", otherMerchant.callbackQuery(), uuCallback(orderId)));
    assertThat(await(post("/webhooks/couriers/uu", "", uuCallback(orderId))).statusCode()).isEqualTo(401);

    assertThat(answer.statusCode()).isEqualTo(401);
    assertThat(answer.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(count("SELECT COUNT(*) FROM courier_callback WHERE order_id = ?", orderId)).isZero();
    assertThat(count("SELECT COUNT(*) FROM delivery_order WHERE id = ? AND version > 0", orderId)).isZero();
    assertThat(stateOf(orderId)).isEqualTo("CREATED");
    assertThat(counter("rejected", "uu") - before).isEqualTo(2);
    String shansongBody = new JsonObject().put("issOrderNo", "TDH1").put("orderNo", orderId).put("status", 30).encode();
    assertThat(await(post("/webhooks/couriers/shansong", "", shansongBody)).statusCode()).isEqualTo(401);

    // SF: the signature travels in the query; a wrong one, and none at all, are refused the same way.
    String sfBody = new JsonObject().put("sf_order_id", "SF1").put("shop_order_id", orderId).put("order_status", "10")
        .put("push_time", Instant.now().getEpochSecond()).encode();
    assertThat(await(post("/webhooks/couriers/sf/status", "?sign=bm9wZQ%3D%3D", sfBody)).statusCode()).isEqualTo(401);
    assertThat(await(post("/webhooks/couriers/sf/status", "", sfBody)).statusCode()).isEqualTo(401);
    assertThat(count("SELECT COUNT(*) FROM courier_callback WHERE order_id = ?", orderId)).isZero();
  }

  @Test
  void aSignedButUnreadableCallbackIs400AndAnUnknownOrderIsAcknowledgedAndStored() throws Exception {
    UuWire uu = (UuWire) wires.wires().get(CourierPlatform.UU);
    String unreadable = uuForm(new JsonObject().put("what", "nothing we know"));
    HttpResponse<Buffer> bad = await(post("/webhooks/couriers/uu", uu.callbackQuery(), unreadable));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.getHeader("Content-Type")).isEqualTo("application/problem+json");

    String unknown = "no-such-order-" + UUID.randomUUID();
    HttpResponse<Buffer> ack = await(post("/webhooks/couriers/uu", uu.callbackQuery(), uuCallback(unknown)));
    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(ack.bodyAsJsonObject().getString("return_code")).isEqualTo("ok");
    assertThat(count("SELECT COUNT(*) FROM courier_callback WHERE order_id = ? AND outcome = 'UNKNOWN_ORDER'", unknown))
        .isEqualTo(1);
    assertThat(count("SELECT COUNT(*) FROM outbox WHERE message_key = ?", unknown)).isZero();

    assertThat(await(post("/webhooks/couriers/sf", "", "{}")).statusCode()).isEqualTo(404);
    assertThat(await(post("/webhooks/couriers/dada", "", "{}")).statusCode()).isEqualTo(404);
  }

  @Test
  void aSignedCallbackWhoseFieldsCannotBeStoredIs422NotRetryableAndChangesNothing() throws Exception {
    UuWire uu = (UuWire) wires.wires().get(CourierPlatform.UU);
    String orderId = newOrder();
    long callbacksBefore = count("SELECT COUNT(*) FROM courier_callback WHERE platform = ?", "uu");
    List<JsonObject> unstorable = List.of(
        uuBiz(orderId).put("origin_id", orderId + "x".repeat(64)),
        uuBiz(orderId).put("order_code", "U".repeat(65)),
        uuBiz(orderId).put("state", "3".repeat(17)),
        uuBiz(orderId).put("driver_name", "骑".repeat(65)),
        uuBiz(orderId).put("driver_mobile", "1".repeat(33)),
        uuBiz(orderId).put("timestamp", Long.toString(Long.MAX_VALUE)),
        uuBiz(orderId).put("timestamp", "-100000000000000"));
    for (JsonObject biz : unstorable) {
      HttpResponse<Buffer> answer = await(post("/webhooks/couriers/uu", uu.callbackQuery(), uuForm(biz)));
      assertThat(answer.statusCode()).as("answer to %s: %s", biz, answer.bodyAsString()).isEqualTo(422);
      assertThat(answer.getHeader("Content-Type")).isEqualTo("application/problem+json");
      JsonObject problem = answer.bodyAsJsonObject();
      assertThat(problem.getString("type")).endsWith("/courier-callback-unstorable");
      assertThat(problem.getBoolean("retryable")).isFalse();
    }
    assertThat(count("SELECT COUNT(*) FROM courier_callback WHERE platform = ?", "uu")).isEqualTo(callbacksBefore);
    assertThat(stateOf(orderId)).isEqualTo("CREATED");
    // The longest values the columns hold are stored (and the order moves).
    JsonObject longest = uuBiz(orderId).put("order_code", "U".repeat(64)).put("driver_name", "骑".repeat(64))
        .put("driver_mobile", "1".repeat(32));
    assertThat(await(post("/webhooks/couriers/uu", uu.callbackQuery(), uuForm(longest))).statusCode()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- helpers

  /** A UU callback as production receives it: the form parameter {@code data} holding the callback JSON. */
  private static String uuCallback(String orderId) {
    return uuForm(uuBiz(orderId));
  }

  private static JsonObject uuBiz(String orderId) {
    return new JsonObject().put("order_code", "UU-" + orderId).put("origin_id", orderId).put("state", "3")
        .put("state_text", "跑男抢单").put("driver_name", "骑手").put("driver_mobile", "13900000000")
        .put("timestamp", Long.toString(System.currentTimeMillis())).put("sign", "NOT-CHECKED");
  }

  private static String uuForm(JsonObject data) {
    return "data=" + java.net.URLEncoder.encode(data.encode(), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static Future<HttpResponse<Buffer>> post(String path, String query, String body) {
    return client.post(webhookPort, "127.0.0.1", path + query).putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(body));
  }

  private static String newOrder() throws Exception {
    String id = UUID.randomUUID().toString();
    Instant now = Instant.now();
    DeliveryOrder.Place shop = new DeliveryOrder.Place("老王面馆", "13800000001", "北京市朝阳区建国路1号",
        new BigDecimal("39.9087"), new BigDecimal("116.4605"));
    DeliveryOrder.Place customer = new DeliveryOrder.Place("张三", "13900000002", "北京市朝阳区光华路9号",
        new BigDecimal("39.9130"), new BigDecimal("116.4590"));
    await(orders.receive(new DeliveryOrder(id, "meituan", "mt-" + id, DeliveryOrder.State.CREATED, "北京市",
        new DeliveryOrder.Shop("s1", "老王面馆"), shop, customer, 800, 850, null, null, null, null,
        now, now.plus(Duration.ofMinutes(45)), now, now)));
    return id;
  }

  /** A dispatch candidate, as dispatch records it before placing: the platform may claim the order at this price. */
  private static void offer(String orderId, CourierPlatform platform, long priceFen) {
    await(pool.preparedQuery("INSERT INTO courier_placement (order_id, platform, position, state, price_fen, updated_at)"
        + " VALUES (?, ?, 0, 'PLACED', ?, ?)").execute(Tuple.of(orderId, platform.id(), priceFen,
        Times.toDb(Instant.now()))));
  }

  private static double postingsCounted(String entryType) {
    MeterRegistry registry = Meters.registry(NodeConfig.fromJson(new JsonObject()
        .put("node", new JsonObject().put("metricsRegistry", REGISTRY))));
    return registry.find("kilosail.ledger.postings").tag("entry_type", entryType).counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  /** Quotes, then places the order at the simulated platform with the quote's token, as an adapter will. */
  private static CourierOrderPlaced place(CourierPlatform platform, String orderId) throws Exception {
    CourierWire wire = wires.wires().get(platform);
    if (wire instanceof FengniaoWire fengniao) {
      // Fengniao answers only with an access token; the simulator forgets its tokens and codes on every reset.
      wire = fengniao.withAccessToken(fengniao.readToken(await(send(platform,
          fengniao.tokenRequest(fengniao.bootstrapGrant()))).bodyAsString()).accessToken());
    }
    CourierOrderRequest order = new CourierOrderRequest(orderId, "北京市",
        new CourierPlace("老王面馆", "13800000001", "北京市朝阳区建国路1号", 39.9087, 116.4605),
        new CourierPlace("张三", "13900000002", "北京市朝阳区光华路9号", 39.9130, 116.4590), 800, 3600, null, null);
    String token = wire.readQuote(await(send(platform, wire.quote(order))).bodyAsString()).quoteToken();
    CourierOrderRequest placing = order.withQuoteToken(token);
    return wire.readCreateOrder(placing, await(send(platform, wire.createOrder(placing))).bodyAsString());
  }

  private static Future<HttpResponse<Buffer>> send(CourierPlatform platform, CourierHttpRequest request) {
    var post = client.post(simulatorPort, "127.0.0.1", "/" + platform.id() + request.pathAndQuery())
        .putHeader("Content-Type", request.contentType());
    request.headers().forEach(post::putHeader);
    return post.sendBuffer(Buffer.buffer(request.body()));
  }

  private static Future<HttpResponse<Buffer>> control(String path, JsonObject body) {
    return client.post(simulatorPort, "127.0.0.1", "/_control" + path).sendJsonObject(body)
        .compose(r -> r.statusCode() / 100 == 2 ? Future.succeededFuture(r)
            : Future.failedFuture("control " + path + " answered " + r.statusCode() + " " + r.bodyAsString()));
  }

  /** How many callback posts the simulator got a 2xx for, for one of its orders. */
  private static long deliveredCopies(CourierPlatform platform, String platformOrderId) {
    JsonObject order = await(client.get(simulatorPort, "127.0.0.1",
        "/_control/" + platform.id() + "/orders/" + platformOrderId).send()).bodyAsJsonObject();
    return order.getJsonArray("callbacks").stream()
        .filter(s -> "delivered".equals(((JsonObject) s).getString("outcome")))
        .count();
  }

  private static String stateOf(String orderId) {
    return single("SELECT state FROM delivery_order WHERE id = ?", orderId).getString("state");
  }

  /** The callbacks that moved the order, in the order they were applied. */
  private static List<Row> applied(String orderId) {
    return callbacks(orderId, "outcome = 'APPLIED'");
  }

  /** The callbacks that moved nothing but that dispatch acts on (a give-up, a loser, a candidate dropping out). */
  private static List<Row> facts(String orderId) {
    return callbacks(orderId, "outcome IN ('GAVE_UP', 'DROPPED', 'NOT_HOLDER')");
  }

  private static List<Row> callbacks(String orderId, String outcome) {
    List<Row> rows = new ArrayList<>();
    await(pool.preparedQuery("SELECT platform, state, raw_status, outcome, occurred_at FROM courier_callback"
        + " WHERE order_id = ? AND " + outcome + " ORDER BY id").execute(Tuple.of(orderId))).forEach(rows::add);
    return rows;
  }

  /** Each move of the order as "from>to", from its applied callbacks (a test order starts CREATED). */
  private static List<String> transitions(String orderId) {
    List<String> moves = new ArrayList<>();
    String from = "CREATED";
    for (Row row : applied(orderId)) {
      moves.add(from + ">" + row.getString("state"));
      from = row.getString("state");
    }
    return moves;
  }

  private static Row single(String sql, String arg) {
    return await(pool.preparedQuery(sql).execute(Tuple.of(arg))).iterator().next();
  }

  private static long count(String sql, String arg) {
    return single(sql, arg).getLong(0);
  }

  private static double counter(String name, String platform) {
    MeterRegistry registry = Meters.registry(NodeConfig.fromJson(new JsonObject()
        .put("node", new JsonObject().put("metricsRegistry", REGISTRY))));
    return registry.find(CourierWebhookMetrics.PREFIX + name).tag("platform", platform).counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  private static void eventually(Supplier<Boolean> condition, String what) throws Exception {
    long deadline = System.currentTimeMillis() + 15_000;
    while (!condition.get()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(25); // the test thread, never an event loop
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
