package io.kilosail.launcher.bench;

import ch.qos.logback.classic.Level;
import io.kilosail.access.Role;
import io.kilosail.checkout.CheckoutRepository;
import io.kilosail.embedded.EmbeddedInfrastructure;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Times;
import io.kilosail.launcher.TestCredentials;
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
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.util.HashMap;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The checkout benchmark: one node with every role in a JVM of its own ({@link BenchNode}) on fresh embedded MariaDB,
 * Kafka and Redis; in this JVM the broker, the Stripe and courier simulators and an open-loop load of customers: each
 * checks out one SKU ({@code POST /v1/checkout}), and as soon as the payment page is there, pays it (the simulator then
 * sends its signed {@code checkout.session.completed} webhook). The monitor reads each payment's PAID commit from the
 * {@code payment} table (the webhook moves it there and signals the saga in one transaction; its {@code updated_at} is
 * that instant). Printed every 5 s and for the measured window: checkouts answered, checkouts confirmed paid per
 * second, the checkout answer's p50/p99 (stock reserved and payment page open), the payment confirmation's p50/p99
 * (from paying to PAID committed), the node's heap and CPU; then CPU milliseconds per paid checkout by component, the
 * node's HTTP exchanges and MariaDB's counters per paid checkout. Durability is as shipped.
 *
 * <pre>
 * mvn -B -q -pl launcher -am test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.skip=true \
 *     -Dverticles.exec.skip=true -Dexec.mainClass=io.kilosail.launcher.bench.CheckoutBenchmark \
 *     -Dbench.rate=200 -Dbench.duration=30
 * </pre>
 * Properties: {@code bench.rate} (checkouts/s, 200), {@code bench.warmup} (s, 10), {@code bench.duration} (measured s,
 * 30), {@code bench.inFlight} (most checkouts awaiting their answer, 256), {@code bench.pool} (MySQL pool, 24),
 * {@code bench.drain} (s to wait for the last confirmations, 30), {@code bench.log} (WARN).
 */
public final class CheckoutBenchmark {

  private static final int RATE = Integer.getInteger("bench.rate", 200);
  private static final int WARMUP_SECONDS = Integer.getInteger("bench.warmup", 10);
  private static final int MEASURED_SECONDS = Integer.getInteger("bench.duration", 30);
  private static final int MAX_IN_FLIGHT = Integer.getInteger("bench.inFlight", 256);
  private static final int MYSQL_POOL = Integer.getInteger("bench.pool", 24);
  private static final int DRAIN_SECONDS = Integer.getInteger("bench.drain", 30);
  private static final String LOG_LEVEL = System.getProperty("bench.log", "WARN");
  private static final int REPORT_EVERY_SECONDS = 5;
  private static final String SKU = "bench-tea";
  private static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(120);

  private CheckoutBenchmark() {
  }

  public static void main(String[] args) {
    int exitCode = 0;
    try (EmbeddedInfrastructure embedded = EmbeddedInfrastructure.start(
        Files.createTempDirectory("kilosail-checkout-bench-"), EmbeddedInfrastructure.Ports.ephemeral(), 8)) {
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

  private static void run(InfraSettings infra) throws Exception {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.kilosail")).setLevel(Level.toLevel(LOG_LEVEL));
    BenchNode node = BenchNode.start(infra, nodeConf(), "all", MYSQL_POOL, LOG_LEVEL);
    Vertx load = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    long loadThread = await(Future.<Long>future(p -> load.runOnContext(x -> p.complete(Thread.currentThread().getId()))));
    Customers customers = new Customers(load, node.httpPort, node.simulatorPort);
    await(customers.putSku(TestCredentials.operatorToken("benchmark", Role.CATALOG, Role.OPS)));
    MySqlSettings db = infra.mysql();
    Pool monitorPool = Clients.mysqlPool(load, new MySqlSettings(db.host(), db.port(), db.database(), db.user(),
        db.password(), 2));
    Confirmations confirmations = new Confirmations(load, monitorPool, customers);

    System.out.printf("%nkilosail checkout benchmark: %d cores, max heap %d MB; target %,d checkouts/s, warm-up %d s,"
            + " measured %d s, at most %d checkouts in flight, MySQL pool %d%n",
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, RATE, WARMUP_SECONDS,
        MEASURED_SECONDS, MAX_IN_FLIGHT, MYSQL_POOL);
    System.out.println("each customer: POST /v1/checkout (1 SKU) -> pays at once on the Stripe simulator -> webhook"
        + " -> saga -> order PAID; couriers then deliver (fast)");
    System.out.printf("%6s %-8s %9s %9s %9s %9s %9s %9s %9s %9s %7s %7s %7s%n", "t s", "phase", "sent", "201",
        "paid", "answer/s", "paid/s", "ans p99", "conf p50", "conf p99", "heap MB", "node %", "mysqld%");

    Histogram answerMeasured = new Histogram(MAX_MICROS, 3);
    Histogram confirmMeasured = new Histogram(MAX_MICROS, 3);
    Histogram totalMeasured = new Histogram(MAX_MICROS, 3);
    customers.start();
    long startNanos = System.nanoTime();
    int stopAt = WARMUP_SECONDS + MEASURED_SECONDS;
    long[] previous = {0, 0, 0};
    BenchNode.Cpu previousCpu = node.cpu(loadThread);
    BenchNode.Cpu windowStartCpu = null;
    BenchNode.Cpu windowEndCpu = null;
    long[] exchanges = new long[2];
    List<Map<String, Long>> sql = new java.util.ArrayList<>(List.of(Map.of(), Map.of()));
    long paidAtStart = 0;
    long paidAtEnd = 0;
    long answeredAtStart = 0;
    long answeredAtEnd = 0;
    long maxHeap = 0;
    int second = 0;
    while (true) {
      second++;
      long wait = startNanos + TimeUnit.SECONDS.toNanos(second) - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      if (second == stopAt) {
        customers.stop();
      }
      boolean report = second % REPORT_EVERY_SECONDS == 0 || second == WARMUP_SECONDS || second == stopAt;
      long heap = report ? node.scrape().heapUsed() : 0;
      maxHeap = Math.max(maxHeap, heap);
      long paid = confirmations.paid.get();
      long answered = customers.checkedOut.get();
      if (second == WARMUP_SECONDS) {
        paidAtStart = paid;
        answeredAtStart = answered;
        windowStartCpu = node.cpu(loadThread);
        exchanges[0] = node.scrape().httpExchanges();
        sql.set(0, sqlCounters(monitorPool));
      }
      if (second == stopAt) {
        paidAtEnd = paid;
        answeredAtEnd = answered;
        windowEndCpu = node.cpu(loadThread);
        exchanges[1] = node.scrape().httpExchanges();
        sql.set(1, sqlCounters(monitorPool));
      }
      boolean draining = second > stopAt;
      boolean drained = draining && (paid >= answered || second >= stopAt + DRAIN_SECONDS);
      if (report || drained) {
        Histogram answers = customers.answerTime.getIntervalHistogram();
        Histogram confirms = confirmations.confirmTime.getIntervalHistogram();
        Histogram totals = confirmations.totalTime.getIntervalHistogram();
        if (second > WARMUP_SECONDS && second <= stopAt) {
          answerMeasured.add(answers);
          confirmMeasured.add(confirms);
          totalMeasured.add(totals);
        }
        BenchNode.Cpu cpu = node.cpu(loadThread);
        double seconds = second - previous[0];
        System.out.printf("%6d %-8s %,9d %,9d %,9d %,9.0f %,9.0f %9.1f %9.1f %9.1f %7d %7.0f %7.0f%n", second,
            second <= WARMUP_SECONDS ? "warm-up" : draining ? "drain" : "measured", customers.sent.get(), answered,
            paid, (answered - previous[1]) / seconds, (paid - previous[2]) / seconds, p(answers, 99), p(confirms, 50),
            p(confirms, 99), heap >> 20, 100 * (cpu.node() - previousCpu.node()) / seconds,
            100 * (cpu.mysqld() - previousCpu.mysqld()) / seconds);
        previous = new long[] {second, answered, paid};
        previousCpu = cpu;
      }
      if (drained) {
        break;
      }
    }
    double seconds = MEASURED_SECONDS;
    System.out.printf("%n== measured window: %d s at a target of %,d checkouts/s%n", MEASURED_SECONDS, RATE);
    System.out.printf("checkouts answered 201   %,8d = %,6.0f /s   other answers over the run: %s%n",
        answeredAtEnd - answeredAtStart, (answeredAtEnd - answeredAtStart) / seconds, customers.errors());
    System.out.printf("confirmed paid           %,8d = %,6.0f checkouts/s through to payment confirmation%n",
        paidAtEnd - paidAtStart, (paidAtEnd - paidAtStart) / seconds);
    System.out.printf("checkout answer          p50 %.1f ms, p99 %.1f ms, max %.1f ms (stock reserved, Stripe session"
        + " created, page URL back)%n", p(answerMeasured, 50), p(answerMeasured, 99), answerMeasured.getMaxValue() / 1e3);
    System.out.printf("payment confirmation     p50 %.1f ms, p99 %.1f ms, max %.1f ms (paid at the simulator -> webhook"
        + " -> saga -> order PAID committed)%n", p(confirmMeasured, 50), p(confirmMeasured, 99),
        confirmMeasured.getMaxValue() / 1e3);
    System.out.printf("checkout to paid         p50 %.1f ms, p99 %.1f ms%n", p(totalMeasured, 50), p(totalMeasured, 99));
    System.out.printf("node heap in use         max %,d MB (the node's jvm_memory_used_bytes every %d s)%n",
        maxHeap >> 20, REPORT_EVERY_SECONDS);
    long paidInWindow = paidAtEnd - paidAtStart;
    if (windowStartCpu != null && windowEndCpu != null) {
      System.out.printf("CPU over the window (2 cores = 200 %%): %s%n", windowEndCpu.share(windowStartCpu, seconds));
      System.out.printf("CPU ms per paid checkout: %s (%,d paid)%n", windowEndCpu.perOrder(windowStartCpu, paidInWindow),
          paidInWindow);
      System.out.printf("HTTP per paid checkout: %.1f exchanges (the node's requests sent and answered over the window)%n",
          (exchanges[1] - exchanges[0]) / (double) Math.max(1, paidInWindow));
      System.out.printf("SQL per paid checkout:  %s (MariaDB's counters over the window; statements include the"
          + " monitor's)%n", BenchNode.sqlPerOrder(sql.get(0), sql.get(1), paidInWindow));
    }
    confirmations.stop();
    node.close();
    await(load.close());
  }

  private static Map<String, Long> sqlCounters(Pool pool) {
    Map<String, Long> counters = new HashMap<>();
    await(pool.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('" + String.join("','", BenchNode.SQL_COUNTERS)
        + "')").execute()).forEach(r -> counters.put(r.getString(0), Long.parseLong(r.getString(1))));
    return counters;
  }

  private static double p(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
  }

  private static JsonObject nodeConf() {
    return new JsonObject()
        .put("checkout", new JsonObject().put("answerWaitMs", 30_000))
        .put("quoting", new JsonObject()
            .put("rulesFile", "does-not-exist.json")
            .put("rules", new JsonObject().put("timeZone", "Asia/Shanghai").put("rules", new JsonArray()
                .add(new JsonObject().put("name", "everywhere")
                    .put("couriers", new JsonArray(List.of("uu", "shansong", "sf", "fengniao")))))))
        .put("relay", new JsonObject().put("workers", 8).put("batchSize", 1000).put("idlePollMs", 10)
            .put("lingerMs", 5));
  }

  /** Open loop: checkout n is due at start + n / rate, sent while fewer than maxInFlight await their answer. */
  private static final class Customers {
    final Recorder answerTime = new Recorder(MAX_MICROS, 3);
    final AtomicLong sent = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    final AtomicLong checkedOut = new AtomicLong();
    final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    /** When each order was sent and when it was paid at the simulator (System.currentTimeMillis). */
    final Map<String, long[]> times = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final HttpClient api;
    private final HttpClient simulator;
    private long startNanos;
    private long timer = -1;
    private volatile boolean stopped;

    Customers(Vertx vertx, int apiPort, int simulatorPort) {
      this.vertx = vertx;
      this.api = client(vertx, apiPort);
      this.simulator = client(vertx, simulatorPort);
    }

    private static HttpClient client(Vertx vertx, int port) {
      return vertx.httpClientBuilder()
          .with(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port).setKeepAlive(true))
          .with(new PoolOptions().setHttp1MaxSize(MAX_IN_FLIGHT).setMaxWaitQueueSize(-1))
          .build();
    }

    /** The catalog is the admin API's: an operator's token (dev keys) sets the benchmark's SKU. */
    Future<Void> putSku(String operatorToken) {
      JsonObject sku = new JsonObject().put("name", "Longjing tea 250 g").put("priceMinor", 8_800).put("currency", "CNY")
          .put("available", 100_000_000);
      return send(api, HttpMethod.PUT, "/v1/admin/skus/" + SKU, sku, null, operatorToken).compose(r -> r.getInteger("status") == 200
          ? Future.succeededFuture() : Future.failedFuture("PUT sku: " + r.encode()));
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

    String errors() {
      Map<String, Long> copy = new TreeMap<>();
      errors.forEach((k, v) -> copy.put(k, v.get()));
      return copy.isEmpty() ? "none" : copy.toString();
    }

    private void sendDue() {
      if (stopped) {
        return;
      }
      long due = (long) ((System.nanoTime() - startNanos) * RATE / 1e9);
      while (sent.get() < due && sent.get() - answered.get() < MAX_IN_FLIGHT) {
        sent.incrementAndGet();
        checkOut();
      }
    }

    private void checkOut() {
      JsonObject body = new JsonObject()
          .put("customer", new JsonObject().put("name", "Li Lei").put("email", "li.lei@example.com")
              .put("phone", "138-0000-0001"))
          .put("items", new JsonArray().add(new JsonObject().put("sku", SKU).put("quantity", 1)))
          .put("delivery", new JsonObject().put("address", "1 Century Ave").put("lat", 31.2397).put("lng", 121.4998));
      long sentAt = System.nanoTime();
      long sentMillis = System.currentTimeMillis();
      send(api, HttpMethod.POST, "/v1/checkout", body, UUID.randomUUID().toString()).onComplete(result -> {
        answerTime.recordValue(Math.min((System.nanoTime() - sentAt) / 1_000, MAX_MICROS));
        answered.incrementAndGet();
        JsonObject answer = result.succeeded() ? result.result() : null;
        if (answer != null && answer.getInteger("status") == 201) {
          checkedOut.incrementAndGet();
          String orderId = answer.getJsonObject("body").getString("orderId");
          String url = answer.getJsonObject("body").getString("paymentUrl");
          times.put(orderId, new long[] {sentMillis, System.currentTimeMillis()});
          send(simulator, HttpMethod.POST, "/_control/stripe/sessions/" + url.substring(url.lastIndexOf('/') + 1)
              + "/pay", new JsonObject().put("outcome", "paid"), null)
              .onComplete(paid -> {
                if (paid.failed() || paid.result().getInteger("status") / 100 != 2) {
                  errors.computeIfAbsent("pay failed", k -> new AtomicLong()).incrementAndGet();
                }
              });
        } else {
          errors.computeIfAbsent(answer == null ? result.cause().getClass().getSimpleName()
              : "HTTP " + answer.getInteger("status"), k -> new AtomicLong()).incrementAndGet();
        }
        sendDue();
      });
    }

    /** status and body (JSON) of the answer. */
    private static Future<JsonObject> send(HttpClient client, HttpMethod method, String path, JsonObject body,
                                           String idempotencyKey) {
      return send(client, method, path, body, idempotencyKey, null);
    }

    private static Future<JsonObject> send(HttpClient client, HttpMethod method, String path, JsonObject body,
                                           String idempotencyKey, String operatorToken) {
      return client.request(method, path).compose(request -> {
        request.putHeader("Content-Type", "application/json");
        if (idempotencyKey != null) {
          request.putHeader("Idempotency-Key", idempotencyKey);
        }
        if (operatorToken != null) {
          request.putHeader("Authorization", "Bearer " + operatorToken);
        }
        return request.send(body.encode()).compose(response -> response.body().map(b -> new JsonObject()
            .put("status", response.statusCode())
            .put("body", b.length() > 0 && b.getByte(0) == '{' ? b.toJsonObject() : new JsonObject())));
      });
    }
  }

  /** Reads every order's PAID transition from Kafka; its commit instant minus the customer's instants. */
  /**
   * Every 100 ms, the payments that became PAID since the last look ({@code updated_at} is the webhook's commit):
   * each one of this run's checkouts counts once, timed from paying at the simulator and from sending the checkout.
   */
  private static final class Confirmations {
    final Recorder confirmTime = new Recorder(MAX_MICROS, 3);
    final Recorder totalTime = new Recorder(MAX_MICROS, 3);
    final AtomicLong paid = new AtomicLong();
    private final Vertx vertx;
    private final Pool pool;
    private final Customers customers;
    private final long timer;
    private java.time.Instant since = java.time.Instant.now().minusSeconds(60);
    private boolean polling;

    Confirmations(Vertx vertx, Pool pool, Customers customers) {
      this.vertx = vertx;
      this.pool = pool;
      this.customers = customers;
      this.timer = vertx.setPeriodic(100, t -> poll());
    }

    private void poll() {
      if (polling) {
        return;
      }
      polling = true;
      // A commit can land a little after its updated_at was taken: look back a second, count each order once.
      Instant from = since.minusSeconds(1);
      pool.preparedQuery("SELECT order_id, updated_at FROM payment WHERE state = 'PAID' AND updated_at >= ?")
          .execute(Tuple.of(Times.toDb(from)))
          .onComplete(result -> {
            polling = false;
            if (result.failed()) {
              return;
            }
            for (Row row : result.result()) {
              long[] times = customers.times.remove(row.getString(0));
              if (times == null) {
                continue;
              }
              Instant at = Times.fromDb(row.getLocalDateTime(1));
              since = at.isAfter(since) ? at : since;
              long atMs = at.toEpochMilli();
              confirmTime.recordValue(Math.max(0, Math.min((atMs - times[1]) * 1_000, MAX_MICROS)));
              totalTime.recordValue(Math.max(0, Math.min((atMs - times[0]) * 1_000, MAX_MICROS)));
              paid.incrementAndGet();
            }
          });
    }

    void stop() {
      vertx.cancelTimer(timer);
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
