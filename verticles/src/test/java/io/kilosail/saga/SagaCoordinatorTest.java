package io.kilosail.saga;

import io.kilosail.admin.AdminTokens;
import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.contracts.saga.SagaView;
import io.kilosail.infra.Clients;
import io.kilosail.ingress.IngressVerticle;
import io.kilosail.saga.CreateOrderSaga.Data;
import io.kilosail.saga.participants.AccountService;
import io.kilosail.saga.participants.GoodsService;
import io.kilosail.saga.participants.Participants;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static java.net.http.HttpResponse.BodyHandlers.ofString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The coordinator against real MariaDB and real service proxies: seed 003's CreateOrderSaga through every outcome,
 * timeouts, retries, parallel branches, awaited events, and a coordinator killed in the middle of 200 sagas.
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class SagaCoordinatorTest {

  private static Vertx vertx;
  private static Pool pool;
  private static Participants participants;
  private static SagaCoordinatorService coordinator;
  private static DeploymentOptions options;
  private static List<SagaDefinition<?>> definitions;
  private static String deployment;
  private static final String EARLY_FACT_TYPE = "early-fact";

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, infra.settings().mysql());
    await(Participants.createTables(pool));
    participants = new Participants(vertx, pool);
    await(participants.register());
    CreateOrderSaga saga = new CreateOrderSaga(pool, GoodsService.createProxy(vertx), AccountService.createProxy(vertx),
        Duration.ofMillis(1500));
    definitions = List.of(saga.definition(), saga.parallelDefinition(),
        saga.awaitingPaymentDefinition(Duration.ofMillis(1500)),
        // A slow step before the wait, so that a fact can arrive while the saga is still on its way to it.
        Saga.define(EARLY_FACT_TYPE, Data.class)
            .step("slow").invokeLocal((d, step) -> vertx.timer(800))
            .step("await-payment").awaitEvent("payment.succeeded", Duration.ofSeconds(10),
                (d, payment) -> d.amount = payment.getLong("amount"))
            .build());
    options = new DeploymentOptions().setConfig(infra.config()
        .put("node", new JsonObject().put("id", "saga-test"))
        .put("saga", new JsonObject().put("leaseMs", 2000).put("scanIntervalMs", 100)));
    deployment = await(vertx.deployVerticle(new SagaCoordinatorVerticle(definitions), options));
    coordinator = SagaCoordinatorService.createProxy(vertx, SagaCoordinatorService.ADDRESS);
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  // ------------------------------------------------------------ seed 003's four outcomes

  @Test
  void happyPathCompletesWithEveryEffectOnce() throws Exception {
    long goods = newGoods(10);
    String customer = newCustomer(1_000);
    SagaView saga = run(CreateOrderSaga.TYPE, new Data(orderId(), customer, goods, 2, 300));

    assertThat(saga.getState()).isEqualTo("COMPLETED");
    assertThat(effects(saga.getId())).containsExactly("create", "reserve-goods", "reserve-credit", "approve");
    assertThat(stock(goods)).isEqualTo(8);
    assertThat(reserved(customer)).isEqualTo(300);
    assertThat(orderState(saga)).isEqualTo("APPROVED");
  }

  @Test
  void goodsNotFoundCompensatesTheOrderOnly() throws Exception {
    SagaView saga = run(CreateOrderSaga.TYPE, new Data(orderId(), newCustomer(1_000), 424242L + random(), 1, 10));

    assertThat(saga.getState()).isEqualTo("COMPENSATED");
    assertThat(effects(saga.getId())).containsExactly("create", "reject");
    assertThat(saga.getData().getString("rejectionReason")).isEqualTo("GOODS_NOT_FOUND");
    assertThat(orderState(saga)).isEqualTo("REJECTED");
  }

  @Test
  void stockLimitCompensatesTheOrderOnly() throws Exception {
    long goods = newGoods(3);
    SagaView saga = run(CreateOrderSaga.TYPE, new Data(orderId(), newCustomer(1_000), goods, 5, 10));

    assertThat(saga.getState()).isEqualTo("COMPENSATED");
    assertThat(effects(saga.getId())).containsExactly("create", "reject");
    assertThat(saga.getData().getString("rejectionReason")).isEqualTo("GOODS_STOCK_LIMIT");
    assertThat(stock(goods)).isEqualTo(3);
  }

  @Test
  void creditLimitExceededReleasesGoodsThenRejectsInReverseOrder() throws Exception {
    long goods = newGoods(10);
    String customer = newCustomer(100);
    SagaView saga = run(CreateOrderSaga.TYPE, new Data(orderId(), customer, goods, 4, 500));

    assertThat(saga.getState()).isEqualTo("COMPENSATED");
    assertThat(effects(saga.getId())).containsExactly("create", "reserve-goods", "release-goods", "reject");
    assertThat(saga.getData().getString("rejectionReason")).isEqualTo("CREDIT_LIMIT_EXCEEDED");
    assertThat(stock(goods)).isEqualTo(10);
    assertThat(reserved(customer)).isZero();
  }

  // ------------------------------------------------------------ timeouts and retries

  @Test
  void aParticipantThatNeverAnswersTripsTheTimeoutAndCompensation() throws Exception {
    SagaView saga = run(CreateOrderSaga.TYPE, new Data(orderId(), newCustomer(1_000), Participants.HANGING_GOODS, 1, 10));

    assertThat(saga.getState()).isEqualTo("COMPENSATED");
    assertThat(saga.getTimeline().stream().map(JsonObject.class::cast)
        .filter(e -> e.getString("step").equals("reserve-goods") && e.getString("phase").equals("ACTION"))
        .map(e -> e.getString("outcome")).toList()).containsExactly("TIMED_OUT", "TIMED_OUT", "TIMED_OUT");
    // The timed-out step is compensated too; its barrier makes that a no-op, as the action never took effect.
    assertThat(effects(saga.getId())).containsExactly("create", "reject");
  }

  @Test
  void aFlakyParticipantIsRetriedAndTheSagaCompletes() throws Exception {
    long goods = Participants.FLAKY_GOODS;
    await(pool.preparedQuery("INSERT INTO test_goods (id, stock) VALUES (?, 1000000) ON DUPLICATE KEY UPDATE stock = stock")
        .execute(Tuple.of(goods)));
    SagaView saga = run(CreateOrderSaga.TYPE, new Data(orderId(), newCustomer(1_000), goods, 1, 10));

    assertThat(saga.getState()).isEqualTo("COMPLETED");
    assertThat(saga.getTimeline().stream().map(JsonObject.class::cast)
        .filter(e -> e.getString("step").equals("reserve-goods"))
        .map(e -> e.getString("outcome")).toList()).containsExactly("FAILED", "FAILED", "SUCCEEDED");
    assertThat(effects(saga.getId())).containsExactly("create", "reserve-goods", "reserve-credit", "approve");
  }

  // ------------------------------------------------------------ parallel branches and events

  @Test
  void aFailingBranchCompensatesTheOtherBranch() throws Exception {
    long goods = newGoods(10);
    String customer = newCustomer(100);
    SagaView saga = run(CreateOrderSaga.PARALLEL_TYPE, new Data(orderId(), customer, goods, 2, 500));

    assertThat(saga.getState()).isEqualTo("COMPENSATED");
    assertThat(effects(saga.getId())).containsExactlyInAnyOrder("create", "reserve-goods", "release-goods", "reject");
    assertThat(effects(saga.getId())).endsWith("release-goods", "reject");
    assertThat(stock(goods)).isEqualTo(10);
    assertThat(reserved(customer)).isZero();
  }

  @Test
  void parallelBranchesBothSucceedThenApprove() throws Exception {
    long goods = newGoods(10);
    String customer = newCustomer(1_000);
    SagaView saga = run(CreateOrderSaga.PARALLEL_TYPE, new Data(orderId(), customer, goods, 2, 500));

    assertThat(saga.getState()).isEqualTo("COMPLETED");
    assertThat(effects(saga.getId())).containsExactlyInAnyOrder("create", "reserve-goods", "reserve-credit", "approve");
    assertThat(effects(saga.getId())).endsWith("approve");
  }

  @Test
  void anAwaitedEventResumesTheSagaAndALateDuplicateChangesNothing() throws Exception {
    Data data = new Data(orderId(), "c", 0, 0, 0);
    String id = await(coordinator.start(CreateOrderSaga.PAYMENT_TYPE, data.orderId, JsonObject.mapFrom(data)));
    awaitState(id, "WAITING");

    JsonObject payment = new JsonObject().put("amount", 1234);
    assertThat(await(coordinator.signal(CreateOrderSaga.PAYMENT_TYPE, data.orderId, "payment.succeeded", payment))).isTrue();
    SagaView saga = awaitTerminal(id);
    assertThat(saga.getState()).isEqualTo("COMPLETED");
    assertThat(saga.getData().getLong("amount")).isEqualTo(1234);
    assertThat(await(coordinator.signal(CreateOrderSaga.PAYMENT_TYPE, data.orderId, "payment.succeeded", payment))).isFalse();
    assertThat(effects(id)).containsExactly("create", "approve");
  }

  @Test
  void aFactKeptInTheTransactionThatRecordsItResumesTheWaitingSaga() throws Exception {
    Data data = new Data(orderId(), "c", 0, 0, 0);
    String id = await(coordinator.start(CreateOrderSaga.PAYMENT_TYPE, data.orderId, JsonObject.mapFrom(data)));
    awaitState(id, "WAITING");
    // Twice, as a webhook retried by its sender would be: the second changes nothing.
    await(pool.withTransaction(conn -> SagaSignals.keep(conn, CreateOrderSaga.PAYMENT_TYPE, data.orderId,
        "payment.succeeded", new JsonObject().put("amount", 99))));
    await(pool.withTransaction(conn -> SagaSignals.keep(conn, CreateOrderSaga.PAYMENT_TYPE, data.orderId,
        "payment.succeeded", new JsonObject().put("amount", 98))));
    SagaView saga = awaitTerminal(id);
    assertThat(saga.getState()).isEqualTo("COMPLETED");
    assertThat(saga.getData().getLong("amount")).isEqualTo(99);
    assertThat(effects(id)).containsExactly("create", "approve");
  }

  @Test
  void aFactKeptInATransactionThatRolledBackNeverReachesTheSaga() throws Exception {
    Data data = new Data(orderId(), "c", 0, 0, 0);
    String id = await(coordinator.start(CreateOrderSaga.PAYMENT_TYPE, data.orderId, JsonObject.mapFrom(data)));
    awaitState(id, "WAITING");
    assertThatThrownBy(() -> await(pool.withTransaction(conn -> SagaSignals.keep(conn, CreateOrderSaga.PAYMENT_TYPE,
            data.orderId, "payment.succeeded", new JsonObject().put("amount", 99))
        .compose(x -> Future.failedFuture(new IllegalStateException("the fact's own write failed"))))))
        .hasMessageContaining("the fact's own write failed");
    // Nothing was kept and no nudge went out: the saga still waits, with nothing taken (its wait outlasts this check).
    Thread.sleep(500);
    assertThat(await(pool.preparedQuery("SELECT COUNT(*) FROM saga_pending_signal WHERE business_key = ?")
        .execute(io.vertx.sqlclient.Tuple.of(data.orderId))).iterator().next().getLong(0)).isZero();
    SagaView saga = await(coordinator.find(id));
    assertThat(saga.getState()).isEqualTo("WAITING");
    assertThat(saga.getData().getLong("amount")).isNotEqualTo(99);
  }

  @Test
  void aFailingEventEndsTheWaitAndCompensatesAtOnce() throws Exception {
    Data data = new Data(orderId(), "c", 0, 0, 0);
    String id = await(coordinator.start(CreateOrderSaga.PAYMENT_TYPE, data.orderId, JsonObject.mapFrom(data)));
    awaitState(id, "WAITING");

    assertThat(await(coordinator.signal(CreateOrderSaga.PAYMENT_TYPE, data.orderId, "payment.failed",
        new JsonObject().put("reason", "card declined")))).isTrue();
    SagaView saga = awaitTerminal(id);
    assertThat(saga.getState()).isEqualTo("COMPENSATED");
    assertThat(saga.getLastError()).isEqualTo("payment.failed: card declined");
    assertThat(effects(id)).containsExactly("create", "reject");
  }

  @Test
  void aFactThatArrivesBeforeTheWaitIsKeptAndTakenWhenTheSagaGetsThere() throws Exception {
    Data data = new Data(orderId(), "c", 0, 0, 0);
    String id = await(coordinator.start(EARLY_FACT_TYPE, data.orderId, JsonObject.mapFrom(data)));
    assertThat(await(coordinator.find(id)).getState()).isEqualTo("RUNNING");

    // Not taken now (the saga is in its slow step), but not lost either.
    assertThat(await(coordinator.signal(EARLY_FACT_TYPE, data.orderId, "payment.succeeded",
        new JsonObject().put("amount", 4321)))).isFalse();
    SagaView saga = awaitTerminal(id);
    assertThat(saga.getState()).isEqualTo("COMPLETED");
    assertThat(saga.getData().getLong("amount")).isEqualTo(4321);
  }

  @Test
  void anEventThatNeverComesTimesOutAndCompensates() throws Exception {
    Data data = new Data(orderId(), "c", 0, 0, 0);
    String id = await(coordinator.start(CreateOrderSaga.PAYMENT_TYPE, data.orderId, JsonObject.mapFrom(data)));
    SagaView saga = awaitTerminal(id);

    assertThat(saga.getState()).isEqualTo("COMPENSATED");
    assertThat(saga.getLastError()).contains("timed out waiting for payment.succeeded");
    assertThat(effects(id)).containsExactly("create", "reject");
  }

  @Test
  void anOperatorAndTheAwaitedEventRacingLeaveOneOutcomeAndNoStall() throws Exception {
    JsonObject payment = new JsonObject().put("amount", 77);
    List<String> ids = new ArrayList<>();
    List<Data> orders = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Data data = new Data(orderId(), "c", 0, 0, 0);
      orders.add(data);
      ids.add(await(coordinator.start(CreateOrderSaga.PAYMENT_TYPE, data.orderId, JsonObject.mapFrom(data))));
    }
    for (String id : ids) {
      awaitState(id, "WAITING");
    }
    long raced = System.currentTimeMillis();
    List<Future<?>> contenders = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      // Both at once: the version guard lets exactly one transition through; the loser is told, never half-applied.
      contenders.add(coordinator.forceCompensate(ids.get(i)).recover(err -> Future.succeededFuture()));
      contenders.add(coordinator.signal(CreateOrderSaga.PAYMENT_TYPE, orders.get(i).orderId, "payment.succeeded",
          payment));
    }
    await(Future.join(contenders).recover(err -> Future.succeededFuture()));

    for (String id : ids) {
      SagaView saga = awaitTerminal(id);
      if (saga.getState().equals("COMPLETED")) {
        assertThat(effects(id)).containsExactly("create", "approve");
      } else {
        // The operator either stopped the wait, or (retrying a transition the event won) the run that followed it.
        assertThat(saga.getState()).isEqualTo("COMPENSATED");
        assertThat(effects(id)).startsWith("create").endsWith("reject").doesNotHaveDuplicates();
      }
    }
    // The winner goes on at once; a winner evicted by the loser would sit until its lease (2 s here) ran out.
    assertThat(System.currentTimeMillis() - raced).as("every saga ended without waiting for a lease").isLessThan(1_900);
  }

  // ------------------------------------------------------------ idempotence, operations, errors

  @Test
  void startingTheSameSagaTwiceStartsItOnce() throws Exception {
    Data data = new Data(orderId(), newCustomer(1_000), newGoods(10), 1, 10);
    String first = await(coordinator.start(CreateOrderSaga.TYPE, data.orderId, JsonObject.mapFrom(data)));
    String second = await(coordinator.start(CreateOrderSaga.TYPE, data.orderId, JsonObject.mapFrom(data)));
    assertThat(second).isEqualTo(first);
    awaitTerminal(first);
    assertThat(await(coordinator.findByBusinessKey(data.orderId))).hasSize(1);
    assertThat(effects(first)).containsExactly("create", "reserve-goods", "reserve-credit", "approve");
  }

  @Test
  void forceCompensatingAWaitingSagaUndoesItsSteps() throws Exception {
    Data data = new Data(orderId(), "c", 0, 0, 0);
    String id = await(coordinator.start(CreateOrderSaga.PAYMENT_TYPE, data.orderId, JsonObject.mapFrom(data)));
    awaitState(id, "WAITING");
    await(coordinator.forceCompensate(id));
    SagaView saga = awaitTerminal(id);
    assertThat(saga.getState()).isEqualTo("COMPENSATED");
    assertThat(saga.getLastError()).contains("forced by an operator");
    assertThat(effects(id)).containsExactly("create", "reject");
  }

  @Test
  void unknownTypesAndSagasAreClearFailures() {
    assertThatThrownBy(() -> await(coordinator.start("no-such-saga", "k", new JsonObject())))
        .hasCauseInstanceOf(ServiceException.class).hasMessageContaining("no saga type 'no-such-saga'");
    assertThatThrownBy(() -> await(coordinator.find(UUID.randomUUID().toString())))
        .hasMessageContaining("no saga");
    assertThatThrownBy(() -> await(coordinator.start(CreateOrderSaga.TYPE, "k-" + random(),
        new JsonObject().put("quantity", "many"))))
        .hasMessageContaining("data does not fit Data");
  }

  @Test
  void operatorsSeeAndActOnSagasOverHttp() throws Exception {
    JsonObject config = options.getConfig().copy()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("admin", new JsonObject().put("jwt", operatorKeys()));
    String token = AdminTokens.fromJson(vertx, config).issue("ops-test", Duration.ofMinutes(10),
        io.kilosail.access.Role.OPS);
    IngressVerticle ingress = new IngressVerticle();
    String http = await(vertx.deployVerticle(ingress, new DeploymentOptions(options).setConfig(config)));
    try {
      HttpClient client = HttpClient.newHttpClient();
      java.util.function.Function<URI, HttpRequest.Builder> asOperator =
          uri -> HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token);
      String base = "http://127.0.0.1:" + ingress.actualPort() + "/v1/admin/sagas";
      Data data = new Data(orderId(), "c", 0, 0, 0);
      HttpResponse<String> anonymous = client.send(HttpRequest.newBuilder(URI.create(base + "?businessKey=x")).build(),
          ofString());
      assertThat(anonymous.statusCode()).as("no operator token").isEqualTo(401);
      assertThat(new JsonObject(anonymous.body()).getString("type")).endsWith("/admin-token");
      String id = await(coordinator.start(CreateOrderSaga.PAYMENT_TYPE, data.orderId, JsonObject.mapFrom(data)));
      awaitState(id, "WAITING");

      HttpResponse<String> one = client.send(asOperator.apply(URI.create(base + "/" + id)).build(), ofString());
      assertThat(one.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(one.body()).getString("awaitingEvent")).isEqualTo("payment.succeeded");
      HttpResponse<String> byKey = client.send(asOperator.apply(URI.create(base + "?businessKey=" + data.orderId))
          .build(), ofString());
      assertThat(new JsonArray(byKey.body())).hasSize(1);

      HttpResponse<String> retry = client.send(asOperator.apply(URI.create(base + "/" + id + "/retry"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), ofString());
      assertThat(retry.statusCode()).as(retry.body()).isEqualTo(409);
      assertThat(retry.headers().firstValue("content-type")).hasValue("application/problem+json");
      assertThat(new JsonObject(retry.body()).getString("detail")).contains("is WAITING");

      HttpResponse<String> forged = client.send(HttpRequest.newBuilder(URI.create(base + "/" + id + "/compensate"))
          .header("Authorization", "Bearer " + token.substring(0, token.length() - 4) + "AAAA")
          .POST(HttpRequest.BodyPublishers.noBody()).build(), ofString());
      assertThat(forged.statusCode()).as(forged.body()).isEqualTo(401);
      assertThat(await(coordinator.find(id)).getState()).as("a refused request changes nothing").isEqualTo("WAITING");

      HttpResponse<String> compensate = client.send(asOperator.apply(URI.create(base + "/" + id + "/compensate"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), ofString());
      assertThat(compensate.statusCode()).as(compensate.body()).isEqualTo(200);
      assertThat(awaitTerminal(id).getState()).isEqualTo("COMPENSATED");

      HttpResponse<String> missing = client.send(asOperator.apply(URI.create(base + "/" + UUID.randomUUID()))
          .build(), ofString());
      assertThat(missing.statusCode()).isEqualTo(404);
      HttpResponse<String> noKey = client.send(asOperator.apply(URI.create(base)).build(), ofString());
      assertThat(noKey.statusCode()).isEqualTo(400);
      assertThat(new JsonObject(noKey.body()).getString("detail")).contains("businessKey");
    } finally {
      await(vertx.undeploy(http));
    }
  }

  /** A fresh RSA key pair as the admin.jwt section wants it (PEM). */
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

  // ------------------------------------------------------------ crash recovery

  @Test
  void sagasInFlightWhenTheCoordinatorDiesAreFinishedByANewOneWithNoEffectTwice() throws Exception {
    long goods = newGoods(100_000);
    String customer = newCustomer(100_000_000);
    participants.delayMs = 40;
    List<String> ids = new ArrayList<>();
    try {
      for (int i = 0; i < 200; i++) {
        // Every fifth order exceeds the credit limit's share, to have compensations in flight too.
        Data data = new Data(orderId(), i % 5 == 0 ? newCustomer(1) : customer, goods, 1, 10);
        ids.add(await(coordinator.start(CreateOrderSaga.TYPE, data.orderId, JsonObject.mapFrom(data))));
      }
      await(vertx.undeploy(deployment));
      long inFlight = await(pool.query("SELECT COUNT(*) FROM saga_instance WHERE state IN ('RUNNING', 'COMPENSATING')"
          + " AND id IN ('" + String.join("','", ids) + "')").execute()).iterator().next().getLong(0);
      assertThat(inFlight).as("sagas left in flight by the dead coordinator").isPositive();

      deployment = await(vertx.deployVerticle(new SagaCoordinatorVerticle(definitions), options));
      int completed = 0;
      for (String id : ids) {
        SagaView saga = awaitTerminal(id);
        List<String> effects = effects(id);
        assertThat(new HashSet<>(effects)).as("no effect twice in %s: %s", id, effects).hasSameSizeAs(effects);
        if (saga.getState().equals("COMPLETED")) {
          completed++;
          assertThat(effects).containsExactly("create", "reserve-goods", "reserve-credit", "approve");
        } else {
          assertThat(saga.getState()).isEqualTo("COMPENSATED");
          assertThat(effects).containsExactly("create", "reserve-goods", "release-goods", "reject");
        }
      }
      assertThat(completed).isEqualTo(160);
      assertThat(stock(goods)).isEqualTo(100_000 - completed);
    } finally {
      participants.delayMs = 0;
    }
  }

  // ------------------------------------------------------------ helpers

  private static SagaView run(String type, Data data) throws Exception {
    return awaitTerminal(await(coordinator.start(type, data.orderId, JsonObject.mapFrom(data))));
  }

  private static SagaView awaitTerminal(String id) throws Exception {
    Set<String> terminal = Set.of("COMPLETED", "COMPENSATED", "FAILED");
    long deadline = System.currentTimeMillis() + 30_000;
    SagaView saga = await(coordinator.find(id));
    while (!terminal.contains(saga.getState()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      saga = await(coordinator.find(id));
    }
    assertThat(saga.getState()).as("saga %s did not end: %s", id, saga.toJson()).isIn(terminal);
    return saga;
  }

  private static void awaitState(String id, String state) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!state.equals(await(coordinator.find(id)).getState()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(await(coordinator.find(id)).getState()).isEqualTo(state);
  }

  private static List<String> effects(String sagaId) throws Exception {
    List<String> effects = new ArrayList<>();
    await(pool.preparedQuery("SELECT effect FROM test_effect_log WHERE saga_id = ? ORDER BY id").execute(Tuple.of(sagaId)))
        .forEach(r -> effects.add(r.getString(0)));
    return effects;
  }

  private static long random() {
    return ThreadLocalRandom.current().nextLong(1, 1_000_000_000L);
  }

  private static String orderId() {
    return "order-" + UUID.randomUUID();
  }

  private static long newGoods(int stock) throws Exception {
    long id = 10_000 + random();
    await(pool.preparedQuery("INSERT INTO test_goods (id, stock) VALUES (?, ?)").execute(Tuple.of(id, stock)));
    return id;
  }

  private static String newCustomer(long creditLimit) throws Exception {
    String id = "customer-" + UUID.randomUUID();
    await(pool.preparedQuery("INSERT INTO test_account (customer_id, credit_limit, reserved) VALUES (?, ?, 0)")
        .execute(Tuple.of(id, creditLimit)));
    return id;
  }

  private static int stock(long goods) throws Exception {
    return await(pool.preparedQuery("SELECT stock FROM test_goods WHERE id = ?").execute(Tuple.of(goods)))
        .iterator().next().getInteger(0);
  }

  private static long reserved(String customer) throws Exception {
    return await(pool.preparedQuery("SELECT reserved FROM test_account WHERE customer_id = ?").execute(Tuple.of(customer)))
        .iterator().next().getLong(0);
  }

  private static String orderState(SagaView saga) throws Exception {
    return await(pool.preparedQuery("SELECT state FROM test_order WHERE id = ?")
        .execute(Tuple.of(saga.getData().getString("orderId")))).iterator().next().getString(0);
  }
}
