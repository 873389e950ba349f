package io.kilosail.order;

import io.kilosail.infra.Clients;
import io.kilosail.order.OrderPushback.Claimed;
import io.kilosail.order.OrderPushback.Nudged;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.pushback.PushbackRules;
import io.kilosail.pushback.PushbackRules.AfterAck;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The push-back bookkeeping on the order row (V13): a move of the order makes its state due and leased in the order's
 * own UPDATE, and the pusher's acknowledgements of several orders go in one statement, each guarded by the lease its
 * push was held under, never moving a row backwards. No pusher runs here: the test plays it.
 */
@ExtendWith(KilosailInfraExtension.class)
class PushbackAcksTest {

  private static Vertx vertx;
  private static Pool pool;
  private static OrderPushback pushback;

  @BeforeAll
  static void start(TestInfra infra) {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, InfraSettings.fromJson(infra.config()).mysql());
    // a platform no pusher sends to, so nothing but this test touches these rows' push-back
    pushback = new OrderPushback(pool, List.of("acks-test"));
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void aMoveMakesItsStateDueAndLeasedInTheOrdersOwnStatement() throws Exception {
    String id = received();
    Nudged created = await(pushback.read(id));
    assertThat(created.claimed().snapshot().version()).isZero();
    assertThat(created.claimed().snapshot().state()).isEqualTo("CREATED");
    assertThat(created.ackedVersion()).isEqualTo(-1);
    assertThat(created.leaseUntil()).isAfter(Instant.now());
    Row row = pushRow(id);
    assertThat(row.getLocalDateTime("push_due_at")).isNotNull();

    // A move while the first push holds the row: the lease stays with it, the newer state is counted as replacing an
    // unacknowledged one.
    dispatching(id);
    Nudged moved = await(pushback.read(id));
    assertThat(moved.claimed().snapshot().version()).isEqualTo(1);
    assertThat(moved.claimed().snapshot().state()).isEqualTo("DISPATCHING");
    assertThat(moved.claimed().leaseToken()).isEqualTo(created.claimed().leaseToken());
    assertThat(moved.claimed().superseded()).isEqualTo(1);
  }

  @Test
  void severalOrdersAreAcknowledgedInOneStatementAndNeverMovedBack() throws Exception {
    String movedOn = received();
    String done = received();
    String lost = received();
    Claimed movedOnV0 = await(pushback.read(movedOn)).claimed();
    Claimed doneV0 = await(pushback.read(done)).claimed();
    Claimed lostV0 = await(pushback.read(lost)).claimed();
    dispatching(movedOn); // version 1 while version 0's push is in flight: stays with that push's lease
    Claimed lostElsewhere = new Claimed(lostV0.snapshot(), 0, UUID.randomUUID().toString(), 0);

    long updatesBefore = updates();
    Instant now = Instant.now();
    Map<String, Nudged> pending = await(pushback.acked(List.of(movedOnV0, doneV0, lostElsewhere), now,
        now.plusSeconds(5)));
    assertThat(updates() - updatesBefore).as("one UPDATE for the three acknowledgements").isEqualTo(1);

    // moved on: version 0 acknowledged, due now for version 1, still leased to the same push
    Row m = pushRow(movedOn);
    assertThat(m.getInteger("push_acked_version")).isZero();
    assertThat(m.getLocalDateTime("push_due_at")).isNotNull();
    assertThat(m.getString("push_lease_token")).isEqualTo(movedOnV0.leaseToken());
    Nudged next = pending.get(movedOn);
    assertThat(afterAck(movedOnV0, next)).isEqualTo(AfterAck.MOVED_ON);
    assertThat(next.claimed().snapshot().version()).isEqualTo(1);
    // done: acknowledged, rests, lease released
    Row d = pushRow(done);
    assertThat(d.getInteger("push_acked_version")).isZero();
    assertThat(d.getLocalDateTime("push_due_at")).isNull();
    assertThat(d.getLocalDateTime("push_pending_since")).isNull();
    assertThat(pending).doesNotContainKey(done);
    // not under that lease: nothing written; the pusher is told so
    Row l = pushRow(lost);
    assertThat(l.getInteger("push_acked_version")).isEqualTo(-1);
    assertThat(l.getLocalDateTime("push_due_at")).isNotNull();
    assertThat(afterAck(lostElsewhere, pending.get(lost))).isEqualTo(AfterAck.NOT_HELD);

    // The next batch: version 1 of the first order, and late repeats of what is already acknowledged. A newer move
    // of the second order (it takes a fresh lease: the row rested) must not be undone by its late version 0 ack.
    dispatching(done);
    Claimed movedOnV1 = next.claimed();
    pending = await(pushback.acked(List.of(movedOnV1, doneV0), Instant.now(), Instant.now().plusSeconds(5)));
    m = pushRow(movedOn);
    assertThat(m.getInteger("push_acked_version")).isEqualTo(1);
    assertThat(m.getLocalDateTime("push_due_at")).isNull();
    d = pushRow(done);
    assertThat(d.getInteger("push_acked_version")).as("a late ack changes nothing").isZero();
    assertThat(d.getLocalDateTime("push_due_at")).as("version 1 is still due").isNotNull();
    assertThat(d.getString("push_lease_token")).as("under its move's lease").isNotEqualTo(doneV0.leaseToken());
    assertThat(afterAck(doneV0, pending.get(done))).isEqualTo(AfterAck.DONE);

    // Acknowledging an older version under the very same lease again never lowers or reopens anything.
    await(pushback.acked(List.of(movedOnV0), Instant.now(), Instant.now().plusSeconds(5)));
    m = pushRow(movedOn);
    assertThat(m.getInteger("push_acked_version")).isEqualTo(1);
    assertThat(m.getLocalDateTime("push_due_at")).isNull();
    // A pusher that lost its lease still records what the platform acknowledged, and only that.
    await(pushback.ackedOnly(lost, 0));
    assertThat(pushRow(lost).getInteger("push_acked_version")).isZero();
    await(pushback.ackedOnly(lost, -1));
    assertThat(pushRow(lost).getInteger("push_acked_version")).isZero();
  }

  // ---------------------------------------------------------------- helpers

  private static AfterAck afterAck(Claimed sent, Nudged row) {
    return row == null ? AfterAck.DONE : PushbackRules.afterAck(sent.snapshot().version(), sent.leaseToken(), true,
        row.claimed().snapshot().version(), row.ackedVersion(), row.claimed().leaseToken());
  }

  private static String received() throws Exception {
    String id = UUID.randomUUID().toString();
    Instant now = Instant.now();
    DeliveryOrder order = new DeliveryOrder(id, "acks-test", "AT-" + id, DeliveryOrder.State.CREATED, "310100",
        new DeliveryOrder.Shop("shop-1", "Noodles"),
        new DeliveryOrder.Place("Noodles", "021-1", "Rd 1", new BigDecimal("31.2304"), new BigDecimal("121.4737")),
        new DeliveryOrder.Place("Li Lei", "138-1", "Ave 1", new BigDecimal("31.2397"), new BigDecimal("121.4998")),
        1200, 850, null, null, null, null, now, now.plusSeconds(2700), now, now);
    await(pool.withTransaction(conn -> OrderRepository.inserted(conn, order)));
    return id;
  }

  private static void dispatching(String id) throws Exception {
    Instant now = Instant.now();
    boolean moved = await(pool.withTransaction(conn -> OrderRepository.apply(conn, id,
        OrderTransitions.dispatching(DeliveryOrder.State.CREATED, now), now)));
    assertThat(moved).isTrue();
  }

  private static Row pushRow(String id) throws Exception {
    return await(pool.preparedQuery("SELECT push_acked_version, push_due_at, push_pending_since, push_lease_token"
        + " FROM delivery_order WHERE id = ?").execute(Tuple.of(id))).iterator().next();
  }

  /** UPDATE statements the server ran so far (prepared ones included). */
  private static long updates() throws Exception {
    return Long.parseLong(await(pool.query("SHOW GLOBAL STATUS LIKE 'Com_update'").execute()).iterator().next()
        .getValue(1).toString());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
