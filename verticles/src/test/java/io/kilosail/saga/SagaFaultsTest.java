package io.kilosail.saga;

import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.contracts.saga.SagaView;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Times;
import io.kilosail.saga.CreateOrderSaga.Data;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The saga engine under faults: a kept fact whose deliveries all failed, a wait whose purpose was met although its
 * signal never came, and a coordinator that stops with sagas in flight.
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class SagaFaultsTest {

  private static final String KEPT_FACT_TYPE = "faults-kept-fact";
  private static final String SHORT_WAIT_TYPE = "faults-short-wait";
  private static final String HAND_BACK_TYPE = "faults-hand-back";

  private static Vertx vertx;
  private static Pool pool;
  private static JsonObject config;
  private static List<SagaDefinition<?>> definitions;
  private static String deployment;
  private static SagaCoordinatorService coordinator;
  /** While true, the hand-back saga's first step never answers (a participant still working when the node stops). */
  private static volatile boolean holding = true;
  private static final AtomicInteger holdCalls = new AtomicInteger();
  /** Orders the short-wait saga's guard finds "delivered". */
  private static final Set<String> doneAnyway = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, infra.settings().mysql());
    definitions = List.of(
        Saga.define(KEPT_FACT_TYPE, Data.class)
            .step("await-payment").awaitEvent("payment.succeeded", Duration.ofMinutes(5),
                (d, payment) -> d.amount = payment.getLong("amount"))
            .build(),
        Saga.define(SHORT_WAIT_TYPE, Data.class)
            .step("await-payment").awaitEvent("payment.succeeded", Duration.ofSeconds(1), (d, payment) -> { })
                .withCompensation((d, step) -> Future.succeededFuture())
            .beforeCompensating(d -> Future.succeededFuture(doneAnyway.contains(d.orderId)))
            .build(),
        Saga.define(HAND_BACK_TYPE, Data.class)
            .step("hold").invokeLocal((d, step) -> {
              holdCalls.incrementAndGet();
              return holding ? Promise.promise().future() : Future.succeededFuture();
            }).timeout(Duration.ofSeconds(20))
            .step("after").invokeLocal((d, step) -> Future.succeededFuture())
            .build());
    config = infra.config()
        .put("saga", new JsonObject().put("leaseMs", 30_000).put("scanIntervalMs", 100).put("stopDrainMs", 300)
            .put("address", "saga-faults.a"));
    deployment = deploy("faults-a", "saga-faults.a");
    coordinator = SagaCoordinatorService.createProxy(vertx, "saga-faults.a");
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  private static String deploy(String nodeId, String address) throws Exception {
    JsonObject nodeConfig = config.copy().put("node", new JsonObject().put("id", nodeId));
    nodeConfig.getJsonObject("saga").put("address", address);
    return await(vertx.deployVerticle(new SagaCoordinatorVerticle(definitions),
        new DeploymentOptions().setConfig(nodeConfig)));
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void aKeptSignalThatNoReadDeliveredIsDeliveredByTheScanWithinSeconds() throws Exception {
    Data data = new Data(orderId(), "c", 0, 0, 0);
    String id = await(coordinator.start(KEPT_FACT_TYPE, data.orderId, JsonObject.mapFrom(data)));
    awaitState(coordinator, id, "WAITING");

    // What the signal leaves behind when both reads that should have delivered it failed (the signal's own look at the
    // saga after keeping the fact, and the park's read of kept facts): the fact kept, the saga waiting for it.
    long kept = System.currentTimeMillis();
    await(pool.preparedQuery("INSERT INTO saga_pending_signal (saga_type, business_key, event_type, payload,"
            + " received_at) VALUES (?, ?, ?, ?, ?)")
        .execute(Tuple.of(KEPT_FACT_TYPE, data.orderId, "payment.succeeded", new JsonObject().put("amount", 555)
            .encode(), Times.toDb(Instant.now()))));

    SagaView saga = awaitTerminal(coordinator, id, 10_000);
    assertThat(saga.getState()).isEqualTo("COMPLETED");
    assertThat(saga.getData().getLong("amount")).isEqualTo(555);
    assertThat(System.currentTimeMillis() - kept).as("delivered by a scan, not at the 5-minute timeout")
        .isLessThan(5_000);
  }

  @Test
  void aWaitThatTimesOutTakesAMatchingKeptSignalInsteadOfCompensating() throws Exception {
    Data data = new Data(orderId(), "c", 0, 0, 0);
    String id = await(coordinator.start(SHORT_WAIT_TYPE, data.orderId, JsonObject.mapFrom(data)));
    awaitState(coordinator, id, "WAITING");
    // Kept just before the wait runs out: the scan's grace leaves it alone, the timeout finds it.
    await(pool.preparedQuery("INSERT INTO saga_pending_signal (saga_type, business_key, event_type, payload,"
            + " received_at) VALUES (?, ?, ?, ?, ?)")
        .execute(Tuple.of(SHORT_WAIT_TYPE, data.orderId, "payment.succeeded", "{}", Times.toDb(Instant.now()))));

    assertThat(awaitTerminal(coordinator, id, 10_000).getState()).isEqualTo("COMPLETED");
  }

  @Test
  void aSagaWhosePurposeWasMetAnywayCompletesInsteadOfCompensating() throws Exception {
    Data done = new Data(orderId(), "c", 0, 0, 0);
    Data notDone = new Data(orderId(), "c", 0, 0, 0);
    doneAnyway.add(done.orderId);
    String doneId = await(coordinator.start(SHORT_WAIT_TYPE, done.orderId, JsonObject.mapFrom(done)));
    String notDoneId = await(coordinator.start(SHORT_WAIT_TYPE, notDone.orderId, JsonObject.mapFrom(notDone)));

    SagaView completed = awaitTerminal(coordinator, doneId, 10_000);
    assertThat(completed.getState()).isEqualTo("COMPLETED");
    assertThat(completed.getTimeline().stream().map(JsonObject.class::cast).map(e -> e.getString("phase") + " "
        + e.getString("outcome")).toList()).containsSubsequence("EVENT TIMED_OUT", "CHECK DONE_ANYWAY")
        .doesNotContain("COMPENSATION SUCCEEDED");
    SagaView compensated = awaitTerminal(coordinator, notDoneId, 10_000);
    assertThat(compensated.getState()).isEqualTo("COMPENSATED");
  }

  @Test
  void aStoppingCoordinatorHandsItsSagasBackAndAnotherResumesThemAtOnce() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Data data = new Data(orderId(), "c", 0, 0, 0);
      ids.add(await(coordinator.start(HAND_BACK_TYPE, data.orderId, JsonObject.mapFrom(data))));
    }
    long deadline = System.currentTimeMillis() + 10_000;
    while (holdCalls.get() < ids.size() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(holdCalls.get()).as("every saga is in its step").isGreaterThanOrEqualTo(ids.size());

    long stopping = System.currentTimeMillis();
    await(vertx.undeploy(deployment));
    assertThat(System.currentTimeMillis() - stopping).as("stop waits for the drain (300 ms here), not for the steps")
        .isLessThan(5_000);
    for (String id : ids) {
      SagaView saga = awaitState(null, id, "RUNNING");
      assertThat(saga.getState()).isEqualTo("RUNNING");
    }

    holding = false;
    long resumed = System.currentTimeMillis();
    deployment = deploy("faults-b", "saga-faults.b");
    SagaCoordinatorService other = SagaCoordinatorService.createProxy(vertx, "saga-faults.b");
    for (String id : ids) {
      assertThat(awaitTerminal(other, id, 20_000).getState()).isEqualTo("COMPLETED");
    }
    assertThat(System.currentTimeMillis() - resumed).as("resumed at once, not after the 30 s lease")
        .isLessThan(5_000);
    coordinator = other;
  }

  // ------------------------------------------------------------ helpers

  private static SagaView awaitTerminal(SagaCoordinatorService via, String id, long waitMs) throws Exception {
    Set<String> terminal = Set.of("COMPLETED", "COMPENSATED", "FAILED");
    long deadline = System.currentTimeMillis() + waitMs;
    SagaView saga = await(via.find(id));
    while (!terminal.contains(saga.getState()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      saga = await(via.find(id));
    }
    assertThat(saga.getState()).as("saga %s did not end: %s", id, saga.toJson()).isIn(terminal);
    return saga;
  }

  /** The saga's state as its row says (through the coordinator, or straight from the table when none runs). */
  private static SagaView awaitState(SagaCoordinatorService via, String id, String state) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    SagaView saga = find(via, id);
    while (!state.equals(saga.getState()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
      saga = find(via, id);
    }
    assertThat(saga.getState()).isEqualTo(state);
    return saga;
  }

  private static SagaView find(SagaCoordinatorService via, String id) throws Exception {
    if (via != null) {
      return await(via.find(id));
    }
    return new SagaView().setId(id).setState(await(pool.preparedQuery("SELECT state FROM saga_instance WHERE id = ?")
        .execute(Tuple.of(id))).iterator().next().getString(0));
  }

  private static String orderId() {
    return "order-" + UUID.randomUUID();
  }
}
