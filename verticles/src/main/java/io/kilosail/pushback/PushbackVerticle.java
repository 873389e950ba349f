package io.kilosail.pushback;

import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.intake.OrderRepository;
import io.kilosail.intake.PlatformSignature;
import io.kilosail.messaging.ConsumerSettings;
import io.kilosail.messaging.Envelope;
import io.kilosail.messaging.IdempotentConsumer;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.pushback.PushbackRepository.Backlog;
import io.kilosail.pushback.PushbackRepository.Claimed;
import io.kilosail.pushback.PushbackRepository.Observed;
import io.kilosail.pushback.PushbackRepository.Snapshot;
import io.kilosail.pushback.PushbackRules.Progress;
import io.kilosail.pushback.PushbackSettings.Callback;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells each order's food platform about every state the order takes (issue 6), signed like the platform's own pushes
 * to intake, retried until acknowledged.
 *
 * <ul>
 *   <li><b>What to send</b>: an idempotent consumer (group {@code pushback}) on {@code kilosail.order-events}. For any
 *   event of an order it reads the order row as it is now and moves the order's {@code order_pushback} row forward to
 *   that version, in the inbox's transaction. A state that was never sent before a newer one arrived is skipped: the
 *   newer one goes instead.</li>
 *   <li><b>Sending</b>: a claim loop takes due rows ({@code FOR UPDATE SKIP LOCKED}) under a lease, so two nodes
 *   never push one order at once, POSTs the row's state and writes the outcome: 2xx acknowledges that version; anything
 *   else is retried with exponential backoff and jitter, for as long as it takes (counted and logged, never dropped).
 *   Everything lives in MySQL, so retries go on across restarts and on any node with the {@code relay} role.</li>
 * </ul>
 */
public class PushbackVerticle extends VerticleBase {

  public static final String CONSUMER_GROUP = "pushback";
  static final String PLATFORM_HEADER = "X-Kilosail-Platform";
  static final String TIMESTAMP_HEADER = "X-Kilosail-Timestamp";
  static final String SIGNATURE_HEADER = "X-Kilosail-Signature";

  private static final Logger log = LoggerFactory.getLogger(PushbackVerticle.class);

  private PushbackSettings settings;
  private NodeConfig node;
  private PushbackRepository repository;
  private IdempotentConsumer consumer;
  private WebClient web;
  private MeterRegistry registry;
  private final List<Meter> gauges = new ArrayList<>();
  private final AtomicLong backlog = new AtomicLong();
  private final AtomicLong noCallbackUrl = new AtomicLong();
  private final AtomicLong oldestSeconds = new AtomicLong();
  private Counter superseded;
  private long metricsTimer = -1;
  private long pauseTimer = -1;
  private boolean stopping;
  private final Promise<Void> loopStopped = Promise.promise();

  @Override
  public Future<?> start() {
    settings = PushbackSettings.fromJson(config());
    node = NodeConfig.fromJson(config());
    InfraSettings infra = InfraSettings.fromJson(config());
    Pool pool = Clients.mysqlPool(vertx, infra.mysql());
    repository = new PushbackRepository(pool, settings.callbacks().keySet());
    web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(2_000));
    registry = Meters.registry(node);
    gauges.add(Gauge.builder("kilosail.pushback.backlog", backlog, AtomicLong::get)
        .description("Orders whose platform has not acknowledged their newest state").baseUnit("orders")
        .register(registry));
    gauges.add(Gauge.builder("kilosail.pushback.no.callback.url", noCallbackUrl, AtomicLong::get)
        .description("Backlog of platforms without a callback URL: kept, not sent").baseUnit("orders")
        .register(registry));
    gauges.add(Gauge.builder("kilosail.pushback.oldest.unacked", oldestSeconds, AtomicLong::get)
        .description("How long the longest-waiting order has waited for its platform's acknowledgement")
        .baseUnit("seconds").register(registry));
    superseded = Counter.builder("kilosail.pushback.superseded")
        .description("States replaced by a newer one before they were acknowledged (skipped)").register(registry);
    consumer = IdempotentConsumer.create(vertx, pool, infra, node,
        ConsumerSettings.of(CONSUMER_GROUP, OrderRepository.ORDER_EVENTS_TOPIC)
            // The events that change an order's state; the others (courier facts) move nothing to report.
            .onlyTypes(OrderRepository.ORDER_RECEIVED, OrderRepository.ORDER_DISPATCHING,
                OrderRepository.COURIER_STATE_CHANGED, OrderRepository.ORDER_CANCELLED), this::observe);
    return consumer.start().onSuccess(x -> {
      metricsTimer = vertx.setPeriodic(1, settings.metricsIntervalMs(), t -> refreshMetrics());
      loop();
      log.info("pushback started platforms={} withoutCallbackUrl={} batchSize={} backoffMs={}..{}",
          settings.callbacks().keySet(), settings.withoutUrl(), settings.batchSize(), settings.initialBackoffMs(),
          settings.maxBackoffMs());
      if (!settings.enabled()) {
        log.warn("pushback is switched off (pushback.enabled=false): the status changes of {} are kept, not sent",
            settings.withoutUrl());
      }
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(metricsTimer);
    if (vertx.cancelTimer(pauseTimer)) {
      loopStopped.tryComplete();
    }
    // A push in flight finishes and writes its outcome (bounded by the HTTP timeout); an unfinished one's lease expires.
    Future<Void> loop = loopStopped.future();
    return Future.join(consumer.stop(), loop)
        .eventually(() -> {
          gauges.forEach(registry::remove);
          web.close();
          return Future.succeededFuture();
        })
        .onComplete(x -> log.info("pushback stopped node={}", node.id()));
  }

  // ---------------------------------------------------------------- what to send

  private Future<Void> observe(SqlConnection conn, Envelope event) {
    if (!"order".equals(event.aggregateType())) {
      return Future.succeededFuture();
    }
    Instant now = Instant.now();
    return PushbackRepository.readOrder(conn, event.aggregateId()).compose(order -> {
      if (order == null) {
        return Future.succeededFuture();
      }
      return PushbackRepository.observe(conn, order, now).map(outcome -> {
        if (outcome == Observed.SUPERSEDED) {
          superseded.increment();
        }
        if (outcome != Observed.NOT_NEWER) {
          log.debug("pushback queued orderId={} platform={} state={} version={} ({})", order.orderId(),
              order.platform(), order.state(), order.version(), outcome);
        }
        return null;
      });
    });
  }

  // ---------------------------------------------------------------- sending

  private void loop() {
    if (stopping) {
      loopStopped.tryComplete();
      return;
    }
    Instant now = Instant.now();
    repository.claim(settings.callbacks().keySet(), settings.batchSize(), now,
            now.plusMillis(settings.leaseMs()))
        .compose(claimed -> {
          List<Future<Boolean>> pushes = claimed.stream().map(this::push).toList();
          // Go on at once after a full batch, or when an order moved on while its push was in flight.
          return Future.join(pushes).map(x -> claimed.size() >= settings.batchSize()
              || pushes.stream().anyMatch(Future::result));
        })
        .onComplete(ar -> {
          if (ar.failed()) {
            log.warn("pushback claim failed node={} error={}", node.id(), String.valueOf(ar.cause()));
          }
          if (stopping) {
            loopStopped.tryComplete();
          } else if (ar.succeeded() && ar.result()) {
            vertx.runOnContext(v -> loop());
          } else {
            pauseTimer = vertx.setTimer(settings.pollIntervalMs(), t -> {
              pauseTimer = -1;
              loop();
            });
          }
        });
  }

  /**
   * One push and its recorded outcome; answers whether the row is due again at once (acknowledged while the order
   * moved on). Never fails: an outcome that cannot be stored waits out the lease.
   */
  private Future<Boolean> push(Claimed claimed) {
    Snapshot s = claimed.snapshot();
    Callback callback = settings.callbacks().get(s.platform());
    Buffer body = Buffer.buffer(s.body().encode());
    String timestamp = String.valueOf(System.currentTimeMillis() / 1000);
    return web.postAbs(callback.url())
        .timeout(settings.httpTimeoutMs())
        .putHeader("Content-Type", "application/json")
        .putHeader(PLATFORM_HEADER, s.platform())
        .putHeader(TIMESTAMP_HEADER, timestamp)
        .putHeader(SIGNATURE_HEADER, PlatformSignature.sign(callback.secret(), timestamp, body.getBytes()))
        .sendBuffer(body)
        .transform(ar -> {
          Instant now = Instant.now();
          int status = ar.succeeded() ? ar.result().statusCode() : 0;
          boolean acked = status >= 200 && status < 300;
          String error = acked ? null : ar.failed() ? describe(ar.cause())
              : "HTTP " + status + ": " + abbreviate(ar.result().bodyAsString());
          long delay = PushbackRules.backoffMs(claimed.attempts() + 1, settings.initialBackoffMs(),
              settings.maxBackoffMs(), settings.jitter(), ThreadLocalRandom.current().nextDouble());
          return repository.settle(claimed, acked, error, now, stored -> acked
                  ? PushbackRules.acked(stored, s.version(), now)
                  : PushbackRules.failed(stored, now, delay))
              .onSuccess(next -> outcome(s, acked, error, next))
              .map(next -> next != null && next.nextAttemptAt() != null && !next.nextAttemptAt().isAfter(now))
              .recover(err -> {
                log.warn("pushback outcome not stored orderId={} version={} acked={} error={}; retried after the lease",
                    s.orderId(), s.version(), acked, err.toString());
                return Future.succeededFuture(false);
              });
        });
  }

  private void outcome(Snapshot s, boolean acked, String error, Progress next) {
    Counter.builder("kilosail.pushback.pushes").tag("outcome", acked ? "acked" : "failed").tag("platform", s.platform())
        .description("Status pushes to the food platforms, by outcome").register(registry).increment();
    if (acked) {
      log.info("pushback acked orderId={} platform={} platformOrderId={} state={} version={}", s.orderId(),
          s.platform(), s.platformOrderId(), s.state(), s.version());
      return;
    }
    int attempts = next == null ? 0 : next.attempts();
    Duration retryIn = next == null || next.nextAttemptAt() == null ? Duration.ZERO
        : Duration.between(Instant.now(), next.nextAttemptAt());
    // Every failure is logged; the first and then every power of two at WARN, so a long outage stays readable.
    boolean loud = Integer.bitCount(Math.max(1, attempts)) == 1;
    String line = "pushback failed orderId={} platform={} state={} version={} attempts={} retryInMs={} error={}";
    Object[] args = {s.orderId(), s.platform(), s.state(), s.version(), attempts, retryIn.toMillis(), error};
    if (loud) {
      log.warn(line, args);
    } else {
      log.info(line, args);
    }
  }

  private static String abbreviate(String text) {
    if (text == null) {
      return "(no body)";
    }
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  private static String describe(Throwable cause) {
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  // ---------------------------------------------------------------- metrics and clean-up

  private void refreshMetrics() {
    Instant now = Instant.now();
    repository.backlog().onSuccess(rows -> {
      long total = 0;
      long withoutUrl = 0;
      Instant oldest = null;
      for (Backlog b : rows) {
        total += b.rows();
        if (!settings.callbacks().containsKey(b.platform())) {
          withoutUrl += b.rows();
        }
        if (b.oldestPendingSince() != null && (oldest == null || b.oldestPendingSince().isBefore(oldest))) {
          oldest = b.oldestPendingSince();
        }
      }
      backlog.set(total);
      noCallbackUrl.set(withoutUrl);
      oldestSeconds.set(oldest == null ? 0 : Math.max(0, Duration.between(oldest, now).toSeconds()));
    }).onFailure(e -> log.debug("pushback backlog refresh failed error={}", e.toString()));
    repository.cleanUp(now.minus(Duration.ofHours(settings.retentionHours())))
        .onSuccess(n -> {
          if (n > 0) {
            log.debug("pushback cleaned up rows={}", n);
          }
        })
        .onFailure(e -> log.debug("pushback clean-up failed error={}", e.toString()));
  }
}
