package io.kilosail.admin;

import io.kilosail.delivery.DeliverySaga;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.platform.settings.InfraSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Feeds the admin dashboard: every {@code admin.dashboard.publishIntervalMs} (1 s) it publishes one compact JSON
 * message on each {@code dashboard.*} topic, so what the bridge sends a browser is bounded by the number of topics
 * and the interval, whatever the load (7 topics: at most 7 messages per second per browser by default; a late
 * in-progress count may land in the next second, never more than one behind).
 * <p>
 * The figures are cheap on purpose: Micrometer meters of this node (counter deltas over the interval give the rates)
 * and one indexed query for the orders still in progress ({@code idx_delivery_order_state}: it reads the live orders
 * only, never the delivered or cancelled history), run at most once at a time. Meters are this node's: run the admin
 * role on a node that also runs ingress, quote, dispatch, saga and relay, or read the others' {@code /metrics}.
 * <ul>
 *   <li>{@code dashboard.throughput}: orders pushed, delivered and cancelled per second, and since start;</li>
 *   <li>{@code dashboard.orders}: orders in progress by state, and the shop's open checkouts by state (from MySQL,
 *   every node's);</li>
 *   <li>{@code dashboard.couriers}: each courier platform's circuit and calls per second, failures included;</li>
 *   <li>{@code dashboard.quotes}: quotes per second, their mean and max latency, the share that found a price;</li>
 *   <li>{@code dashboard.sagas}: started, completed, compensated, failed by type; running; the latest failures;</li>
 *   <li>{@code dashboard.messaging}: outbox backlog and oldest unsent age, consumer lag per group, push-back backlog;</li>
 *   <li>{@code dashboard.margins}: orders taken below the margin's floor (an allowed loss) since this node started, in
 *   the whole cluster (the quote verticles publish each one), and the latest of them; orders handed back (this
 *   node's meter).</li>
 * </ul>
 */
public class DashboardVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(DashboardVerticle.class);

  /** States an order is still in; the index makes the count read only those rows. */
  private static final String LIVE_ORDERS = "SELECT state, COUNT(*) AS n FROM delivery_order"
      + " WHERE state IN ('CREATED', 'DISPATCHING', 'ACCEPTED', 'ARRIVED_AT_SHOP', 'PICKED_UP', 'ABNORMAL')"
      + " GROUP BY state";
  /** The shop's checkouts not ended yet (idx_checkout_state). */
  private static final String LIVE_CHECKOUTS = "SELECT state, COUNT(*) AS n FROM checkout_order"
      + " WHERE state IN ('CREATED', 'AWAITING_PAYMENT', 'PAID', 'DELIVERING') GROUP BY state";
  private static final String[] SAGA_ENDS = {"started", "completed", "compensated", "failed"};
  private static final int FAILURES_KEPT = 10;

  private MeterRegistry registry;
  private Pool mysql;
  private long timer;
  private long intervalMs;
  private MessageConsumer<Object> failures;
  private final Deque<JsonObject> latestFailures = new ArrayDeque<>();
  private MessageConsumer<Object> belowFloor;
  private final Deque<JsonObject> latestBelowFloor = new ArrayDeque<>();
  private long belowFloorSeen;
  /** Each counter's total at the previous tick, to publish rates rather than ever-growing totals. */
  private final Map<String, Double> previous = new HashMap<>();
  private long previousTickNanos;
  private boolean ordersQueryRunning;
  private boolean stopped;
  private io.kilosail.shop.CourierBalanceGauges balances;
  private long balanceTimer;
  private MessageConsumer<Object> balanceChanges;

  @Override
  public Future<?> start() {
    JsonObject settings = config().getJsonObject("admin", new JsonObject())
        .getJsonObject("dashboard", new JsonObject());
    // Below 250 ms a browser gains nothing and the bridge's rate would grow with it.
    intervalMs = Math.max(250, settings.getLong("publishIntervalMs", 1000L));
    registry = Meters.registry(NodeConfig.fromJson(config()));
    mysql = Clients.mysqlPool(vertx, InfraSettings.fromJson(config()).mysql());
    failures = vertx.eventBus().consumer(AdminAddresses.SAGA_FAILED, message -> {
      if (message.body() instanceof JsonObject failure) {
        latestFailures.addFirst(failure);
        while (latestFailures.size() > FAILURES_KEPT) {
          latestFailures.removeLast();
        }
      }
    });
    io.kilosail.shop.ShopSettings shopSettings = io.kilosail.shop.ShopSettings.fromJson(config());
    balances = new io.kilosail.shop.CourierBalanceGauges(registry, shopSettings.lowThresholdFen());
    balanceTimer = vertx.setPeriodic(0, shopSettings.refreshMs(), id -> refreshBalances());
    balanceChanges = vertx.eventBus().consumer(io.kilosail.shop.CourierBalanceGauges.CHANGED, m -> refreshBalances());
    belowFloor = vertx.eventBus().consumer(AdminAddresses.MARGIN_BELOW_FLOOR, message -> {
      if (message.body() instanceof JsonObject order) {
        belowFloorSeen++;
        latestBelowFloor.addFirst(order);
        while (latestBelowFloor.size() > FAILURES_KEPT) {
          latestBelowFloor.removeLast();
        }
      }
    });
    previousTickNanos = System.nanoTime();
    scheduleTick();
    log.info("dashboard publishing every {} ms on dashboard.*", intervalMs);
    return Future.all(failures.completion(), belowFloor.completion());
  }

  /**
   * A fixed delay between ticks rather than a periodic timer: a periodic one fires its missed ticks back to back once a
   * busy event loop frees up, which would burst the bridge exactly when the node is under load.
   */
  private void scheduleTick() {
    timer = vertx.setTimer(intervalMs, id -> {
      if (stopped) {
        return;
      }
      try {
        tick();
      } finally {
        scheduleTick();
      }
    });
  }

  private void refreshBalances() {
    balances.refresh(mysql).onFailure(err -> log.warn("courier balances not refreshed: {}", err.toString()));
  }

  private void tick() {
    long now = System.nanoTime();
    double seconds = Math.max(0.001, (now - previousTickNanos) / 1e9);
    previousTickNanos = now;
    String at = Instant.now().toString();
    publish(AdminAddresses.THROUGHPUT, throughput(seconds).put("at", at));
    publish(AdminAddresses.COURIERS, couriers(seconds).put("at", at));
    publish(AdminAddresses.QUOTES, quotes(seconds).put("at", at));
    publish(AdminAddresses.SAGAS, sagas().put("at", at));
    publish(AdminAddresses.MESSAGING, messaging().put("at", at));
    publish(AdminAddresses.MARGINS, margins().put("at", at));
    publishLiveOrders(at);
  }

  private void publish(String address, JsonObject update) {
    vertx.eventBus().publish(address, update);
  }

  private JsonObject throughput(double seconds) {
    // Intake as the HTTP server counts it: POST /v1/orders answered 202 (a repeated push answers 200, not counted).
    double pushed = sum("vertx.http.server.requests", m -> "/v1/orders".equals(m.getId().getTag("route"))
        && "POST".equals(m.getId().getTag("method")) && "202".equals(m.getId().getTag("code")));
    // An order is delivered when its delivery saga completes; a cancelled one ends compensated instead.
    double delivered = sum("kilosail.saga.completed", m -> DeliverySaga.TYPE.equals(m.getId().getTag("type")));
    double cancelled = sum("kilosail.cancellations", m -> true);
    return new JsonObject()
        .put("pushedPerSec", rate("pushed", pushed, seconds))
        .put("deliveredPerSec", rate("delivered", delivered, seconds))
        .put("cancelledPerSec", rate("cancelled", cancelled, seconds))
        .put("pushedTotal", (long) pushed).put("deliveredTotal", (long) delivered).put("cancelledTotal", (long) cancelled);
  }

  private JsonObject couriers(double seconds) {
    Map<String, JsonObject> byPlatform = new TreeMap<>();
    for (Meter gauge : registry.find("kilosail.courier.circuit.state").meters()) {
      String platform = gauge.getId().getTag("platform");
      double state = gauge instanceof Gauge g ? g.value() : Double.NaN;
      byPlatform.put(platform, new JsonObject().put("platform", platform)
          .put("circuit", state == 0 ? "CLOSED" : state == 1 ? "HALF_OPEN" : state == 2 ? "OPEN" : "UNKNOWN"));
    }
    byPlatform.forEach((platform, row) -> {
      Predicate<Meter> mine = m -> platform.equals(m.getId().getTag("platform"));
      double calls = sum("kilosail.courier.calls", mine);
      double failed = sum("kilosail.courier.calls", mine.and(m -> !"ok".equals(m.getId().getTag("outcome"))));
      row.put("callsPerSec", rate("courier.calls." + platform, calls, seconds))
          .put("failedPerSec", rate("courier.failed." + platform, failed, seconds))
          .put("callsTotal", (long) calls).put("failedTotal", (long) failed);
    });
    // Courier accounts whose prepaid balance is under its threshold: the dashboard warns until they are topped up.
    return new JsonObject().put("couriers", new JsonArray(byPlatform.values().stream().toList()))
        .put("lowBalances", balances.low().copy());
  }

  private JsonObject quotes(double seconds) {
    double count = 0;
    double quoted = 0;
    double totalMs = 0;
    double maxMs = 0;
    for (Meter meter : registry.find("kilosail.quote.duration").meters()) {
      if (meter instanceof Timer t) {
        count += t.count();
        totalMs += t.totalTime(TimeUnit.MILLISECONDS);
        maxMs = Math.max(maxMs, t.max(TimeUnit.MILLISECONDS));
        if ("quoted".equals(meter.getId().getTag("outcome"))) {
          quoted += t.count();
        }
      }
    }
    double newCount = delta("quotes.count", count);
    double newQuoted = delta("quotes.quoted", quoted);
    double newTotalMs = delta("quotes.totalMs", totalMs);
    return new JsonObject()
        .put("perSec", round(newCount / seconds))
        // Over the last interval; null when no quote was asked for (no latency to speak of).
        .put("meanMs", newCount == 0 ? null : round(newTotalMs / newCount))
        .put("acceptedShare", newCount == 0 ? null : round(newQuoted / newCount))
        // Micrometer's decaying max: the slowest quote of the last couple of minutes.
        .put("recentMaxMs", round(maxMs))
        .put("total", (long) count).put("quotedTotal", (long) quoted);
  }

  private JsonObject sagas() {
    Map<String, JsonObject> byType = new TreeMap<>();
    for (String end : SAGA_ENDS) {
      for (Meter meter : registry.find("kilosail.saga." + end).meters()) {
        String type = meter.getId().getTag("type");
        byType.computeIfAbsent(type, t -> new JsonObject().put("type", t))
            .put(end, byType.get(type).getLong(end, 0L) + (long) count(meter));
      }
    }
    double running = sum("kilosail.saga.active", m -> true);
    return new JsonObject()
        .put("running", (long) running)
        .put("byType", new JsonArray(byType.values().stream().toList()))
        .put("latestFailures", new JsonArray(latestFailures.stream().toList()));
  }

  private JsonObject messaging() {
    JsonObject lag = new JsonObject();
    for (Meter meter : registry.find("kilosail.consumer.lag").meters()) {
      lag.put(meter.getId().getTag("group"), (long) value(meter));
    }
    return new JsonObject()
        .put("outboxBacklog", (long) sum("kilosail.outbox.backlog", m -> true))
        .put("outboxOldestUnsentSeconds", round(max("kilosail.outbox.oldest.unsent.age")))
        .put("pushbackBacklog", (long) sum("kilosail.pushback.backlog", m -> true))
        .put("consumerLag", lag);
  }

  private JsonObject margins() {
    return new JsonObject()
        .put("belowFloorTotal", belowFloorSeen)
        .put("latestBelowFloor", new JsonArray(latestBelowFloor.stream().toList()))
        .put("handedBackTotal", (long) sum("kilosail.margin.handed.back", m -> true));
  }

  private void publishLiveOrders(String at) {
    if (ordersQueryRunning) {
      // MySQL is slower than the interval right now: skip a beat rather than queue queries behind each other.
      return;
    }
    ordersQueryRunning = true;
    Future<JsonObject> deliveries = mysql.query(LIVE_ORDERS).execute().map(DashboardVerticle::countsByState);
    Future<JsonObject> checkouts = mysql.query(LIVE_CHECKOUTS).execute().map(DashboardVerticle::countsByState);
    Future.all(deliveries, checkouts)
        .onComplete(result -> {
          ordersQueryRunning = false;
          if (result.failed()) {
            log.warn("dashboard: live orders not counted: {}", result.cause().toString());
            return;
          }
          JsonObject byState = deliveries.result();
          long inProgress = byState.stream().mapToLong(e -> ((Number) e.getValue()).longValue()).sum();
          publish(AdminAddresses.ORDERS, new JsonObject().put("inProgress", inProgress).put("byState", byState)
              .put("checkoutsByState", checkouts.result()).put("at", at));
        });
  }

  private static JsonObject countsByState(RowSet<Row> rows) {
    JsonObject byState = new JsonObject();
    for (Row row : rows) {
      byState.put(row.getString("state"), row.getLong("n"));
    }
    return byState;
  }

  private double sum(String name, Predicate<Meter> which) {
    double total = 0;
    for (Meter meter : registry.find(name).meters()) {
      if (which.test(meter)) {
        total += meter instanceof Gauge ? value(meter) : count(meter);
      }
    }
    return total;
  }

  private double max(String gauge) {
    double max = 0;
    for (Meter meter : registry.find(gauge).meters()) {
      max = Math.max(max, value(meter));
    }
    return max;
  }

  private static double count(Meter meter) {
    if (meter instanceof Counter c) {
      return c.count();
    }
    if (meter instanceof FunctionCounter c) {
      return c.count();
    }
    if (meter instanceof Timer t) {
      return t.count();
    }
    return 0;
  }

  private static double value(Meter meter) {
    double v = meter instanceof Gauge g ? g.value() : 0;
    return Double.isNaN(v) ? 0 : v;
  }

  private double rate(String key, double total, double seconds) {
    return round(delta(key, total) / seconds);
  }

  /** How much {@code total} grew since the previous tick (0 on the first one, so a restart shows no spike). */
  private double delta(String key, double total) {
    Double before = previous.put(key, total);
    return before == null ? 0 : Math.max(0, total - before);
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    vertx.cancelTimer(balanceTimer);
    return Future.join(failures.unregister(), belowFloor.unregister(), balanceChanges.unregister(), mysql.close());
  }
}
