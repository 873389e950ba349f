package io.kilosail.messaging;

import io.kilosail.infra.Times;

import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;

import static io.kilosail.messaging.MessagingTestSupport.await;
import static io.kilosail.messaging.MessagingTestSupport.eventually;
import static io.kilosail.messaging.MessagingTestSupport.pool;
import static io.kilosail.messaging.MessagingTestSupport.sent;
import static io.kilosail.messaging.MessagingTestSupport.uniqueTopic;
import static io.kilosail.messaging.MessagingTestSupport.unsent;
import static org.assertj.core.api.Assertions.assertThat;

/** Retention removes old published rows and keeps everything still needed. */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class MessagingRetentionTest {

  @Test
  void deletesOldSentOutboxRowsButNeverUnsentOrRecentOnes(Vertx vertx, TestInfra infra) {
    String topic = uniqueTopic("retention");
    Pool pool = pool(vertx, infra);
    Envelope oldSent = Envelope.create("x.happened", "x", "x-1", new JsonObject());
    Envelope recentSent = Envelope.create("x.happened", "x", "x-1", new JsonObject());
    Envelope oldUnsent = Envelope.create("x.happened", "x", "x-2", new JsonObject());
    await(pool.withTransaction(conn -> Outbox.add(conn, topic, oldSent)
        .compose(x -> Outbox.add(conn, topic, recentSent))
        .compose(x -> Outbox.add(conn, topic, oldUnsent))));
    Instant twoDaysAgo = Instant.now().minus(Duration.ofDays(2));
    await(pool.preparedQuery("UPDATE outbox SET sent_at = ? WHERE message_id = ?")
        .execute(Tuple.of(Times.toDb(twoDaysAgo), oldSent.id())));
    await(pool.preparedQuery("UPDATE outbox SET sent_at = ? WHERE message_id = ?")
        .execute(Tuple.of(Times.toDb(Instant.now()), recentSent.id())));
    await(pool.preparedQuery("UPDATE outbox SET created_at = ? WHERE message_id = ?")
        .execute(Tuple.of(Times.toDb(twoDaysAgo), oldUnsent.id())));

    String retention = await(vertx.deployVerticle(new MessagingRetentionVerticle(), new DeploymentOptions()
        .setConfig(infra.config().copy().put("retention", new JsonObject().put("intervalMs", 200)
            .put("outboxSent", "PT24H").put("deleteBatch", 1)))));
    eventually(Duration.ofSeconds(10), () -> sent(pool, topic) == 1, "the old sent row to go");
    assertThat(unsent(pool, topic)).isEqualTo(1);
    long recentLeft = await(pool.preparedQuery("SELECT COUNT(*) AS n FROM outbox WHERE message_id = ?")
        .execute(Tuple.of(recentSent.id()))).iterator().next().getLong("n");
    assertThat(recentLeft).isEqualTo(1);
    // Leave nothing behind for other tests: no retention still cleaning every 200 ms (a CI run once showed one alive
    // until the end of the module), no unsent row for their relays.
    await(vertx.undeploy(retention));
    await(pool.preparedQuery("DELETE FROM outbox WHERE topic = ?").execute(Tuple.of(topic)));
  }
}
