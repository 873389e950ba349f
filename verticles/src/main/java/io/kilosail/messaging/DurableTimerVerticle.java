package io.kilosail.messaging;

import io.kilosail.infra.Meters;
import io.kilosail.infra.Times;

import io.kilosail.infra.Clients;
import io.kilosail.infra.NodeConfig;
import io.kilosail.platform.settings.InfraSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Fires due durable timers: in one READ COMMITTED transaction it claims due timers with
 * {@code FOR UPDATE SKIP LOCKED}, adds their messages to the outbox and marks them fired. Several nodes may run it:
 * a timer is claimed by one of them and its {@code fired_at} commits with its outbox row, so it fires once. The state
 * is in MySQL only, so a restart loses nothing; a timer that fell due while every node was down fires at the first
 * poll after start.
 *
 * <p>Each poll first asks, without a transaction or locks, whether any timer is due at all (one indexed read on
 * {@code idx_durable_timer_pending}); only then does it open the claiming transaction. An idle node thus spends one
 * statement per poll instead of four (SET TRANSACTION, BEGIN, SELECT ... FOR UPDATE, COMMIT), and no timer fires later.
 */
public class DurableTimerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(DurableTimerVerticle.class);
  private static final String SELECT_DUE = "SELECT id, topic, envelope, due_at FROM durable_timer"
      + " WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= ? ORDER BY due_at LIMIT ?"
      + " FOR UPDATE SKIP LOCKED";
  private static final String ANY_DUE = "SELECT 1 FROM durable_timer"
      + " WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= ? LIMIT 1";

  private NodeConfig node;
  private TimerSettings settings;
  private Pool mysql;
  private boolean stopping;
  private Promise<Void> idle = Promise.promise();
  private long pollTimer = -1;
  private long metricsTimer = -1;

  private MeterRegistry registry;
  private Counter fired;
  private Timer lateness;
  private final AtomicLong due = new AtomicLong();
  private final List<Meter> meters = new ArrayList<>();

  @Override
  public Future<?> start() {
    node = NodeConfig.fromJson(config());
    settings = TimerSettings.fromJson(config());
    mysql = Clients.mysqlPool(vertx, InfraSettings.fromJson(config()).mysql());
    registry = Meters.registry(node);
    fired = Counter.builder("kilosail.timers.fired").description("Durable timers fired into the outbox")
        .register(registry);
    lateness = Timer.builder("kilosail.timers.fire.delay").description("Firing time minus due time")
        .register(registry);
    meters.add(Gauge.builder("kilosail.timers.due", due, AtomicLong::get)
        .description("Timers past their due time and not fired yet").register(registry));
    idle.complete();
    poll();
    metricsTimer = vertx.setPeriodic(1, settings.metricsIntervalMs(), t -> refreshDue());
    log.info("durable timers started node={} pollMs={} batchSize={}", node.id(), settings.pollMs(),
        settings.batchSize());
    return Future.succeededFuture();
  }

  private void poll() {
    if (stopping) {
      return;
    }
    idle = Promise.promise();
    Promise<Void> thisRound = idle;
    fireDue().onComplete(result -> {
      thisRound.complete();
      if (result.failed()) {
        log.warn("timer poll failed node={} error={}", node.id(), String.valueOf(result.cause()));
      }
      if (stopping) {
        return;
      }
      boolean more = result.succeeded() && result.result() == settings.batchSize();
      // A full batch means more may be due already: go again at once instead of waiting a poll interval.
      pollTimer = vertx.setTimer(more ? 1 : settings.pollMs(), t -> poll());
    });
  }

  private Future<Integer> fireDue() {
    Instant now = Instant.now();
    return mysql.preparedQuery(ANY_DUE).execute(Tuple.of(Times.toDb(now)))
        .compose(any -> any.size() == 0 ? Future.succeededFuture(0) : claimDue(now));
  }

  private Future<Integer> claimDue(Instant now) {
    return Transactions.readCommitted(mysql, conn -> conn.preparedQuery(SELECT_DUE)
        .execute(Tuple.of(Times.toDb(now), settings.batchSize()))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(0);
          }
          List<Long> ids = new ArrayList<>();
          List<Future<Void>> inserts = new ArrayList<>();
          List<Duration> delays = new ArrayList<>();
          for (Row row : rows) {
            ids.add(row.getLong("id"));
            delays.add(Duration.between(Times.fromDb(row.getLocalDateTime("due_at")), now));
            inserts.add(Outbox.add(conn, row.getString("topic"), EnvelopeCodec.decode(row.getString("envelope"))));
          }
          return Future.all(inserts)
              .compose(x -> markFired(conn, ids, now))
              .onSuccess(x -> delays.forEach(lateness::record))
              .map(x -> ids.size());
        }))
        .onSuccess(count -> {
          if (count > 0) {
            fired.increment(count);
            log.debug("timers fired node={} count={}", node.id(), count);
          }
        });
  }

  private static Future<Void> markFired(SqlConnection conn, List<Long> ids, Instant now) {
    // Ids are our own longs: a text query keeps one prepared statement per batch size out of the cache.
    return conn.query("UPDATE durable_timer SET fired_at = " + Times.sqlLiteral(now) + " WHERE id IN ("
        + ids.stream().map(String::valueOf).collect(Collectors.joining(",")) + ")").execute().mapEmpty();
  }

  private void refreshDue() {
    mysql.preparedQuery("SELECT COUNT(*) AS n FROM durable_timer WHERE fired_at IS NULL AND cancelled_at IS NULL"
            + " AND due_at <= ?").execute(Tuple.of(Times.toDb(Instant.now())))
        .onSuccess(rows -> due.set(rows.iterator().next().getLong("n")))
        .onFailure(e -> log.warn("timer gauge refresh failed node={} error={}", node.id(), e.toString()));
  }

  /**
   * Stops claiming, lets the round in flight commit (bounded), and leaves the MySQL pool open: it is the node's, and
   * closing it under other verticles still working made their records fail (the launcher closes it last).
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(metricsTimer);
    meters.forEach(registry::remove);
    return idle.future().timeout(5, TimeUnit.SECONDS).recover(e -> Future.succeededFuture())
        .onComplete(x -> log.info("durable timers stopped node={}", node.id()));
  }
}
