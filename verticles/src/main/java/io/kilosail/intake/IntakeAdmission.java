package io.kilosail.intake;

import io.kilosail.infra.Times;
import io.kilosail.platform.settings.ConfigSection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;

/**
 * Load shedding at the door. An order the node cannot start on soon is better refused at once (503 with Retry-After:
 * the food platform retries, or gives the order to another fleet) than accepted and delivered late, while every other
 * open order slows down with it. The signal is the node's own queue, measured where it forms: orders received but not
 * yet dispatched ({@code CREATED}) for longer than {@link Settings#lateAfter}. When {@link Settings#maxLateOrders} of
 * them wait, new pushes are refused until the queue is back under the bound. It adapts to whatever this deployment can
 * do (more nodes, a faster database) with no rate to tune, and a single stuck order cannot close the door.
 *
 * <p>The count is read once per {@link Settings#checkInterval} (an index range on {@code (state, received_at)}); a push
 * only reads the last answer. If the count cannot be read, the door stays as it was: a database that does not answer
 * refuses the order's own INSERT anyway.
 */
final class IntakeAdmission {

  private static final Logger log = LoggerFactory.getLogger(IntakeAdmission.class);
  private static final String LATE_ORDERS =
      "SELECT COUNT(*) FROM delivery_order WHERE state = 'CREATED' AND received_at < ?";

  /**
   * The {@code intake.admission} section.
   *
   * @param enabled           false: every push is admitted (no query either)
   * @param lateAfter         how long an order may wait for its dispatch before it counts as late
   * @param maxLateOrders     late orders at which the door closes
   * @param checkInterval     how often the late orders are counted
   * @param retryAfterSeconds what a refused push is told to wait
   */
  record Settings(boolean enabled, Duration lateAfter, int maxLateOrders, Duration checkInterval,
                  int retryAfterSeconds) {

    static Settings fromJson(JsonObject config) {
      ConfigSection admission = new ConfigSection(config, "intake").section("admission");
      return new Settings(admission.bool("enabled", true),
          Duration.ofMillis(admission.integer("lateAfterMs", 5_000, 100, 600_000)),
          admission.integer("maxLateOrders", 1_000, 1, 10_000_000),
          Duration.ofMillis(admission.integer("checkIntervalMs", 1_000, 50, 60_000)),
          admission.integer("retryAfterSeconds", 2, 1, 3_600));
    }
  }

  private final Settings settings;
  private final Counter shed;
  private volatile long lateOrders;
  private volatile boolean closed;

  private IntakeAdmission(Settings settings, MeterRegistry registry) {
    this.settings = settings;
    this.shed = Counter.builder("kilosail.intake.shed")
        .description("pushes refused with 503 because too many received orders wait for their dispatch")
        .register(registry);
    Gauge.builder("kilosail.intake.late.orders", this, a -> a.lateOrders)
        .description("received orders not dispatched within intake.admission.lateAfterMs, as last counted")
        .register(registry);
  }

  /** Starts counting on {@code vertx}'s current context; its periodic timer ends with the deploying verticle. */
  static IntakeAdmission start(Vertx vertx, Pool pool, Settings settings, MeterRegistry registry) {
    IntakeAdmission admission = new IntakeAdmission(settings, registry);
    if (settings.enabled()) {
      vertx.setPeriodic(settings.checkInterval().toMillis(), id -> admission.count(pool));
    }
    return admission;
  }

  /** Whether a push may come in now; counts the refusal when not. */
  boolean admit() {
    if (closed) {
      shed.increment();
      return false;
    }
    return true;
  }

  int retryAfterSeconds() {
    return settings.retryAfterSeconds();
  }

  private void count(Pool pool) {
    pool.preparedQuery(LATE_ORDERS)
        .execute(Tuple.of(Times.toDb(Instant.now().minus(settings.lateAfter()))))
        .onSuccess(rows -> observed(rows.iterator().next().getLong(0)))
        .onFailure(err -> log.debug("intake admission could not count late orders: {}", err.toString()));
  }

  void observed(long late) {
    lateOrders = late;
    boolean shouldClose = shouldClose(late, settings.maxLateOrders());
    if (shouldClose != closed) {
      closed = shouldClose;
      if (shouldClose) {
        log.warn("intake refusing new orders (503): {} received orders wait more than {} ms for their dispatch"
            + " (bound {})", late, settings.lateAfter().toMillis(), settings.maxLateOrders());
      } else {
        log.warn("intake admitting orders again: {} late orders (bound {})", late, settings.maxLateOrders());
      }
    }
  }

  static boolean shouldClose(long lateOrders, int maxLateOrders) {
    return lateOrders >= maxLateOrders;
  }
}
