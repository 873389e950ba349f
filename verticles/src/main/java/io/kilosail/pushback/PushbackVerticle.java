package io.kilosail.pushback;

import io.kilosail.contracts.events.Nudges;

import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.intake.PlatformSignature;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.order.OrderPushback;
import io.kilosail.order.OrderPushback.Backlog;
import io.kilosail.order.OrderPushback.Claimed;
import io.kilosail.order.OrderPushback.Nudged;
import io.kilosail.order.OrderPushback.Snapshot;
import io.kilosail.pushback.PushbackRules.AfterAck;
import io.kilosail.pushback.PushbackSettings.Callback;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
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
 *   <li><b>What to send</b>: the order row itself. The statement that moves an order makes its new state due and leases
 *   it to the push its commit nudges ({@link Pushback}, {@code OrderPushback.MOVED}): no statement of its own. A state
 *   that was never sent before a newer one arrived is skipped: the newer one goes instead.</li>
 *   <li><b>Sending at once</b>: a nudge ({@link Nudges#PUSHBACK}) names the order and the move's lease; this
 *   pusher reads the order row and, if that lease still holds it, POSTs its state. Acknowledgements are written
 *   together, several orders in one UPDATE ({@link AckBatch}, every {@code ackBatchMs} or {@code ackBatchSize} acks);
 *   a failure is written at once. The order row is {@code OrderRepository}'s: every write of this pusher goes through
 *   {@link OrderPushback}, which only touches its {@code push_*} columns.</li>
 *   <li><b>The fallback</b>: a claim loop takes due rows ({@code FOR UPDATE SKIP LOCKED}) under a lease: a nudge that
 *   reached nobody (after the move's grace), and retries. 2xx acknowledges that version; anything else is retried with
 *   exponential backoff and jitter, for as long as it takes (counted and logged, never dropped). Two pushers never
 *   push one order at once. Everything lives in MySQL, so retries go on across restarts and on any node with the
 *   {@code relay} role. With nothing due the loop only reads, and less and less often.</li>
 * </ul>
 */
public class PushbackVerticle extends VerticleBase {

  /** A nudged push starts only with at least this much of the move's lease left, and extends it this long before. */
  private static final long LEASE_MARGIN_MS = 1_000;
  static final String PLATFORM_HEADER = "X-Kilosail-Platform";
  static final String TIMESTAMP_HEADER = "X-Kilosail-Timestamp";
  static final String SIGNATURE_HEADER = "X-Kilosail-Signature";

  private static final Logger log = LoggerFactory.getLogger(PushbackVerticle.class);

  private PushbackSettings settings;
  private NodeConfig node;
  private OrderPushback repository;
  private AckBatch acks;
  private MessageConsumer<JsonObject> nudges;
  private WebClient web;
  private MeterRegistry registry;
  private final List<Meter> gauges = new ArrayList<>();
  private final AtomicLong backlog = new AtomicLong();
  private final AtomicLong noCallbackUrl = new AtomicLong();
  private final AtomicLong oldestSeconds = new AtomicLong();
  private Counter superseded;
  private long metricsTimer = -1;
  private long pauseTimer = -1;
  private long pauseUntil;
  private long idleMs;
  private long wakeAt = Long.MAX_VALUE;
  private int directInFlight;
  private boolean stopping;
  private final Promise<Void> loopStopped = Promise.promise();

  @Override
  public Future<?> start() {
    settings = PushbackSettings.fromJson(config());
    node = NodeConfig.fromJson(config());
    InfraSettings infra = InfraSettings.fromJson(config());
    Pool pool = Clients.mysqlPool(vertx, infra.mysql());
    repository = new OrderPushback(pool, settings.callbacks().keySet());
    acks = new AckBatch(vertx, repository, settings.ackBatchMs(), settings.ackBatchSize());
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
    idleMs = settings.pollIntervalMs();
    nudges = vertx.eventBus().consumer(Nudges.PUSHBACK, this::nudged);
    return nudges.completion().onSuccess(x -> {
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
    // A push in flight finishes and writes its outcome (bounded by the HTTP timeout); an unfinished one's lease
    // expires. Acknowledgements waiting for their batch are written at once from now on.
    acks.stopping();
    Future<Void> loop = loopStopped.future();
    long deadline = System.currentTimeMillis() + settings.httpTimeoutMs() + 1_000L;
    return Future.join(nudges.unregister(), loop)
        .eventually(() -> directDrained(deadline))
        .eventually(() -> {
          gauges.forEach(registry::remove);
          web.close();
          return Future.succeededFuture();
        })
        .onComplete(x -> log.info("pushback stopped node={}", node.id()));
  }

  private Future<Void> directDrained(long deadlineMillis) {
    if (directInFlight == 0 || System.currentTimeMillis() >= deadlineMillis) {
      return Future.succeededFuture();
    }
    return vertx.timer(20).compose(x -> directDrained(deadlineMillis));
  }

  // ---------------------------------------------------------------- sending at once

  /**
   * A writer committed a move: push the row now if the move's lease (named by the nudge) still holds it. One read,
   * then the POST and its outcome (an acknowledgement batched with others). A stale nudge (the row moved on under
   * another lease, is backing off, or was pushed already) is dropped: the holder of the row sends its newest state.
   */
  private void nudged(Message<JsonObject> message) {
    String orderId = message.body().getString("orderId");
    String token = message.body().getString("token");
    if (stopping || orderId == null || token == null) {
      return;
    }
    directInFlight++;
    repository.read(orderId)
        .compose(row -> row == null || !holds(row, token, Instant.now()) ? Future.<Void>succeededFuture()
            : push(row.claimed(), row.leaseUntil()))
        .onComplete(ar -> {
          directInFlight--;
          if (ar.failed()) {
            log.debug("pushback nudge not handled orderId={} error={}; the claim loop takes it", orderId,
                String.valueOf(ar.cause()));
          }
        });
  }

  private boolean holds(Nudged row, String token, Instant now) {
    Snapshot s = row.claimed().snapshot();
    return token.equals(row.claimed().leaseToken()) && s.version() > row.ackedVersion()
        && settings.callbacks().containsKey(s.platform())
        && row.leaseUntil().isAfter(now.plusMillis(LEASE_MARGIN_MS + LEASE_MARGIN_MS / 2));
  }

  // ---------------------------------------------------------------- the claim loop (fallback and retries)

  private void loop() {
    if (stopping) {
      loopStopped.tryComplete();
      return;
    }
    Instant now = Instant.now();
    Instant leaseUntil = now.plusMillis(settings.leaseMs());
    // A plain read first: an idle loop never opens a transaction or takes a lock.
    repository.anyDue(settings.callbacks().keySet(), now)
        .compose(due -> !due ? Future.<Boolean>succeededFuture(null)
            : repository.claim(settings.callbacks().keySet(), settings.batchSize(), now, leaseUntil)
                .compose(claimed -> {
                  List<Future<Void>> pushes = claimed.stream().map(c -> push(c, leaseUntil)).toList();
                  // Go on at once after a full batch.
                  return Future.join(pushes).map(x -> claimed.size() >= settings.batchSize());
                }))
        .onComplete(ar -> {
          if (ar.failed()) {
            log.warn("pushback claim failed node={} error={}", node.id(), String.valueOf(ar.cause()));
          }
          if (stopping) {
            loopStopped.tryComplete();
            return;
          }
          if (ar.succeeded() && ar.result() != null && ar.result()) {
            idleMs = settings.pollIntervalMs();
            vertx.runOnContext(v -> loop());
            return;
          }
          long pause;
          if (ar.succeeded() && ar.result() == null) {
            // Nothing due: wait longer each time, up to idlePollMaxMs; a nudge or a failed push's retry wakes it.
            pause = idleMs;
            idleMs = Math.min(settings.idlePollMaxMs(), idleMs * 2);
          } else {
            pause = settings.pollIntervalMs();
            idleMs = settings.pollIntervalMs();
          }
          long untilWake = wakeAt - System.currentTimeMillis();
          wakeAt = Long.MAX_VALUE;
          pauseFor(Math.max(1, Math.min(pause, untilWake)));
        });
  }

  private void pauseFor(long ms) {
    pauseUntil = System.currentTimeMillis() + ms;
    pauseTimer = vertx.setTimer(ms, t -> {
      pauseTimer = -1;
      loop();
    });
  }

  /** Makes the claim loop look again by {@code at} (a retry that falls due, an order due now). */
  private void wake(Instant at) {
    long when = at.toEpochMilli();
    if (stopping) {
      return;
    }
    if (pauseTimer == -1) {
      wakeAt = Math.min(wakeAt, when); // the loop is running: its next pause ends by then
    } else if (when < pauseUntil && vertx.cancelTimer(pauseTimer)) {
      idleMs = settings.pollIntervalMs();
      pauseFor(Math.max(1, when - System.currentTimeMillis()));
    }
  }

  /**
   * One push and its recorded outcome. An acknowledgement is written with others ({@link AckBatch}); if the order moved
   * on while the push was in flight, the row stays under the same lease and its newer state is pushed right after, by
   * this pusher. A failure is written at once: the row waits out its backoff, and the claim loop is woken for it. Never
   * fails: an outcome that cannot be stored waits out the lease. A push whose answer is slower than its lease allows
   * (a move's short one) extends the lease before it runs out.
   */
  private Future<Void> push(Claimed claimed, Instant leaseUntil) {
    Snapshot s = claimed.snapshot();
    long holdIn = leaseUntil.toEpochMilli() - LEASE_MARGIN_MS - System.currentTimeMillis();
    long holdTimer = holdIn >= settings.httpTimeoutMs() + LEASE_MARGIN_MS + settings.ackBatchMs() ? -1
        : vertx.setTimer(Math.max(1, holdIn), t -> repository.hold(claimed,
                Instant.now().plusMillis(settings.leaseMs()))
            .onComplete(ar -> {
              if (ar.failed() || !ar.result()) {
                log.warn("pushback lease not extended orderId={} version={} error={}", s.orderId(), s.version(),
                    ar.failed() ? ar.cause().toString() : "lease taken over");
              }
            }));
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
          int status = ar.succeeded() ? ar.result().statusCode() : 0;
          boolean acked = status >= 200 && status < 300;
          if (acked) {
            return acks.add(claimed)
                .onComplete(x -> vertx.cancelTimer(holdTimer))
                .compose(row -> acknowledged(claimed, row))
                .recover(err -> {
                  log.warn("pushback acknowledgement not stored orderId={} version={} error={}; sent again after the"
                      + " lease", s.orderId(), s.version(), err.toString());
                  return Future.succeededFuture();
                });
          }
          vertx.cancelTimer(holdTimer);
          String error = ar.failed() ? describe(ar.cause())
              : "HTTP " + status + ": " + abbreviate(ar.result().bodyAsString());
          Instant now = Instant.now();
          long delay = PushbackRules.backoffMs(claimed.attempts() + 1, settings.initialBackoffMs(),
              settings.maxBackoffMs(), settings.jitter(), ThreadLocalRandom.current().nextDouble());
          Instant retryAt = now.plusMillis(delay);
          return repository.failed(claimed, error, now, retryAt)
              .onSuccess(held -> {
                if (held) {
                  count(claimed);
                  wake(retryAt);
                }
                outcome(s, false, error, held ? claimed.attempts() + 1 : 0, held ? retryAt : null);
              })
              .<Void>mapEmpty()
              .recover(err -> {
                log.warn("pushback failure not stored orderId={} version={} error={}; retried after the lease",
                    s.orderId(), s.version(), err.toString());
                return Future.succeededFuture();
              });
        });
  }

  /**
   * The acknowledgement of {@code claimed} is in its batch's statement; {@code row} is the order row after it when it
   * still has a state to send (else null). Counts, logs, and pushes the newer state when it is still this pusher's.
   */
  private Future<Void> acknowledged(Claimed claimed, Nudged row) {
    Snapshot s = claimed.snapshot();
    AfterAck after = row == null ? AfterAck.DONE : PushbackRules.afterAck(s.version(), claimed.leaseToken(), true,
        row.claimed().snapshot().version(), row.ackedVersion(), row.claimed().leaseToken());
    if (after != AfterAck.NOT_HELD) {
      count(claimed);
    }
    outcome(s, true, null, 0, null);
    return switch (after) {
      case DONE -> Future.succeededFuture();
      // the newer state, under the same lease, from the row the batch read back: no further read
      case MOVED_ON -> stopping ? Future.succeededFuture() : push(row.claimed(), row.leaseUntil());
      case NOT_HELD -> repository.ackedOnly(s.orderId(), s.version());
    };
  }

  private void count(Claimed claimed) {
    if (claimed.superseded() > 0) {
      superseded.increment(claimed.superseded());
    }
  }

  private void outcome(Snapshot s, boolean acked, String error, int attempts, Instant retryAt) {
    Counter.builder("kilosail.pushback.pushes").tag("outcome", acked ? "acked" : "failed").tag("platform", s.platform())
        .description("Status pushes to the food platforms, by outcome").register(registry).increment();
    if (acked) {
      log.info("pushback acked orderId={} platform={} platformOrderId={} state={} version={}", s.orderId(),
          s.platform(), s.platformOrderId(), s.state(), s.version());
      return;
    }
    Duration retryIn = retryAt == null ? Duration.ZERO : Duration.between(Instant.now(), retryAt);
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

  // ---------------------------------------------------------------- metrics

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
  }
}
