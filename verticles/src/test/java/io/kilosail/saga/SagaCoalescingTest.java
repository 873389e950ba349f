package io.kilosail.saga;

import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.contracts.saga.SagaView;
import io.kilosail.infra.Clients;
import io.kilosail.saga.CreateOrderSaga.Data;
import io.kilosail.saga.SagaRepository.LogEntry;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
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
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fewer writes per saga, same outcome: steps without a durable effect write no checkpoint, a step followed by a wait
 * is one write, an event followed by another wait or by the end is one write, and the step log of a transition is one
 * statement. The row's version counts the saga's writes (every write bumps it).
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class SagaCoalescingTest {

  private static final String TYPE = "coalesce-wait-wait";
  private static final String FLAKY_READ_TYPE = "coalesce-flaky-read";

  private static Vertx vertx;
  private static Pool pool;
  private static SagaCoordinatorService coordinator;
  private static final AtomicInteger lookCalls = new AtomicInteger();
  private static final AtomicInteger flakyCalls = new AtomicInteger();

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, infra.settings().mysql());
    List<SagaDefinition<?>> definitions = List.of(
        // receive ─ quote ─ dispatch ─ await ─ await ─ completed, as the delivery saga goes.
        Saga.define(TYPE, Data.class)
            .step("look").invokeLocal((d, step) -> {
              lookCalls.incrementAndGet();
              return Future.succeededFuture();
            }).noDurableEffect()
            .step("price").invokeLocal((d, step) -> Future.succeededFuture(41L)).noDurableEffect()
                .onReply(Long.class, (d, price) -> d.quantity = price.intValue())
            .step("place").invokeLocal((d, step) -> Future.succeededFuture())
            .step("await-a").awaitEvent("a", Duration.ofSeconds(30), (d, fact) -> d.amount = fact.getLong("amount"))
            .step("await-b").awaitEvent("b", Duration.ofSeconds(30),
                (d, fact) -> d.customerId = fact.getString("who"))
            .build(),
        // A read that fails twice, then answers: its failed attempts are logged with the next write, not one each.
        Saga.define(FLAKY_READ_TYPE, Data.class)
            .step("read").invokeLocal((d, step) -> flakyCalls.incrementAndGet() <= 2
                ? Future.failedFuture(new IllegalStateException("not yet"))
                : Future.succeededFuture()).noDurableEffect()
                .retry(RetryPolicy.attempts(3, Duration.ofMillis(20)))
            .step("write").invokeLocal((d, step) -> Future.succeededFuture())
            .build());
    JsonObject config = infra.config()
        .put("node", new JsonObject().put("id", "coalesce-test"))
        .put("saga", new JsonObject().put("leaseMs", 10_000).put("scanIntervalMs", 100)
            .put("address", "saga-coalesce"));
    await(vertx.deployVerticle(new SagaCoordinatorVerticle(definitions), new DeploymentOptions().setConfig(config)));
    coordinator = SagaCoordinatorService.createProxy(vertx, "saga-coalesce");
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void stepWaitWaitEndIsOneWritePerTransitionWithTheSameStepLog() throws Exception {
    Data data = new Data(orderId(), "c", 0, 0, 0);
    String id = await(coordinator.start(TYPE, data.orderId, JsonObject.mapFrom(data)));
    SagaView waitingA = awaitAwaiting(id, "a");
    // The start (0), then one write: look and price need none, place and the wait on a are one.
    assertThat(version(id)).isEqualTo(1);
    assertThat(waitingA.getData().getInteger("quantity")).as("price's reply, written with the wait").isEqualTo(41);
    assertThat(timeline(waitingA)).containsExactly("look ACTION SUCCEEDED", "price ACTION SUCCEEDED",
        "place ACTION SUCCEEDED");

    assertThat(await(coordinator.signal(TYPE, data.orderId, "a", new JsonObject().put("amount", 7)))).isTrue();
    SagaView waitingB = awaitAwaiting(id, "b");
    assertThat(version(id)).as("from waiting for a straight to waiting for b").isEqualTo(2);
    assertThat(waitingB.getState()).isEqualTo("WAITING");
    assertThat(waitingB.getData().getLong("amount")).isEqualTo(7);

    assertThat(await(coordinator.signal(TYPE, data.orderId, "b", new JsonObject().put("who", "courier-9")))).isTrue();
    SagaView done = awaitTerminal(id);
    assertThat(done.getState()).isEqualTo("COMPLETED");
    assertThat(version(id)).as("from waiting for b straight to completed").isEqualTo(3);
    assertThat(done.getAwaitingEvent()).isNull();
    assertThat(done.getData().getString("customerId")).isEqualTo("courier-9");
    assertThat(timeline(done)).containsExactly("look ACTION SUCCEEDED", "price ACTION SUCCEEDED",
        "place ACTION SUCCEEDED", "await-a EVENT SUCCEEDED", "await-b EVENT SUCCEEDED");
    assertThat(nextWakeup(id)).as("an ended saga is never woken").isNull();
    // A late duplicate changes nothing.
    assertThat(await(coordinator.signal(TYPE, data.orderId, "b", new JsonObject().put("who", "x")))).isFalse();
    assertThat(version(id)).isEqualTo(3);
  }

  @Test
  void aSagaStartedWithItsOrderTakesBothKeptFactsInOneWriteEach() throws Exception {
    String key = orderId();
    // Both facts are there before the saga is: it takes a when it parks on a, and b on the write that takes a.
    await(pool.withTransaction(conn -> SagaSignals.keep(conn, TYPE, key, "a", new JsonObject().put("amount", 3))
        .compose(x -> SagaSignals.keep(conn, TYPE, key, "b", new JsonObject().put("who", "early")))));
    int looks = lookCalls.get();
    await(pool.withTransaction(conn -> SagaStarts.start(conn, TYPE, key,
        JsonObject.mapFrom(new Data(key, "c", 0, 0, 0)))));
    String id = await(pool.preparedQuery("SELECT id FROM saga_instance WHERE saga_type = ? AND business_key = ?")
        .execute(Tuple.of(TYPE, key))).iterator().next().getString(0);

    SagaView done = awaitTerminal(id);
    assertThat(done.getState()).isEqualTo("COMPLETED");
    assertThat(done.getData().getLong("amount")).isEqualTo(3);
    assertThat(done.getData().getString("customerId")).isEqualTo("early");
    // Written owned by this node's coordinator (1: no claim to write), place + wait for a (2), a + wait for b (3),
    // b + completed (4).
    assertThat(version(id)).isEqualTo(4);
    assertThat(lookCalls.get() - looks).as("run once").isEqualTo(1);
    assertThat(timeline(done)).containsExactly("look ACTION SUCCEEDED", "price ACTION SUCCEEDED",
        "place ACTION SUCCEEDED", "await-a EVENT SUCCEEDED", "await-b EVENT SUCCEEDED");
    long kept = await(pool.preparedQuery("SELECT COUNT(*) FROM saga_pending_signal WHERE saga_type = ? AND"
        + " business_key = ?").execute(Tuple.of(TYPE, key))).iterator().next().getLong(0);
    assertThat(kept).as("kept facts of an ended saga are dropped").isZero();
  }

  @Test
  void aSagaStartedOnANodeWithoutItsCoordinatorIsClaimedByOne() throws Exception {
    String key = orderId();
    // As on a node that only takes orders in: the saga is written unowned, and a coordinator claims it (one more write).
    JsonObject here = SagaStarts.localCoordinators(vertx).remove(TYPE);
    try {
      await(pool.withTransaction(conn -> SagaStarts.start(conn, TYPE, key,
          JsonObject.mapFrom(new Data(key, "c", 0, 0, 0)))));
    } finally {
      SagaStarts.localCoordinators(vertx).put(TYPE, here);
    }
    String id = await(pool.preparedQuery("SELECT id FROM saga_instance WHERE saga_type = ? AND business_key = ?")
        .execute(Tuple.of(TYPE, key))).iterator().next().getString(0);
    assertThat(awaitAwaiting(id, "a").getState()).isEqualTo("WAITING");
    assertThat(version(id)).as("the claim (1), place + wait for a (2)").isEqualTo(2);
  }

  @Test
  void failedAttemptsOfAStepWithoutDurableEffectRideWithTheNextWrite() throws Exception {
    Data data = new Data(orderId(), "c", 0, 0, 0);
    String id = await(coordinator.start(FLAKY_READ_TYPE, data.orderId, JsonObject.mapFrom(data)));
    SagaView done = awaitTerminal(id);
    assertThat(done.getState()).isEqualTo("COMPLETED");
    // read and write, then completed: one write (the last group's transition is the completion).
    assertThat(version(id)).isEqualTo(1);
    assertThat(timeline(done)).containsExactly("read ACTION FAILED", "read ACTION FAILED", "read ACTION SUCCEEDED",
        "write ACTION SUCCEEDED");
  }

  @Test
  void aStepWithoutDurableEffectCannotBeAWait() {
    assertThatThrownBy(() -> Saga.define("bad", Data.class)
        .step("w").awaitEvent("x", Duration.ofSeconds(1), (d, f) -> { }).noDurableEffect())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void stepLogRowsOfManySagasGoInOrderThroughMultiRowStatements() throws Exception {
    SagaRepository repository = new SagaRepository(pool);
    int rows = SagaRepository.LOG_ROWS_PER_STATEMENT * 2 + 5;
    List<String> sagas = new ArrayList<>();
    List<LogEntry> logs = new ArrayList<>();
    String a = UUID.randomUUID().toString();
    String b = UUID.randomUUID().toString();
    Instant now = Instant.now();
    for (int i = 0; i < rows; i++) {
      sagas.add(i % 2 == 0 ? a : b);
      logs.add(new LogEntry("step-" + i, "ACTION", i + 1, i % 3 == 0 ? "FAILED" : "SUCCEEDED",
          i % 3 == 0 ? "error " + i : null, now, i));
    }
    await(pool.withTransaction(conn -> repository.insertLogs(conn, sagas, "coalesce-test", logs)));
    List<LogEntry> ofA = await(repository.log(a));
    List<LogEntry> ofB = await(repository.log(b));
    assertThat(ofA.size() + ofB.size()).isEqualTo(rows);
    for (int i = 0; i < ofA.size(); i++) {
      LogEntry expected = logs.get(2 * i);
      assertThat(ofA.get(i).step()).isEqualTo(expected.step());
      assertThat(ofA.get(i).attempt()).isEqualTo(expected.attempt());
      assertThat(ofA.get(i).outcome()).isEqualTo(expected.outcome());
      assertThat(ofA.get(i).error()).isEqualTo(expected.error());
      assertThat(ofA.get(i).durationMs()).isEqualTo(expected.durationMs());
    }
    assertThat(ofB.get(0).step()).isEqualTo("step-1");
    await(pool.withTransaction(conn -> repository.insertLogs(conn, Collections.emptyList(), "coalesce-test",
        Collections.emptyList())));
  }

  // ------------------------------------------------------------ helpers

  private static long version(String id) throws Exception {
    return await(pool.preparedQuery("SELECT version FROM saga_instance WHERE id = ?").execute(Tuple.of(id)))
        .iterator().next().getLong(0);
  }

  private static Object nextWakeup(String id) throws Exception {
    return await(pool.preparedQuery("SELECT next_wakeup_at FROM saga_instance WHERE id = ?").execute(Tuple.of(id)))
        .iterator().next().getValue(0);
  }

  private static List<String> timeline(SagaView saga) {
    return saga.getTimeline().stream().map(JsonObject.class::cast)
        .map(e -> e.getString("step") + " " + e.getString("phase") + " " + e.getString("outcome")).toList();
  }

  private static SagaView awaitAwaiting(String id, String event) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    SagaView saga = await(coordinator.find(id));
    while (!event.equals(saga.getAwaitingEvent()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
      saga = await(coordinator.find(id));
    }
    assertThat(saga.getAwaitingEvent()).as("saga %s: %s", id, saga.toJson()).isEqualTo(event);
    return saga;
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

  private static String orderId() {
    return "order-" + UUID.randomUUID();
  }
}
