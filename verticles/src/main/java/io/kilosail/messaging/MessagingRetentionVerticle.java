package io.kilosail.messaging;

import io.kilosail.infra.Meters;
import io.kilosail.infra.Times;

import io.kilosail.infra.Clients;
import io.kilosail.infra.NodeConfig;
import io.kilosail.platform.settings.InfraSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Deletes what messaging no longer needs: published outbox rows, old inbox rows, fired or cancelled timers. Unsent
 * outbox rows and pending timers are never touched; dead letters are kept for an operator. Deletes go in small
 * batches so they never hold many locks. Running it on several nodes is harmless: they delete the same rows.
 */
public class MessagingRetentionVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(MessagingRetentionVerticle.class);

  private NodeConfig node;
  private RetentionSettings settings;
  private Pool mysql;
  private long timer = -1;
  private boolean stopping;
  private Future<Void> round = Future.succeededFuture();
  private Counter deleted;
  private MeterRegistry registry;

  @Override
  public Future<?> start() {
    node = NodeConfig.fromJson(config());
    settings = RetentionSettings.fromJson(config());
    mysql = Clients.mysqlPool(vertx, InfraSettings.fromJson(config()).mysql());
    registry = Meters.registry(node);
    deleted = Counter.builder("kilosail.messaging.retention.deleted").description("Rows removed by retention")
        .register(registry);
    scheduleNext(1);
    log.info("messaging retention started node={} intervalMs={} outboxSent={} inbox={} timers={}", node.id(),
        settings.intervalMs(), settings.outboxSent(), settings.inbox(), settings.timers());
    return Future.succeededFuture();
  }

  private void scheduleNext(long delayMs) {
    if (stopping) {
      return;
    }
    timer = vertx.setTimer(delayMs, t -> {
      round = cleanOnce()
          .onFailure(e -> log.warn("messaging retention failed node={} error={}", node.id(), e.toString()))
          .recover(e -> Future.succeededFuture())
          .onComplete(x -> scheduleNext(settings.intervalMs()));
    });
  }

  /** One cleaning round over every table; succeeds with nothing when there is nothing to clean. */
  Future<Void> cleanOnce() {
    Instant now = Instant.now();
    Tuple outboxCutoff = Tuple.of(Times.toDb(now.minus(settings.outboxSent())), settings.deleteBatch());
    Tuple inboxCutoff = Tuple.of(Times.toDb(now.minus(settings.inbox())), settings.deleteBatch());
    Tuple timerCutoff = Tuple.of(Times.toDb(now.minus(settings.timers())), settings.deleteBatch());
    return deleteAll("outbox", "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ? LIMIT ?", outboxCutoff)
        .compose(x -> deleteAll("inbox", "DELETE FROM inbox WHERE received_at < ? LIMIT ?", inboxCutoff))
        .compose(x -> deleteAll("durable_timer", "DELETE FROM durable_timer WHERE fired_at IS NOT NULL"
            + " AND fired_at < ? LIMIT ?", timerCutoff))
        .compose(x -> deleteAll("durable_timer", "DELETE FROM durable_timer WHERE fired_at IS NULL"
            + " AND cancelled_at IS NOT NULL AND cancelled_at < ? LIMIT ?", timerCutoff));
  }

  /** Repeats a limited delete until a batch comes back short. */
  private Future<Void> deleteAll(String table, String sql, Tuple args) {
    return mysql.preparedQuery(sql).execute(args).compose(rows -> {
      int count = rows.rowCount();
      if (count > 0) {
        deleted.increment(count);
        log.info("messaging retention deleted node={} table={} rows={}", node.id(), table, count);
      }
      return count == settings.deleteBatch() && !stopping ? deleteAll(table, sql, args) : Future.succeededFuture();
    });
  }

  /** Stops after the round in flight (bounded); the MySQL pool is the node's, closed by the launcher last. */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(timer);
    return round.timeout(10, TimeUnit.SECONDS).recover(e -> Future.succeededFuture());
  }
}
