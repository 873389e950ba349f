package io.kilosail.saga.bench;

import io.kilosail.bench.BenchmarkMain;
import ch.qos.logback.classic.Level;
import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.saga.SagaBarrier;
import io.kilosail.saga.SagaCoordinatorVerticle;
import io.kilosail.testing.CpuSample;
import io.kilosail.contracts.saga.SagaStep;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.HdrHistogram.Histogram;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Sagas per second for a three-step saga (each step one SQL write in a participant, behind a service proxy, with the
 * saga barrier in the participant's transaction) on the embedded MariaDB, with every durability setting as shipped
 * (InnoDB flush on every commit, one coordinator transaction per transition with its outbox event). Next to it, in the
 * same run: raw one-INSERT transactions per second at the same pool size, the MySQL commits per saga (Com_commit
 * before/after), CPU split between this JVM and mysqld, and the JVM's CPU by thread group.
 *
 * <pre>
 * mvn -B -o -q -pl verticles -am test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.skip=true -Dexec.mainClass=io.kilosail.saga.bench.SagaBenchmark
 * </pre>
 * Properties: {@code bench.sagas} (measured sagas per concurrency level, 20000), {@code bench.warmup} (3000),
 * {@code bench.concurrency} (sagas in flight, "64,256"), {@code bench.pool} (MySQL pool size, 16),
 * {@code bench.coordinators} / {@code bench.participants} (verticle instances, 1 / 1), {@code bench.sagaLog}
 * (level of the io.kilosail.saga loggers, WARN: the coordinator logs two INFO lines per saga),
 * {@code bench.jfr} (a file: a JFR profile of the last measured window is written there).
 */
public final class SagaBenchmark {

  private static final int SAGAS = Integer.getInteger("bench.sagas", 20_000);
  private static final int WARMUP = Integer.getInteger("bench.warmup", 3_000);
  private static final int[] CONCURRENCY = Arrays.stream(System.getProperty("bench.concurrency", "64,256").split(","))
      .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
  private static final int POOL = Integer.getInteger("bench.pool", 16);
  private static final int COORDINATORS = Integer.getInteger("bench.coordinators", 1);
  private static final int PARTICIPANTS = Integer.getInteger("bench.participants", 1);
  private static final int BASELINE_TX = Integer.getInteger("bench.baselineTx", 20_000);
  private static final String SAGA_LOG = System.getProperty("bench.sagaLog", "WARN");
  private static final String JFR = System.getProperty("bench.jfr");
  private static final List<String> STATUS = List.of("Com_commit", "Com_rollback", "Com_stmt_execute", "Questions",
      "Innodb_data_fsyncs", "Innodb_os_log_fsyncs", "Innodb_log_writes", "Innodb_row_lock_waits");

  public static void main(String[] args) {
    BenchmarkMain.run("saga-bench", 8, POOL, SagaBenchmark::run);
  }

  private static void run(InfraSettings infra) throws Exception {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.kilosail.saga")).setLevel(Level.toLevel(SAGA_LOG));
    Vertx vertx = Vertx.vertx();
    Pool pool = Clients.mysqlPool(vertx, infra.mysql());
    await(BenchParticipantVerticle.createTable(pool));
    await(pool.query("CREATE TABLE IF NOT EXISTS bench_plain (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
        + " business_key VARCHAR(64) NOT NULL, amount BIGINT NOT NULL) ENGINE=InnoDB").execute());

    Map<String, String> vars = new TreeMap<>();
    await(pool.query("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'innodb_flush_log_at_trx_commit',"
        + " 'sync_binlog', 'log_bin', 'innodb_doublewrite', 'innodb_flush_method')").execute())
        .forEach(r -> vars.put(r.getString(0), r.getString(1)));
    System.out.printf("%nkilosail saga benchmark: %d cores, MariaDB %s, %s%n", Runtime.getRuntime().availableProcessors(),
        vars.remove("version"), vars);
    System.out.printf("pool=%d connections (shared by coordinator and participants), coordinators=%d,"
        + " participant verticles=%d, saga log level=%s, %d measured sagas per level after %d warm-up%n",
        POOL, COORDINATORS, PARTICIPANTS, SAGA_LOG, SAGAS, WARMUP);

    // Raw MariaDB baselines, same server, same pool.
    String plain = "INSERT INTO bench_plain (business_key, amount) VALUES (?, ?)";
    Function<SqlConnection, Future<?>> oneInsert = conn -> conn.preparedQuery(plain).execute(Tuple.of("k", 1L));
    AtomicLong barrierSeq = new AtomicLong();
    Function<SqlConnection, Future<?>> participantTx = conn -> {
      SagaStep step = new SagaStep("baseline-" + barrierSeq.incrementAndGet(), "x", 1);
      return SagaBarrier.action(conn, step, () -> conn.preparedQuery("INSERT INTO bench_effect (saga_id, step,"
          + " business_key, amount) VALUES (?, ?, ?, ?)").execute(Tuple.of(step.getSagaId(), "x", "k", 1L)));
    };
    transactions(pool, oneInsert, BASELINE_TX / 4, POOL); // warm-up
    CpuSample cpu0 = CpuSample.withThreads();
    double plainTx = transactions(pool, oneInsert, BASELINE_TX, POOL);
    CpuSample cpu1 = CpuSample.withThreads();
    double plainTx1 = transactions(pool, oneInsert, 2_000, 1);
    CpuSample cpu2 = CpuSample.withThreads();
    double barrierTx = transactions(pool, participantTx, BASELINE_TX, POOL);
    CpuSample cpu3 = CpuSample.withThreads();
    double autocommit = autocommitInserts(pool, plain, BASELINE_TX, POOL);
    CpuSample cpu4 = CpuSample.withThreads();
    System.out.printf("baseline: one-INSERT tx (BEGIN;INSERT;COMMIT), %2d streams: %,8.0f tx/s  %s%n", POOL, plainTx,
        perOp(cpu1, cpu0, BASELINE_TX));
    System.out.printf("baseline: one-INSERT tx, 1 stream                    : %,8.0f tx/s  (%.2f ms per transaction)%n",
        plainTx1, 1e3 / plainTx1);
    System.out.printf("baseline: barrier + INSERT tx (a participant step), %2d: %,8.0f tx/s  %s%n", POOL, barrierTx,
        perOp(cpu3, cpu2, BASELINE_TX));
    System.out.printf("baseline: autocommit INSERT (1 round trip), %2d streams: %,8.0f tx/s  %s%n", POOL, autocommit,
        perOp(cpu4, cpu3, BASELINE_TX));

    NodeConfig node = NodeConfig.fromJson(new JsonObject().put("node", new JsonObject().put("id", "saga-bench")));
    JsonObject config = infra.toJson()
        .put("node", new JsonObject().put("id", "saga-bench"))
        .put("saga", new JsonObject().put("leaseMs", 30_000).put("scanIntervalMs", 500));
    await(vertx.deployVerticle(BenchParticipantVerticle.class, new DeploymentOptions().setConfig(config)
        .setInstances(PARTICIPANTS)));
    BenchSaga saga = new BenchSaga(vertx);
    for (int i = 0; i < COORDINATORS; i++) {
      await(vertx.deployVerticle(new SagaCoordinatorVerticle(List.of(saga.definition())),
          new DeploymentOptions().setConfig(config)));
    }
    SagaCoordinatorService coordinator = SagaCoordinatorService.createProxy(vertx, SagaCoordinatorService.ADDRESS);
    MeterRegistry registry = Meters.registry(node);

    int level = 0;
    for (int concurrency : CONCURRENCY) {
      level++;
      drive(saga, coordinator, "w" + level, WARMUP, concurrency);
      Map<String, Long> statusBefore = status(pool);
      CpuSample cpuBefore = CpuSample.withThreads();
      Map<String, double[]> stepsBefore = steps(registry);
      Recording recording = null;
      if (JFR != null && level == CONCURRENCY.length) {
        recording = new Recording(Configuration.getConfiguration("profile"));
        recording.start();
      }
      Result result = drive(saga, coordinator, "m" + level, SAGAS, concurrency);
      if (recording != null) {
        recording.stop();
        recording.dump(Path.of(JFR));
        recording.close();
      }
      CpuSample cpuAfter = CpuSample.withThreads();
      Map<String, Long> statusAfter = status(pool);
      Map<String, double[]> stepsAfter = steps(registry);
      report(result, concurrency, plainTx, statusBefore, statusAfter, cpuBefore, cpuAfter, stepsBefore, stepsAfter);
    }
    long effects = await(pool.query("SELECT COUNT(*) FROM bench_effect WHERE saga_id NOT LIKE 'baseline-%'").execute())
        .iterator().next().getLong(0);
    long sagas = await(pool.query("SELECT COUNT(*) FROM saga_instance WHERE state = 'COMPLETED'").execute())
        .iterator().next().getLong(0);
    System.out.printf("check: %,d completed sagas in saga_instance, %,d participant effects (%.2f per saga)%n", sagas,
        effects, (double) effects / sagas);
    System.out.printf("DTM publishes 575 sagas/s for a similar saga on 4 cores; target here >= 1,000 sagas/s with"
        + " p99 < 200 ms on 2 cores.%n");
    await(vertx.close());
  }

  // ---------------------------------------------------------------- driving sagas

  /** One measured batch: latencies in microseconds, terminal states, start failures, wall time. */
  private static final class Result {
    final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    final Map<String, AtomicInteger> states = new ConcurrentHashMap<>();
    final AtomicInteger issued = new AtomicInteger();
    final AtomicInteger done = new AtomicInteger();
    final AtomicInteger startFailures = new AtomicInteger();
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    final int total;
    final String prefix;
    long startNanos;
    long endNanos;

    Result(String prefix, int total) {
      this.prefix = prefix;
      this.total = total;
    }
  }

  /** Runs {@code total} sagas, {@code concurrency} at a time (closed loop: each end starts the next). */
  private static Result drive(BenchSaga saga, SagaCoordinatorService coordinator, String prefix, int total,
                              int concurrency) {
    Result result = new Result(prefix + "-" + Long.toString(System.nanoTime(), 36), total);
    result.startNanos = System.nanoTime();
    for (int i = 0; i < Math.min(concurrency, total); i++) {
      next(saga, coordinator, result);
    }
    try {
      result.finished.get(30, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException("sagas did not all end: done=" + result.done.get() + " of " + total
          + " states=" + result.states, e);
    }
    return result;
  }

  private static void next(BenchSaga saga, SagaCoordinatorService coordinator, Result result) {
    int n = result.issued.getAndIncrement();
    if (n >= result.total) {
      return;
    }
    String key = result.prefix + "-" + n;
    long started = System.nanoTime();
    saga.await(key, (k, state) -> ended(saga, coordinator, result, state, started));
    coordinator.start(BenchSaga.TYPE, key, JsonObject.mapFrom(new BenchSaga.Data(key, n))).onFailure(err -> {
      if (result.startFailures.getAndIncrement() < 5) {
        System.out.println("saga start failed: " + err);
      }
      saga.cancel(key);
      ended(saga, coordinator, result, "START_FAILED", started);
    });
  }

  private static void ended(BenchSaga saga, SagaCoordinatorService coordinator, Result result, String state,
                            long started) {
    long now = System.nanoTime();
    synchronized (result.latency) {
      result.latency.recordValue(Math.min(result.latency.getHighestTrackableValue(), (now - started) / 1_000));
    }
    result.states.computeIfAbsent(state, s -> new AtomicInteger()).incrementAndGet();
    if (result.done.incrementAndGet() == result.total) {
      result.endNanos = now;
      result.finished.complete(null);
    } else {
      next(saga, coordinator, result);
    }
  }

  // ---------------------------------------------------------------- reporting

  private static void report(Result r, int concurrency, double plainTx, Map<String, Long> before,
                             Map<String, Long> after, CpuSample cpuBefore, CpuSample cpuAfter, Map<String, double[]> stepsBefore,
                             Map<String, double[]> stepsAfter) {
    double seconds = (r.endNanos - r.startNanos) / 1e9;
    double rate = r.total / seconds;
    Histogram h = r.latency;
    System.out.printf("%n== %d sagas in flight: %,d sagas in %.1f s = %,.0f sagas/s; duration p50 %.1f ms, p99 %.1f ms,"
            + " max %.1f ms, mean %.1f ms; states %s%n", concurrency, r.total, seconds, rate,
        h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3,
        h.getMean() / 1e3, r.states);
    Map<String, Long> delta = new LinkedHashMap<>();
    for (String name : STATUS) {
      if (before.containsKey(name) && after.containsKey(name)) {
        delta.put(name, after.get(name) - before.get(name));
      }
    }
    StringBuilder perSaga = new StringBuilder();
    delta.forEach((k, v) -> perSaga.append(String.format(" %s=%.2f", k, (double) v / r.total)));
    System.out.printf("   per saga (SHOW GLOBAL STATUS deltas / sagas):%s%n", perSaga);
    long commits = delta.getOrDefault("Com_commit", 0L);
    System.out.printf("   MySQL commits: %,.0f commits/s during the run = %.0f %% of the one-INSERT baseline"
            + " (%,.0f tx/s); baseline / commits-per-saga = %,.0f sagas/s ceiling if commits were the only cost%n",
        commits / seconds, 100 * commits / seconds / plainTx, plainTx, plainTx / ((double) commits / r.total));
    report(cpuAfter, cpuBefore, seconds, r.total);
    System.out.printf("   coordinator step timers (participant call: event bus + participant tx), mean ms:");
    stepsAfter.forEach((k, v) -> {
      double[] b = stepsBefore.getOrDefault(k, new double[2]);
      double count = v[0] - b[0];
      if (count > 0) {
        System.out.printf(" %s=%.2f (n=%.0f)", k, (v[1] - b[1]) / count, count);
      }
    });
    System.out.println();
  }

  private static Map<String, double[]> steps(MeterRegistry registry) {
    Map<String, double[]> steps = new TreeMap<>();
    for (Timer t : registry.find("kilosail.saga.step").timers()) {
      String key = t.getId().getTag("step") + "/" + t.getId().getTag("phase") + "/" + t.getId().getTag("outcome");
      steps.put(key, new double[] {t.count(), t.totalTime(TimeUnit.MILLISECONDS)});
    }
    return steps;
  }

  private static Map<String, Long> status(Pool pool) {
    Map<String, Long> status = new HashMap<>();
    for (Row row : await(pool.query("SHOW GLOBAL STATUS WHERE Variable_name IN ("
        + String.join(",", STATUS.stream().map(s -> "'" + s + "'").toList()) + ")").execute())) {
      status.put(row.getString(0), Long.parseLong(row.getString(1)));
    }
    return status;
  }

  private static String perOp(CpuSample after, CpuSample before, int ops) {
    return String.format("(per tx: mysqld %.0f µs CPU, JVM %.0f µs CPU)", 1e6 * (after.mysqld() - before.mysqld()) / ops,
        1e6 * (after.jvm() - before.jvm()) / ops);
  }

  private static void report(CpuSample after, CpuSample before, double seconds, int sagas) {
    System.out.printf("   CPU over the run (2 cores = 200 %%): %s; per saga: JVM %.0f µs, mysqld %.0f µs%n",
        after.split(before, seconds), 1e6 * (after.jvm() - before.jvm()) / sagas,
        1e6 * (after.mysqld() - before.mysqld()) / sagas);
    Map<String, Double> delta = new HashMap<>();
    after.threads().forEach((k, v) -> delta.put(k, v - before.threads().getOrDefault(k, 0.0)));
    StringBuilder top = new StringBuilder();
    delta.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(8)
        .forEach(e -> top.append(String.format(" %s=%.0f%%", e.getKey(), 100 * e.getValue() / seconds)));
    System.out.printf("   JVM threads by CPU:%s%n", top);
  }

  // ---------------------------------------------------------------- baseline

  /** Transactions per second of {@code work}, {@code streams} sequential streams in parallel. */
  private static double transactions(Pool pool, Function<SqlConnection, Future<?>> work, int total, int streams) {
    long start = System.nanoTime();
    List<Future<Void>> all = new ArrayList<>();
    for (int s = 0; s < streams; s++) {
      all.add(stream(pool, work, total / streams));
    }
    await(Future.all(all));
    return (total / streams * streams) / ((System.nanoTime() - start) / 1e9);
  }

  /** Autocommit INSERTs per second (no BEGIN/COMMIT round trips; still one durable commit each). */
  private static double autocommitInserts(Pool pool, String sql, int total, int streams) {
    long start = System.nanoTime();
    List<Future<Void>> all = new ArrayList<>();
    for (int s = 0; s < streams; s++) {
      all.add(autocommitStream(pool, sql, total / streams));
    }
    await(Future.all(all));
    return (total / streams * streams) / ((System.nanoTime() - start) / 1e9);
  }

  private static Future<Void> autocommitStream(Pool pool, String sql, int remaining) {
    if (remaining == 0) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(sql).execute(Tuple.of("k", 1L)).compose(x -> autocommitStream(pool, sql, remaining - 1));
  }

  private static Future<Void> stream(Pool pool, Function<SqlConnection, Future<?>> work, int remaining) {
    if (remaining == 0) {
      return Future.succeededFuture();
    }
    return pool.withTransaction(work::apply).compose(x -> stream(pool, work, remaining - 1));
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
