package io.kilosail.launcher.bench;

import ch.qos.logback.classic.Level;
import io.kilosail.embedded.EmbeddedInfrastructure;
import io.kilosail.infra.Clients;
import io.kilosail.intake.PlatformSignature;
import io.kilosail.ledger.Ledger;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.platform.settings.MySqlSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The end-to-end delivery benchmark: one node with every role in a JVM of its own ({@link BenchNode}) on fresh embedded
 * MariaDB, Kafka (8 partitions) and Redis; in this JVM the Kafka broker, the simulators (the courier platforms answering
 * fast: every courier step 1–20 ms, no network latency) and an open-loop load generator pushing signed orders at a
 * fixed rate over many HTTP connections. It prints, every 5 s, pushed / accepted / delivered / cancelled orders, the
 * backlog, the outbox and open sagas, the node's heap in use and CPU; then a summary of the measured window: accepted
 * orders/s, the intake answer's p50/p99/max, delivered orders/s, cancelled orders, the node's max heap in use, CPU
 * milliseconds per order for the node, mysqld, the broker, the simulators and the load generator, the node's HTTP
 * exchanges per order and MariaDB's own counters per order (writes, statements, commits, fsyncs). Durability is as
 * shipped (InnoDB flush on every commit, outbox, inbox, sagas).
 *
 * <pre>
 * mvn -B -q -pl launcher -am test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.skip=true \
 *     -Dverticles.exec.skip=true -Dexec.mainClass=io.kilosail.launcher.bench.DeliveryBenchmark \
 *     -Dbench.mode=lifecycle -Dbench.rate=200 -Dbench.duration=60
 * </pre>
 * Properties: {@code bench.mode} ({@code lifecycle}: every role and the courier simulator; {@code intake}: the
 * ingress role alone, so only intake is measured), {@code bench.rate} (orders/s pushed, 1500), {@code bench.warmup}
 * (s before measuring, the rate climbing linearly from 0 to bench.rate over them, 10), {@code bench.duration} (measured s, 60; the target is 300),
 * {@code bench.inFlight} (most pushes awaiting their answer, also the HTTP connections, 128), {@code bench.pool}
 * (the node's MySQL pool, 24), {@code bench.drain} (after the measured window, how long to wait for the accepted
 * orders to end, 60 s), {@code bench.log} (level of the io.kilosail loggers, WARN: several INFO lines per order),
 * {@code bench.cancelShare} (share of accepted orders the food platform cancels at a random moment within 2 s, 0;
 * with cancellations the run ends by reconciling the settlement reports with the per-order ledgers),
 * {@code bench.maxLateOrders} (intake's load-shedding bound in lifecycle mode, 200; pushes it refuses with 503 are
 * counted apart from errors), {@code bench.bridge} (true: in lifecycle mode one dashboard browser listens on the admin bridge, {@link
 * BridgeListener}, and the summary says how many messages per second it was sent and how old they were).
 */
public final class DeliveryBenchmark {

  private static final String MODE = System.getProperty("bench.mode", "lifecycle");
  private static final int RATE = Integer.getInteger("bench.rate", 1500);
  private static final int WARMUP_SECONDS = Integer.getInteger("bench.warmup", 10);
  private static final int MEASURED_SECONDS = Integer.getInteger("bench.duration", 60);
  private static final int MAX_IN_FLIGHT = Integer.getInteger("bench.inFlight", 128);
  private static final int MYSQL_POOL = Integer.getInteger("bench.pool", 24);
  private static final int DRAIN_SECONDS = Integer.getInteger("bench.drain", 60);
  private static final String LOG_LEVEL = System.getProperty("bench.log", "WARN");
  /** Intake's load-shedding bound (intake.admission.maxLateOrders) in lifecycle mode. */
  private static final int MAX_LATE_ORDERS = Integer.getInteger("bench.maxLateOrders", 200);
  /** Share of accepted orders their food platform cancels, at a random moment within 2 s of the push (0: none). */
  private static final double CANCEL_SHARE = Double.parseDouble(System.getProperty("bench.cancelShare", "0"));
  /** Whether one dashboard browser listens on the bridge meanwhile (lifecycle mode), to measure what it is sent. */
  private static final boolean BRIDGE = Boolean.parseBoolean(System.getProperty("bench.bridge", "true"));
  private static final int KAFKA_PARTITIONS = 8;
  private static final int REPORT_EVERY_SECONDS = 5;

  private static final String FOOD_PLATFORM = "meituan";
  private static final String SECRET = "dev-only-meituan-secret-change-me";
  private static final List<String> COURIERS = List.of("uu", "shansong", "sf", "fengniao");
  private static final List<String> OPEN_STATES = List.of("CREATED", "DISPATCHING", "ACCEPTED", "ARRIVED_AT_SHOP",
      "PICKED_UP", "ABNORMAL");

  private DeliveryBenchmark() {
  }

  public static void main(String[] args) {
    if (!MODE.equals("lifecycle") && !MODE.equals("intake")) {
      System.err.println("bench.mode must be lifecycle or intake, got " + MODE);
      System.exit(2);
    }
    int exitCode = 0;
    try (EmbeddedInfrastructure embedded = EmbeddedInfrastructure.start(
        Files.createTempDirectory("kilosail-delivery-bench-"), EmbeddedInfrastructure.Ports.ephemeral(),
        KAFKA_PARTITIONS)) {
      run(embedded.settings());
    } catch (Exception | Error e) {
      e.printStackTrace();
      exitCode = 1;
    } finally {
      System.out.flush();
    }
    // Kafka and Vert.x leave non-daemon threads that exec:java would wait for forever.
    System.exit(exitCode);
  }

  // ---------------------------------------------------------------- the run

  private static void run(InfraSettings infra) throws Exception {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.kilosail")).setLevel(Level.toLevel(LOG_LEVEL));
    boolean lifecycle = MODE.equals("lifecycle");
    BenchNode node = BenchNode.start(infra, nodeConf(lifecycle), lifecycle ? "all" : "ingress", MYSQL_POOL, LOG_LEVEL);
    int httpPort = node.httpPort;
    if (lifecycle) {
      fastCouriers(node.simulatorPort);
    }

    // The load generator and the monitor share one event loop of their own, apart from the node's.
    Vertx load = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    MySqlSettings db = infra.mysql();
    Pool monitorPool = Clients.mysqlPool(load, new MySqlSettings(db.host(), db.port(), db.database(), db.user(),
        db.password(), 2));
    printHeader(monitorPool, lifecycle);

    LoadGenerator generator = new LoadGenerator(load, httpPort, RATE, WARMUP_SECONDS, MAX_IN_FLIGHT);
    long loadThread = BenchNode.await(Future.<Long>future(p -> load.runOnContext(x ->
        p.complete(Thread.currentThread().getId()))));
    // Its own event loop: on the load generator's, frames would be read in bursts and the busiest second overstated.
    Vertx browser = lifecycle && BRIDGE ? Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1)) : null;
    BridgeListener bridge = browser != null ? await(BridgeListener.connect(browser, httpPort)) : null;
    long[] bridgeWindow = new long[4];
    Monitor monitor = new Monitor(monitorPool, lifecycle, node, loadThread);
    Histogram intakeMeasured = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    Histogram intakeFromScheduleMeasured = new Histogram(TimeUnit.SECONDS.toMicros(600), 3);
    Instant benchStart = Instant.now();
    generator.start();
    long startNanos = System.nanoTime();
    Sample atMeasureStart = null;
    Sample atMeasureEnd = null;
    Sample previousReport = monitor.sample(generator, 0);
    long maxHeap = previousReport.heapUsed;
    double minDeliveredRate = Double.MAX_VALUE;
    double maxDeliveredRate = 0;
    int second = 0;
    int stopAt = WARMUP_SECONDS + MEASURED_SECONDS;
    while (true) {
      second++;
      sleepUntil(startNanos + TimeUnit.SECONDS.toNanos(second));
      if (second == stopAt) {
        generator.stop();
      }
      Sample now = monitor.sample(generator, second);
      maxHeap = Math.max(maxHeap, now.heapUsed);
      if (second == WARMUP_SECONDS) {
        now.window = monitor.windowEdge();
        atMeasureStart = now;
        if (bridge != null) {
          bridgeWindow[0] = bridge.received();
          bridgeWindow[1] = Instant.now().getEpochSecond();
        }
      }
      if (second == stopAt) {
        now.window = monitor.windowEdge();
        atMeasureEnd = now;
        if (bridge != null) {
          bridgeWindow[2] = bridge.received();
          bridgeWindow[3] = Instant.now().getEpochSecond();
        }
      }
      boolean draining = second > stopAt;
      boolean drained = draining && (!lifecycle || now.open() == 0 && generator.inFlight() == 0)
          || second >= stopAt + DRAIN_SECONDS;
      // A report at both ends of the window too, so every interval is either inside it or outside it.
      if (second % REPORT_EVERY_SECONDS == 0 || second == WARMUP_SECONDS || second == stopAt || drained) {
        Histogram interval = generator.serviceTime.getIntervalHistogram();
        Histogram intervalFromSchedule = generator.fromSchedule.getIntervalHistogram();
        boolean inWindow = second > WARMUP_SECONDS && second <= stopAt;
        if (inWindow) {
          intakeMeasured.add(interval);
          intakeFromScheduleMeasured.add(intervalFromSchedule);
          double rate = (now.delivered - previousReport.delivered) / (double) (now.second - previousReport.second);
          minDeliveredRate = Math.min(minDeliveredRate, rate);
          maxDeliveredRate = Math.max(maxDeliveredRate, rate);
        }
        monitor.slowCounts(now);
        printLine(second <= WARMUP_SECONDS ? "warm-up" : draining ? "drain" : "measured", now, previousReport,
            interval);
        previousReport = now;
      }
      if (drained) {
        break;
      }
    }
    Sample end = previousReport;
    printSummary(generator, atMeasureStart, atMeasureEnd, end, intakeMeasured, intakeFromScheduleMeasured, maxHeap,
        minDeliveredRate, maxDeliveredRate, lifecycle, second - stopAt);
    if (bridge != null) {
      printBridge(bridge, bridgeWindow, atMeasureEnd.second - atMeasureStart.second);
    }
    if (lifecycle) {
      printDeliveryLatency(monitorPool);
      System.out.printf("cancel requests    %s%n", generator.cancels);
      reconcile(monitorPool, httpPort, benchStart);
    }
    node.close();
    if (browser != null) {
      await(browser.close());
    }
    await(load.close());
  }

  /** The node's own group-commit defaults unless bench.intakeInFlight / bench.intakeGroup say otherwise. */
  private static JsonObject intakeBatch() {
    JsonObject batch = new JsonObject();
    Integer inFlight = Integer.getInteger("bench.intakeInFlight");
    Integer group = Integer.getInteger("bench.intakeGroup");
    if (inFlight != null) {
      batch.put("maxInFlight", inFlight);
    }
    if (group != null) {
      batch.put("maxOrders", group);
    }
    return batch;
  }

  private static JsonObject nodeConf(boolean lifecycle) {
    return new JsonObject()
        // Intake alone dispatches nothing, so every order would count as waiting: no load shedding there.
        .put("intake", new JsonObject().put("admission", new JsonObject().put("enabled", lifecycle)
                .put("maxLateOrders", MAX_LATE_ORDERS))
            .put("batch", intakeBatch()))
        .put("dispatch", new JsonObject()
            .put("defaultStrategy", "CHEAPEST")
            .put("rules", new JsonArray()))
        .put("quoting", new JsonObject()
            .put("rulesFile", "does-not-exist.json")
            .put("rules", new JsonObject().put("timeZone", "Asia/Shanghai").put("rules", new JsonArray()
                .add(new JsonObject().put("name", "everywhere").put("couriers", new JsonArray(COURIERS))))
                // The demo's margin rule (conf/quoting-rules.json): orders no courier fits go back to the platform.
                .put("margins", new JsonArray().add(new JsonObject().put("name", "everywhere")
                    .put("minMarginFen", 100).put("minMarginPercent", 10).put("whenNoCourierFits", "HAND_BACK")))))
        .put("relay", new JsonObject()
            .put("workers", 8)
            .put("batchSize", 1000)
            .put("idlePollMs", 10)
            .put("lingerMs", 5));
  }

  /** Every courier platform takes each order and moves it on within 1–20 ms a step; prices differ, so CHEAPEST picks UU. */
  private static void fastCouriers(int simulatorPort) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    long price = 900;
    for (String platform : COURIERS) {
      JsonObject behaviour = new JsonObject().put("priceFen", price).put("latencyMs", 0).put("acceptDelayMs", 10)
          .put("arriveDelayMs", 5).put("pickupDelayMs", 5).put("deliverDelayMs", 10);
      price += 50;
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + simulatorPort
              + "/_control/" + platform)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(behaviour.encode())).build(), HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        throw new IllegalStateException("simulator " + platform + " refused " + behaviour + ": " + answer.body());
      }
    }
  }

  // ---------------------------------------------------------------- load

  /**
   * Open loop: a 1 ms timer sends whatever the schedule (order n is due at start + n / rate) says is due, as long as
   * fewer than {@code maxInFlight} pushes await their answer. Two latencies per push: from sending (the intake answer)
   * and from its scheduled instant (includes waiting here when the bound was reached: no coordinated omission).
   */
  private static final class LoadGenerator {
    final Recorder serviceTime = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
    final Recorder fromSchedule = new Recorder(TimeUnit.SECONDS.toMicros(600), 3);
    final AtomicLong pushed = new AtomicLong();
    final AtomicLong accepted = new AtomicLong();
    /** Pushes refused with 503 by intake's load shedding: answers, not errors (the platform retries elsewhere). */
    final AtomicLong shed = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> cancels = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final HttpClient client;
    private final double rate;
    /** The rate climbs linearly from 0 to {@link #rate} over this many seconds: a cold node is not hit at full rate. */
    private final double rampSeconds;
    private final int maxInFlight;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private long startNanos;
    private long timer = -1;
    private volatile boolean stopped;

    LoadGenerator(Vertx vertx, int port, double rate, double rampSeconds, int maxInFlight) {
      this.vertx = vertx;
      this.rate = rate;
      this.rampSeconds = rampSeconds;
      this.maxInFlight = maxInFlight;
      this.client = vertx.httpClientBuilder()
          .with(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port).setKeepAlive(true))
          .with(new PoolOptions().setHttp1MaxSize(maxInFlight).setMaxWaitQueueSize(-1))
          .build();
    }

    void start() {
      vertx.runOnContext(x -> {
        startNanos = System.nanoTime();
        timer = vertx.setPeriodic(1, t -> sendDue());
      });
    }

    void stop() {
      stopped = true;
      vertx.runOnContext(x -> vertx.cancelTimer(timer));
    }

    long inFlight() {
      return pushed.get() - answered.get();
    }

    private void sendDue() {
      if (stopped) {
        return;
      }
      double elapsed = (System.nanoTime() - startNanos) / 1e9;
      long due = (long) (elapsed < rampSeconds ? rate * elapsed * elapsed / (2 * rampSeconds)
          : rate * (elapsed - rampSeconds / 2));
      while (pushed.get() < due && inFlight() < maxInFlight) {
        push(pushed.getAndIncrement());
      }
    }

    private void push(long n) {
      double rampOrders = rate * rampSeconds / 2;
      double dueSecond = n < rampOrders ? Math.sqrt(2 * rampSeconds * n / rate) : n / rate + rampSeconds / 2;
      long scheduledAt = startNanos + (long) (dueSecond * 1e9);
      Instant now = Instant.now();
      String body = order(runId + "-" + n, now).encode();
      String ts = String.valueOf(now.getEpochSecond());
      String signature = PlatformSignature.sign(SECRET, ts, body.getBytes(StandardCharsets.UTF_8));
      long sentAt = System.nanoTime();
      client.request(HttpMethod.POST, "/v1/orders")
          .compose(request -> request
              .putHeader("Content-Type", "application/json")
              .putHeader("X-Kilosail-Platform", FOOD_PLATFORM)
              .putHeader("X-Kilosail-Timestamp", ts)
              .putHeader("X-Kilosail-Signature", signature)
              .send(body)
              .compose(response -> response.body().map(b -> {
                if (response.statusCode() == 202 && CANCEL_SHARE > 0
                    && ThreadLocalRandom.current().nextDouble() < CANCEL_SHARE) {
                  String orderId = new JsonObject(b).getString("orderId");
                  vertx.setTimer(1 + ThreadLocalRandom.current().nextInt(2_000), t -> cancel(orderId));
                }
                return response.statusCode();
              })))
          .onComplete(result -> {
            long end = System.nanoTime();
            serviceTime.recordValue(Math.min((end - sentAt) / 1_000, TimeUnit.SECONDS.toMicros(60)));
            fromSchedule.recordValue(Math.min((end - scheduledAt) / 1_000, TimeUnit.SECONDS.toMicros(600)));
            if (result.succeeded() && result.result() / 100 == 2) {
              accepted.incrementAndGet();
            } else if (result.succeeded() && result.result() == 503) {
              shed.incrementAndGet();
            } else {
              String error = result.succeeded() ? "HTTP " + result.result()
                  : result.cause().getClass().getSimpleName();
              errors.computeIfAbsent(error, e -> new AtomicLong()).incrementAndGet();
            }
            answered.incrementAndGet();
            sendDue();
          });
    }

    /** The food platform cancels the order, signed like a push; 200 and 409 (already delivered) are both answers. */
    private void cancel(String orderId) {
      String body = new JsonObject().put("reason", "benchmark: customer changed their mind").encode();
      String ts = String.valueOf(Instant.now().getEpochSecond());
      String signature = PlatformSignature.sign(SECRET, ts, body.getBytes(StandardCharsets.UTF_8));
      client.request(HttpMethod.POST, "/v1/orders/" + orderId + "/cancel")
          .compose(request -> request
              .putHeader("Content-Type", "application/json")
              .putHeader("X-Kilosail-Platform", FOOD_PLATFORM)
              .putHeader("X-Kilosail-Timestamp", ts)
              .putHeader("X-Kilosail-Signature", signature)
              .send(body)
              .compose(response -> response.body().map(b -> response.statusCode())))
          .onComplete(result -> cancels.computeIfAbsent(result.succeeded() ? "HTTP " + result.result()
              : result.cause().getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet());
    }

    /** An order from one of 200 shops in Shanghai to a random address within about 2 km: the quote cache rarely hits. */
    private static JsonObject order(String id, Instant now) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int shop = random.nextInt(200);
      double shopLat = 31.15 + (shop % 20) * 0.01;
      double shopLng = 121.40 + (shop / 20) * 0.01;
      return new JsonObject()
          .put("platformOrderId", "BENCH-" + id)
          .put("city", "shanghai")
          .put("shop", new JsonObject().put("id", "shop-" + shop).put("name", "Bench Kitchen " + shop))
          .put("pickup", new JsonObject().put("name", "Bench Kitchen " + shop).put("phone", "021-5555-0101")
              .put("address", shop + " Nanjing West Rd").put("lat", round6(shopLat)).put("lng", round6(shopLng)))
          .put("dropoff", new JsonObject().put("name", "Li Lei").put("phone", "138-0000-0001")
              .put("address", "1 Century Ave").put("lat", round6(shopLat + random.nextDouble(-0.015, 0.015)))
              .put("lng", round6(shopLng + random.nextDouble(-0.015, 0.015))))
          .put("weightGrams", 500 + random.nextInt(3000))
          // 10 to 16 yuan: the cheapest courier (9 yuan) leaves the margin rule's 10 % on most orders, not on all.
          .put("deliveryFeeFen", 1_000 + random.nextInt(61) * 10)
          .put("placedAt", now.toString())
          .put("expectedDeliveryAt", now.plusSeconds(2700).toString());
    }

    private static double round6(double v) {
      return Math.round(v * 1e6) / 1e6;
    }
  }

  // ---------------------------------------------------------------- monitoring

  /** What the monitor saw at one second. */
  private static final class Sample {
    int second;
    long pushed;
    long accepted;
    long delivered;
    Map<String, Long> otherStates = new TreeMap<>();
    long heapUsed;
    BenchNode.Cpu cpu;
    /** At the window's two edges only: what the per-order figures are computed from. */
    WindowEdge window;
    long outboxUnsent = -1;
    long sagasOpen = -1;
    double countMs;

    long cancelled() {
      return otherStates.getOrDefault("CANCELLED", 0L);
    }

    long open() {
      return OPEN_STATES.stream().mapToLong(s -> otherStates.getOrDefault(s, 0L)).sum();
    }
  }

  /** The node's HTTP exchanges and MariaDB's counters at one edge of the measured window. */
  private record WindowEdge(long httpExchanges, Map<String, Long> sql) {
  }

  private static final class Monitor {
    private final Pool pool;
    private final boolean lifecycle;
    private final BenchNode node;
    private final long loadThread;

    Monitor(Pool pool, boolean lifecycle, BenchNode node, long loadThread) {
      this.pool = pool;
      this.lifecycle = lifecycle;
      this.node = node;
      this.loadThread = loadThread;
    }

    WindowEdge windowEdge() {
      Map<String, Long> sql = new HashMap<>();
      await(pool.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('" + String.join("','", BenchNode.SQL_COUNTERS)
          + "')").execute()).forEach(r -> sql.put(r.getString(0), Long.parseLong(r.getString(1))));
      return new WindowEdge(node.scrape().httpExchanges(), sql);
    }

    /** Every second: orders by state. DELIVERED is counted on its own (the state index makes every count a range). */
    Sample sample(LoadGenerator generator, int second) {
      Sample s = new Sample();
      s.second = second;
      s.pushed = generator.pushed.get();
      s.accepted = generator.accepted.get();
      s.heapUsed = second % REPORT_EVERY_SECONDS == 0 ? node.scrape().heapUsed() : 0;
      s.cpu = node.cpu(loadThread);
      long started = System.nanoTime();
      if (lifecycle) {
        s.delivered = await(pool.query("SELECT COUNT(*) FROM delivery_order WHERE state = 'DELIVERED'").execute())
            .iterator().next().getLong(0);
      }
      String states = String.join(",", OPEN_STATES.stream().map(x -> "'" + x + "'").toList()) + ",'CANCELLED'";
      for (Row row : await(pool.query("SELECT state, COUNT(*) FROM delivery_order WHERE state IN (" + states
          + ") GROUP BY state").execute())) {
        s.otherStates.put(row.getString(0), row.getLong(1));
      }
      s.countMs = (System.nanoTime() - started) / 1e6;
      return s;
    }

    /** Every report: unsent outbox rows and sagas not ended (next_wakeup_at is NULL once a saga has ended; indexed). */
    void slowCounts(Sample s) {
      s.outboxUnsent = await(pool.query("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").execute())
          .iterator().next().getLong(0);
      s.sagasOpen = await(pool.query("SELECT COUNT(*) FROM saga_instance WHERE next_wakeup_at IS NOT NULL").execute())
          .iterator().next().getLong(0);
    }
  }

  // ---------------------------------------------------------------- output

  private static void printHeader(Pool pool, boolean lifecycle) {
    Map<String, String> vars = new TreeMap<>();
    await(pool.query("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'innodb_flush_log_at_trx_commit',"
        + " 'sync_binlog', 'log_bin')").execute()).forEach(r -> vars.put(r.getString(0), r.getString(1)));
    System.out.printf("%nkilosail delivery benchmark: mode=%s, %d cores, max heap %d MB, MariaDB %s %s%n", MODE,
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, vars.remove("version"),
        vars);
    System.out.printf("target %,d orders/s, warm-up %d s, measured %d s, at most %d pushes in flight, MySQL pool %d,"
            + " Kafka partitions %d, io.kilosail log level %s%n", RATE, WARMUP_SECONDS, MEASURED_SECONDS,
        MAX_IN_FLIGHT, MYSQL_POOL, KAFKA_PARTITIONS, LOG_LEVEL);
    System.out.println(lifecycle
        ? "node: every role + courier simulator (accept 10 ms, arrive 5 ms, pickup 5 ms, deliver 10 ms), CHEAPEST"
        : "node: ingress role only (orders are stored with their outbox event; nothing consumes them)");
    System.out.printf("%6s %-8s %9s %9s %9s %6s %8s %8s %9s %8s %8s %7s %5s %7s %7s %7s%n", "t s", "phase", "pushed",
        "accepted", "delivered", "cancel", "backlog", "accept/s", "deliver/s", "p50 ms", "p99 ms", "outbox",
        "sagas", "heap MB", "node %", "mysqld%");
  }

  private static void printLine(String phase, Sample now, Sample before, Histogram interval) {
    double seconds = now.second - before.second;
    double jvm = 100 * (now.cpu.node() - before.cpu.node()) / seconds;
    double mysqld = 100 * (now.cpu.mysqld() - before.cpu.mysqld()) / seconds;
    long backlog = now.accepted - now.delivered - now.cancelled();
    System.out.printf("%6d %-8s %,9d %,9d %,9d %6d %,8d %,8.0f %,9.0f %8.1f %8.1f %,7d %,5d %7d %7.0f %7.0f%n",
        now.second, phase, now.pushed, now.accepted, now.delivered, now.cancelled(), backlog,
        (now.accepted - before.accepted) / seconds, (now.delivered - before.delivered) / seconds,
        interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(50) / 1e3,
        interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99) / 1e3, now.outboxUnsent, now.sagasOpen,
        now.heapUsed >> 20, jvm, mysqld);
  }

  /** What one dashboard browser was sent over the bridge during the measured window (issue 8's bounded rate). */
  private static void printBridge(BridgeListener bridge, long[] window, double seconds) {
    long messages = window[2] - window[0];
    System.out.printf("bridge to 1 browser %,9d msgs = %,8.1f msgs/s (busiest second %d; %d topics)   per topic: %s%n",
        messages, messages / seconds, bridge.maxPerSecond(window[1] + 1, window[3]), BridgeListener.TOPICS.size(),
        bridge.byTopic());
    synchronized (bridge.ageMs) {
      System.out.printf("  update age       p50 %d ms, p99 %d ms, max %d ms (published to received, over the run)%n",
          bridge.ageMs.getValueAtPercentile(50), bridge.ageMs.getValueAtPercentile(99), bridge.ageMs.getMaxValue());
    }
  }

  private static void printSummary(LoadGenerator g, Sample start, Sample end, Sample last, Histogram intake,
                                   Histogram fromSchedule, long maxHeap, double minDeliveredRate,
                                   double maxDeliveredRate, boolean lifecycle, int drainSeconds) {
    double seconds = end.second - start.second;
    System.out.printf("%n== measured window: %d s at a target of %,d orders/s (mode %s)%n", (int) seconds, RATE, MODE);
    System.out.printf("pushed             %,10d  = %,8.0f orders/s%n", end.pushed - start.pushed,
        (end.pushed - start.pushed) / seconds);
    System.out.printf("accepted (2xx)     %,10d  = %,8.0f orders/s   errors over the whole run: %s%n",
        end.accepted - start.accepted, (end.accepted - start.accepted) / seconds, errors(g));
    System.out.printf("refused (503)      %,10d  pushes shed by intake over the whole run (intake.admission.maxLateOrders"
        + " %,d)%n", g.shed.get(), MAX_LATE_ORDERS);
    System.out.printf("intake answer      p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (from sending; %,d answers)%n",
        intake.getValueAtPercentile(50) / 1e3, intake.getValueAtPercentile(99) / 1e3,
        intake.getValueAtPercentile(99.9) / 1e3, intake.getMaxValue() / 1e3, intake.getTotalCount());
    System.out.printf("  from schedule    p50 %.1f ms, p99 %.1f ms, max %.1f ms (includes waiting for a free slot of %d)%n",
        fromSchedule.getValueAtPercentile(50) / 1e3, fromSchedule.getValueAtPercentile(99) / 1e3,
        fromSchedule.getMaxValue() / 1e3, MAX_IN_FLIGHT);
    if (lifecycle) {
      System.out.printf("delivered          %,10d  = %,8.0f orders/s sustained over the window (5 s intervals: min %,.0f,"
              + " max %,.0f)%n", end.delivered - start.delivered, (end.delivered - start.delivered) / seconds,
          minDeliveredRate, maxDeliveredRate);
      System.out.printf("backlog            %,d accepted orders not ended at the end of the window; %s %d s after the"
              + " load stopped: %,d open %s, %,d unsent outbox rows, %,d sagas not ended%n",
          end.accepted - end.delivered - end.cancelled(), last.open() == 0 ? "all ended" : "NOT all ended",
          drainSeconds, last.open(), openStates(last), last.outboxUnsent, last.sagasOpen);
      System.out.printf("cancelled          %,10d  orders ended CANCELLED over the whole run (should be 0, or with"
          + " bench.cancelShare the cancel requests answered 200)%n", last.cancelled());
    } else {
      System.out.printf("stored             %,d orders CREATED, %,d unsent outbox rows (no relay in this mode)%n",
          last.otherStates.getOrDefault("CREATED", 0L), last.outboxUnsent);
    }
    System.out.printf("node heap in use   max %,d MB (the node's jvm_memory_used_bytes, read every %d s, no forced GC)%n",
        maxHeap >> 20, REPORT_EVERY_SECONDS);
    long orders = lifecycle ? end.delivered - start.delivered : end.accepted - start.accepted;
    String per = lifecycle ? "delivered" : "accepted";
    System.out.printf("CPU over the window (2 cores = 200 %%): %s%n", end.cpu.share(start.cpu, seconds));
    System.out.printf("CPU ms per %s order: %s (%,d orders)%n", per, end.cpu.perOrder(start.cpu, orders), orders);
    System.out.printf("HTTP per %s order: %.1f exchanges (the node's requests sent and answered over the window)%n",
        per, (end.window.httpExchanges() - start.window.httpExchanges()) / (double) Math.max(1, orders));
    System.out.printf("SQL per %s order:  %s (MariaDB's counters over the window; statements include the"
        + " monitor's few per second)%n", per, BenchNode.sqlPerOrder(start.window.sql(), end.window.sql(), orders));
    System.out.printf("monitor's state counts took %.1f ms at the end of the window%n", end.countMs);
  }

  /**
   * The finance check of issue 6: the settlement reports' totals over the run equal the sums of the per-order ledgers
   * exactly, and every order's ledger balances.
   */
  private static void reconcile(Pool pool, int httpPort, Instant from) throws Exception {
    Map<String, List<Ledger.Posting>> perOrder = new HashMap<>();
    for (Row r : await(pool.query("SELECT order_id, entry_type, account, counterparty, amount_fen FROM ledger_entry")
        .execute())) {
      perOrder.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(new Ledger.Posting(r.getString(0),
          r.getString(1), r.getString(2), r.getString(3), r.getLong(4), from));
    }
    long receivable = 0;
    long payable = 0;
    long margin = 0;
    long unbalanced = 0;
    for (List<Ledger.Posting> postings : perOrder.values()) {
      receivable += Ledger.balance(postings, Ledger.RECEIVABLE_PLATFORM);
      payable -= Ledger.balance(postings, Ledger.PAYABLE_COURIER);
      margin += Ledger.margin(postings);
      unbalanced += Ledger.balances(postings) ? 0 : 1;
    }
    String period = "?from=" + from.minusSeconds(3600) + "&to=" + Instant.now().plusSeconds(3600);
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    String finance = "Bearer " + io.kilosail.launcher.TestCredentials.operatorToken("benchmark",
        io.kilosail.access.Role.FINANCE);
    JsonObject platforms = new JsonObject(http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + httpPort + "/v1/settlements" + period)).header("Authorization", finance).build(),
        HttpResponse.BodyHandlers.ofString()).body()).getJsonObject("total");
    JsonObject couriers = new JsonObject(http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + httpPort + "/v1/settlements/couriers" + period))
            .header("Authorization", finance).build(),
        HttpResponse.BodyHandlers.ofString()).body()).getJsonObject("total");
    boolean equal = platforms.getLong("receivableFen") == receivable && couriers.getLong("payableFen") == payable
        && platforms.getLong("marginFen") == margin;
    System.out.printf("settlement         %s: report receivable %,d / payable %,d / margin %,d fen; sums of %,d"
            + " per-order ledgers %,d / %,d / %,d fen; unbalanced orders: %d%n", equal ? "EQUAL" : "DIFFERENT",
        platforms.getLong("receivableFen"), couriers.getLong("payableFen"), platforms.getLong("marginFen"),
        perOrder.size(), receivable, payable, margin, unbalanced);
    long delivered = await(pool.query("SELECT COUNT(*) FROM delivery_order WHERE state = 'DELIVERED'").execute())
        .iterator().next().getLong(0);
    long all = await(pool.query("SELECT COUNT(*) FROM delivery_order").execute()).iterator().next().getLong(0);
    long handedBack = await(pool.query("SELECT COUNT(*) FROM order_cancellation WHERE reason LIKE 'handed back%'")
        .execute()).iterator().next().getLong(0);
    System.out.printf("margin             %,.1f fen per delivered order (%,d delivered); %,d of %,d orders (%.1f %%)"
            + " handed back to the food platform: no courier within the margin%n",
        delivered == 0 ? 0.0 : (double) margin / delivered, delivered, handedBack, all,
        all == 0 ? 0.0 : 100.0 * handedBack / all);
  }

  /**
   * From push to DELIVERED, per delivered order: the order's {@code received_at} (intake's commit) to the courier's
   * DELIVERED instant ({@code courier_state_at}); both clocks are this machine's.
   */
  private static void printDeliveryLatency(Pool pool) {
    Histogram latency = new Histogram(3_600_000L, 3);
    for (Row r : await(pool.query("SELECT TIMESTAMPDIFF(MICROSECOND, received_at, courier_state_at) FROM delivery_order"
        + " WHERE state = 'DELIVERED' AND courier_state_at IS NOT NULL").execute())) {
      latency.recordValue(Math.max(0, Math.min(r.getLong(0) / 1_000, 3_600_000L)));
    }
    System.out.printf("push to DELIVERED  p50 %,d ms, p99 %,d ms, max %,d ms (%,d delivered orders, the whole run)%n",
        latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getMaxValue(),
        latency.getTotalCount());
  }

  private static String errors(LoadGenerator g) {
    Map<String, Long> errors = new TreeMap<>();
    g.errors.forEach((k, v) -> errors.put(k, v.get()));
    return errors.isEmpty() ? "none" : errors.toString();
  }

  private static String openStates(Sample s) {
    Map<String, Long> open = new TreeMap<>(s.otherStates);
    open.remove("CANCELLED");
    return open.toString();
  }

  // ---------------------------------------------------------------- helpers

  private static void sleepUntil(long nanos) throws InterruptedException {
    long wait = nanos - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
