package io.kilosail.ledger;

import io.kilosail.delivery.DeliverySaga;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.ingress.IngressVerticle;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.OrderRepository;
import io.kilosail.ledger.Ledger.Posting;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.kilosail.access.Role;
import io.kilosail.admin.AdminTokens;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static java.net.http.HttpResponse.BodyHandlers.ofString;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ledger and the settlement reports against the real embedded MariaDB, through IngressVerticle as a node deploys
 * it. Every run uses its own platform names and a period of its own in the past, so the database can be shared.
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class SettlementReportTest {

  private static final String REGISTRY = "ledger-test-" + UUID.randomUUID();
  private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
  private static final String MEITUAN = "mt-" + RUN;
  private static final String ELEME = "el-" + RUN;
  private static final String UU = "uu-" + RUN;
  private static final String SF = "sf-" + RUN;
  // A day of its own, some time between 2001 and 2013.
  private static final Instant FROM = Instant.parse("2001-01-01T00:00:00Z")
      .plus(Duration.ofDays(ThreadLocalRandom.current().nextInt(4500)));
  private static final Instant TO = FROM.plus(Duration.ofDays(1));

  private static Vertx vertx;
  private static Pool pool;
  private static OrderRepository orders;
  private static String base;
  private static String finance;
  private static final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, infra.settings().mysql());
    orders = new OrderRepository(pool, DeliverySaga.STARTS);
    IngressVerticle ingress = new IngressVerticle();
    JsonObject config = infra.config()
        .put("node", new JsonObject().put("id", "ledger-test"))
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("admin", new JsonObject().put("jwt", operatorKeys()));
    // The reports and ledgers are the finance role's (docs/security.md).
    finance = "Bearer " + AdminTokens.fromJson(vertx, config).issue("finance-test", Duration.ofMinutes(30),
        Role.FINANCE);
    await(vertx.deployVerticle(ingress, new DeploymentOptions().setConfig(config)));
    base = "http://127.0.0.1:" + ingress.actualPort();
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
  }

  @Test
  void reportTotalsEqualTheSumOfThePerOrderLedgersExactly() throws Exception {
    Instant at = FROM.plus(Duration.ofHours(11));
    List<String> inPeriod = new ArrayList<>();
    // Two deliveries for meituan, one at a loss; UU's carries a tip of 100 fen (a cost, not a second delivery).
    String o1 = newOrder(MEITUAN, 850);
    write(concat(Ledger.deliveryCompleted(o1, MEITUAN, 850, UU, 620, at), Ledger.courierTip(o1, UU, 100, at)));
    String o2 = newOrder(MEITUAN, 900);
    write(Ledger.deliveryCompleted(o2, MEITUAN, 900, SF, 1000, at.plusSeconds(60)));
    // eleme: a delivery posted at the wrong courier price, reversed and posted again.
    String o3 = newOrder(ELEME, 700);
    List<Posting> wrong = Ledger.deliveryCompleted(o3, ELEME, 700, UU, 500, at);
    write(wrong);
    write(concat(Ledger.reversal(wrong, at.plusSeconds(5)), Ledger.deliveryCompleted(o3, ELEME, 700, UU, 550, at)));
    // meituan cancels after dispatch: we charge it, SF charges us (one transaction, as the cancellation writes it).
    String o4 = newOrder(MEITUAN, 800);
    write(concat(Ledger.platformPenalty(o4, MEITUAN, 300, at), Ledger.courierPenalty(o4, SF, 200, at)));
    // eleme's order cancelled by us: only UU's penalty.
    String o5 = newOrder(ELEME, 600);
    write(Ledger.courierPenalty(o5, UU, 150, at));
    // On the edges: from is inclusive, to exclusive.
    String o6 = newOrder(MEITUAN, 1000);
    write(Ledger.deliveryCompleted(o6, MEITUAN, 1000, UU, 400, FROM));
    String o7 = newOrder(MEITUAN, 5000);
    write(Ledger.deliveryCompleted(o7, MEITUAN, 5000, UU, 4000, TO));
    inPeriod.addAll(List.of(o1, o2, o3, o4, o5, o6));

    // The per-order ledgers, each balanced.
    Map<String, List<Posting>> ledgers = new LinkedHashMap<>();
    for (String id : List.of(o1, o2, o3, o4, o5, o6, o7)) {
      List<Posting> postings = await(LedgerRepository.perOrder(pool, id));
      assertThat(Ledger.balances(postings)).as(id).isTrue();
      ledgers.put(id, postings);
    }
    assertThat(ledgers.get(o3)).hasSize(12);
    assertThat(Ledger.margin(ledgers.get(o3))).isEqualTo(150);

    // Sum the per-order postings of the period ourselves.
    List<Posting> mt = new ArrayList<>();
    List<Posting> el = new ArrayList<>();
    for (String id : inPeriod) {
      (List.of(o3, o5).contains(id) ? el : mt).addAll(ledgers.get(id));
    }
    JsonObject report = getJson("/v1/settlements?from=" + FROM + "&to=" + TO);
    JsonObject meituan = row(report.getJsonArray("platforms"), "platform", MEITUAN);
    JsonObject eleme = row(report.getJsonArray("platforms"), "platform", ELEME);
    assertPlatform(meituan, mt, 3);
    assertPlatform(eleme, el, 1);
    assertThat(meituan.getLong("deliveryFeesFen")).isEqualTo(850 + 900 + 1000);
    assertThat(meituan.getLong("penaltiesChargedFen")).isEqualTo(300);
    assertThat(meituan.getLong("courierCostsFen")).isEqualTo(620 + 100 + 1000 + 400);
    assertThat(meituan.getLong("courierPenaltiesFen")).isEqualTo(200);
    assertThat(meituan.getLong("marginFen")).isEqualTo(2750 + 300 - 2120 - 200);
    assertThat(eleme.getLong("courierCostsFen")).isEqualTo(550);
    assertThat(eleme.getLong("marginFen")).isEqualTo(700 - 550 - 150);
    // The total row is the sum of the rows.
    JsonObject total = report.getJsonObject("total");
    for (String field : List.of("deliveredOrders", "deliveryFeesFen", "penaltiesChargedFen", "receivableFen",
        "courierCostsFen", "courierPenaltiesFen", "marginFen")) {
      long sum = report.getJsonArray("platforms").stream().mapToLong(r -> ((JsonObject) r).getLong(field)).sum();
      assertThat(total.getLong(field)).as(field).isEqualTo(sum);
    }
    assertThat(report.getString("from")).isEqualTo(FROM.toString());

    // One platform only.
    JsonObject onlyEleme = getJson("/v1/settlements?platform=" + ELEME + "&from=" + FROM + "&to=" + TO);
    assertThat(onlyEleme.getJsonArray("platforms")).hasSize(1);
    assertThat(onlyEleme.getJsonObject("total").getLong("marginFen")).isEqualTo(0);

    // Couriers: what we owe each, equal to its postings in the period.
    List<Posting> all = new ArrayList<>(mt);
    all.addAll(el);
    JsonObject couriers = getJson("/v1/settlements/couriers?from=" + FROM + "&to=" + TO);
    for (String courier : List.of(UU, SF)) {
      List<Posting> its = all.stream().filter(p -> p.counterparty().equals(courier)).toList();
      JsonObject r = row(couriers.getJsonArray("couriers"), "courier", courier);
      assertThat(r.getLong("feesFen")).isEqualTo(Ledger.balance(its, Ledger.COST_COURIER));
      assertThat(r.getLong("penaltiesFen")).isEqualTo(Ledger.balance(its, Ledger.COST_PENALTY));
      assertThat(r.getLong("payableFen")).isEqualTo(-Ledger.balance(its, Ledger.PAYABLE_COURIER));
    }
    JsonObject uu = row(couriers.getJsonArray("couriers"), "courier", UU);
    assertThat(uu.getLong("deliveries")).isEqualTo(3); // o1, o3 (posted, reversed, posted), o6
    assertThat(uu.getLong("feesFen")).isEqualTo(620 + 100 + 550 + 400);
    assertThat(uu.getLong("payableFen")).isEqualTo(620 + 100 + 550 + 400 + 150);
    JsonObject onlySf = getJson("/v1/settlements/couriers?courier=" + SF + "&from=" + FROM + "&to=" + TO);
    assertThat(onlySf.getJsonArray("couriers")).hasSize(1);
    assertThat(onlySf.getJsonObject("total").getLong("payableFen")).isEqualTo(1000 + 200);

    // Margin of the platforms = what they owe us − what we owe the couriers for their orders.
    assertThat(total.getLong("marginFen")).isEqualTo(Ledger.margin(all));
    assertThat(total.getLong("receivableFen") - couriers.getJsonObject("total").getLong("payableFen"))
        .isEqualTo(Ledger.margin(all));
  }

  @Test
  void csvHasAHeaderOneRowPerCounterpartyAndATotal() throws Exception {
    Instant at = FROM.plus(Duration.ofHours(20));
    String platform = "jd-" + RUN;
    String o = newOrder(platform, 900);
    write(Ledger.deliveryCompleted(o, platform, 900, SF, 650, at));

    HttpResponse<String> byAccept = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/settlements?platform="
        + platform + "&from=" + FROM + "&to=" + TO)).header("Accept", "text/csv").header("Authorization", finance).GET()
        .build(), ofString());
    assertThat(byAccept.statusCode()).isEqualTo(200);
    assertThat(byAccept.headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8");
    assertThat(byAccept.body()).isEqualTo(
        "platform,delivered_orders,delivery_fees_fen,penalties_charged_fen,receivable_fen,courier_costs_fen,"
            + "courier_penalties_fen,margin_fen\r\n"
            + platform + ",1,900,0,900,650,0,250\r\n"
            + "TOTAL,1,900,0,900,650,0,250\r\n");

    HttpResponse<String> byFormat = get("/v1/settlements/couriers?format=csv&from=" + FROM + "&to=" + TO);
    assertThat(byFormat.statusCode()).isEqualTo(200);
    assertThat(byFormat.headers().firstValue("content-disposition").orElse("")).contains("settlements-couriers-");
    String[] lines = byFormat.body().split("\r\n");
    assertThat(lines[0]).isEqualTo("courier,deliveries,fees_fen,penalties_fen,payable_fen");
    assertThat(lines[lines.length - 1]).startsWith("TOTAL,");
    // The CSV says what the JSON says.
    JsonObject json = getJson("/v1/settlements/couriers?from=" + FROM + "&to=" + TO);
    assertThat(lines).hasSize(json.getJsonArray("couriers").size() + 2);
    JsonObject t = json.getJsonObject("total");
    assertThat(lines[lines.length - 1]).isEqualTo("TOTAL," + t.getLong("deliveries") + "," + t.getLong("feesFen") + ","
        + t.getLong("penaltiesFen") + "," + t.getLong("payableFen"));
  }

  @Test
  void badParametersAre400NamingTheParameter() throws Exception {
    assertBadRequest("/v1/settlements?to=" + TO, "'from'");
    assertBadRequest("/v1/settlements?from=" + FROM, "'to'");
    assertBadRequest("/v1/settlements?from=yesterday&to=" + TO, "'from'");
    assertBadRequest("/v1/settlements?from=" + FROM + "&to=2025-06-01", "'to'");
    assertBadRequest("/v1/settlements?from=" + TO + "&to=" + FROM, "'to'");
    assertBadRequest("/v1/settlements?platform=&from=" + FROM + "&to=" + TO, "'platform'");
    assertBadRequest("/v1/settlements/couriers?from=" + FROM, "'to'");
    assertBadRequest("/v1/settlements/couriers?courier=%20&from=" + FROM + "&to=" + TO, "'courier'");
    assertBadRequest("/v1/settlements/couriers?format=xml&from=" + FROM + "&to=" + TO, "'format'");
  }

  @Test
  void anUnbalancedWriteFailsAndTakesItsTransactionWithIt() {
    String o = newOrder(MEITUAN, 850);
    List<Posting> lopsided = List.of(new Posting(o, Ledger.DELIVERY_COMPLETED, Ledger.RECEIVABLE_PLATFORM, MEITUAN,
        850, FROM.plusSeconds(1)));
    Throwable failure = awaitFailure(() -> pool.withTransaction(conn -> LedgerRepository.write(conn,
            Ledger.platformPenalty(o, MEITUAN, 100, FROM.plusSeconds(1)))
        .compose(x -> LedgerRepository.write(conn, lopsided))));

    assertThat(failure).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sum to 850 fen");
    assertThat(await(LedgerRepository.perOrder(pool, o))).isEmpty();
    assertThat(await(pool.preparedQuery("SELECT COUNT(*) FROM ledger_entry WHERE order_id = ?").execute(Tuple.of(o)))
        .iterator().next().getLong(0)).isZero();
  }

  @Test
  void anOrdersLedgerSaysWhetherItBalancesAndMetersCountAfterCommit() throws Exception {
    double postingsBefore = counted("kilosail.ledger.postings", "entry_type", Ledger.COURIER_PENALTY);
    double paidBefore = counted("kilosail.ledger.penalties.paid", null, null);
    double earnedBefore = counted("kilosail.ledger.penalties.earned", null, null);
    String o = newOrder(MEITUAN, 850);
    Instant at = FROM.plus(Duration.ofHours(3));
    write(concat(Ledger.platformPenalty(o, MEITUAN, 300, at), Ledger.courierPenalty(o, UU, 200, at)));

    JsonObject ledger = getJson("/v1/orders/" + o + "/ledger");
    assertThat(ledger.getString("orderId")).isEqualTo(o);
    assertThat(ledger.getJsonArray("postings")).hasSize(4);
    assertThat(ledger.getJsonArray("postings").getJsonObject(0).getString("occurredAt")).isEqualTo(at.toString());
    assertThat(ledger.getBoolean("balanced")).isTrue();
    assertThat(ledger.getLong("sumFen")).isZero();
    assertThat(ledger.getLong("receivableFen")).isEqualTo(300);
    assertThat(ledger.getLong("payableFen")).isEqualTo(200);
    assertThat(ledger.getLong("marginFen")).isEqualTo(100);

    String fresh = newOrder(MEITUAN, 850);
    JsonObject empty = getJson("/v1/orders/" + fresh + "/ledger");
    assertThat(empty.getJsonArray("postings")).isEmpty();
    assertThat(empty.getBoolean("balanced")).isTrue();
    HttpResponse<String> unknown = get("/v1/orders/" + UUID.randomUUID() + "/ledger");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.headers().firstValue("content-type")).hasValue("application/problem+json");

    assertThat(counted("kilosail.ledger.postings", "entry_type", Ledger.COURIER_PENALTY) - postingsBefore).isEqualTo(2);
    assertThat(counted("kilosail.ledger.penalties.paid", null, null) - paidBefore).isEqualTo(200);
    assertThat(counted("kilosail.ledger.penalties.earned", null, null) - earnedBefore).isEqualTo(300);
  }

  // ---------------------------------------------------------------- helpers

  private static void assertPlatform(JsonObject row, List<Posting> postings, long delivered) {
    assertThat(row.getLong("deliveredOrders")).isEqualTo(delivered);
    assertThat(row.getLong("deliveryFeesFen")).isEqualTo(-Ledger.balance(postings, Ledger.REVENUE_DELIVERY));
    assertThat(row.getLong("penaltiesChargedFen")).isEqualTo(-Ledger.balance(postings, Ledger.REVENUE_PENALTY));
    assertThat(row.getLong("receivableFen")).isEqualTo(Ledger.balance(postings, Ledger.RECEIVABLE_PLATFORM));
    assertThat(row.getLong("courierCostsFen")).isEqualTo(Ledger.balance(postings, Ledger.COST_COURIER));
    assertThat(row.getLong("courierPenaltiesFen")).isEqualTo(Ledger.balance(postings, Ledger.COST_PENALTY));
    assertThat(row.getLong("marginFen")).isEqualTo(Ledger.margin(postings));
  }

  private static JsonObject row(JsonArray rows, String key, String name) {
    return rows.stream().map(JsonObject.class::cast).filter(r -> name.equals(r.getString(key))).findFirst()
        .orElseThrow(() -> new AssertionError("no row " + name + " in " + rows.encode()));
  }

  private static void assertBadRequest(String path, String parameter) throws Exception {
    HttpResponse<String> answer = get(path);
    assertThat(answer.statusCode()).as(path).isEqualTo(400);
    assertThat(answer.headers().firstValue("content-type")).hasValue("application/problem+json");
    assertThat(new JsonObject(answer.body()).getString("detail")).as(path).contains(parameter);
  }

  /** Writes postings in one transaction from inside a verticle of this node, as the webhook and cancellation do. */
  private static void write(List<Posting> postings) {
    await(vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        return pool.withTransaction(conn -> LedgerRepository.write(conn, postings));
      }
    }, new DeploymentOptions().setConfig(new JsonObject()
        .put("node", new JsonObject().put("metricsRegistry", REGISTRY)))).compose(vertx::undeploy));
  }

  private static double counted(String name, String tag, String value) {
    MeterRegistry registry = Meters.registry(NodeConfig.fromJson(new JsonObject()
        .put("node", new JsonObject().put("metricsRegistry", REGISTRY))));
    var search = registry.find(name);
    if (tag != null) {
      search = search.tag(tag, value);
    }
    return search.counters().stream().mapToDouble(c -> c.count()).sum();
  }

  private static String newOrder(String platform, long deliveryFeeFen) {
    String id = UUID.randomUUID().toString();
    Instant now = Instant.now();
    DeliveryOrder.Place shop = new DeliveryOrder.Place("老王面馆", "13800000001", "北京市朝阳区建国路1号",
        new BigDecimal("39.9087"), new BigDecimal("116.4605"));
    DeliveryOrder.Place customer = new DeliveryOrder.Place("张三", "13900000002", "北京市朝阳区光华路9号",
        new BigDecimal("39.9130"), new BigDecimal("116.4590"));
    await(orders.receive(new DeliveryOrder(id, platform, "po-" + id, DeliveryOrder.State.CREATED, "北京市",
        new DeliveryOrder.Shop("s1", "老王面馆"), shop, customer, 800, deliveryFeeFen, null, null, null, null,
        now, now.plus(Duration.ofMinutes(45)), now, now)));
    return id;
  }

  @SafeVarargs
  private static List<Posting> concat(List<Posting>... lists) {
    List<Posting> all = new ArrayList<>();
    for (List<Posting> list : lists) {
      all.addAll(list);
    }
    return all;
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", finance).GET().build(),
        ofString());
  }

  private static JsonObject operatorKeys() throws Exception {
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    java.security.KeyPair pair = generator.generateKeyPair();
    java.util.Base64.Encoder pem = java.util.Base64.getMimeEncoder(64, new byte[] {'\n'});
    return new JsonObject()
        .put("publicKey", "-----BEGIN PUBLIC KEY-----\n" + pem.encodeToString(pair.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n")
        .put("privateKey", "-----BEGIN PRIVATE KEY-----\n" + pem.encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
  }

  private static JsonObject getJson(String path) throws Exception {
    HttpResponse<String> answer = get(path);
    assertThat(answer.statusCode()).as(path + " " + answer.body()).isEqualTo(200);
    return new JsonObject(answer.body());
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Throwable awaitFailure(Supplier<Future<?>> work) {
    try {
      work.get().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
