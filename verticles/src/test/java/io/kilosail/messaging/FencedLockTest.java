package io.kilosail.messaging;

import io.kilosail.infra.Clients;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import static io.kilosail.messaging.MessagingTestSupport.await;
import static io.kilosail.messaging.MessagingTestSupport.pool;
import static io.kilosail.messaging.MessagingTestSupport.sleep;
import static org.assertj.core.api.Assertions.assertThat;

/** The Redis lease lock and the MySQL fencing check, on the real servers. */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class FencedLockTest {

  @Test
  void holderWhoseLeaseExpiredHasItsWriteRejectedByTheFencingCheck(Vertx vertx, TestInfra infra) {
    Redis redis = Clients.redis(vertx, infra.settings().redisUrl());
    Pool pool = pool(vertx, infra);
    await(pool.query("CREATE TABLE IF NOT EXISTS test_fenced (id VARCHAR(64) PRIMARY KEY, holder VARCHAR(16))")
        .execute());
    String resource = "order-" + UUID.randomUUID();
    await(pool.preparedQuery("INSERT INTO test_fenced (id, holder) VALUES (?, 'nobody')").execute(Tuple.of(resource)));
    FencedLock nodeA = new FencedLock(redis, "node-a");
    FencedLock nodeB = new FencedLock(redis, "node-b");

    FencedLock.Lease a = await(nodeA.tryAcquire(resource, Duration.ofMillis(300))).orElseThrow();
    assertThat(await(nodeB.tryAcquire(resource, Duration.ofMillis(300)))).as("held by A").isEmpty();
    assertThat(await(write(pool, resource, a, "A-early"))).isNull();

    sleep(450); // A pauses (GC, network) past its lease
    FencedLock.Lease b = await(nodeB.tryAcquire(resource, Duration.ofSeconds(5))).orElseThrow();
    assertThat(b.token()).isGreaterThan(a.token());
    assertThat(await(write(pool, resource, b, "B"))).isNull();

    // A wakes up and writes as if it still held the lock.
    Throwable rejected = await(write(pool, resource, a, "A-late"));
    assertThat(rejected).isInstanceOf(Fencing.StaleFencingTokenException.class)
        .hasMessageContaining("presented " + a.token());
    assertThat(holder(pool, resource)).isEqualTo("B");

    assertThat(await(nodeA.release(a))).as("A cannot release B's lease").isFalse();
    assertThat(await(nodeA.extend(a, Duration.ofSeconds(1)))).as("nor extend it").isEmpty();
    assertThat(await(nodeB.extend(b, Duration.ofSeconds(5)))).map(FencedLock.Lease::token).contains(b.token());
    assertThat(await(nodeB.release(b))).isTrue();
    Optional<FencedLock.Lease> c = await(nodeA.tryAcquire(resource, Duration.ofSeconds(1)));
    assertThat(c).map(FencedLock.Lease::token).hasValueSatisfying(t -> assertThat(t).isGreaterThan(b.token()));
  }

  /** The protected write: fencing check and update in one transaction; null when it committed, else the failure. */
  private static io.vertx.core.Future<Throwable> write(Pool pool, String resource, FencedLock.Lease lease,
                                                       String holder) {
    return pool.withTransaction(conn -> Fencing.check(conn, resource, lease.token())
            .compose(ok -> conn.preparedQuery("UPDATE test_fenced SET holder = ? WHERE id = ?")
                .execute(Tuple.of(holder, resource))))
        .map(done -> (Throwable) null)
        .otherwise(failure -> failure);
  }

  private static String holder(Pool pool, String resource) {
    return await(pool.preparedQuery("SELECT holder FROM test_fenced WHERE id = ?").execute(Tuple.of(resource)))
        .iterator().next().getString("holder");
  }
}
