package io.kilosail.launcher.bench;

import io.kilosail.embedded.FreePort;
import io.kilosail.launcher.KilosailNode;
import io.kilosail.launcher.SettingsLoader;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.simulators.courier.CourierSimulatorVerticle;
import io.kilosail.testing.CpuSample;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The node under test in a JVM of its own, started from this benchmark's classpath with {@code io.kilosail.launcher.Main}
 * against the benchmark's embedded servers; the simulators (courier platforms, food platforms, Stripe) in the
 * benchmark's JVM on one event loop of their own. So the CPU an order costs can be told apart by component: the node
 * (its process), mysqld (its process), the Kafka broker and the simulators (their threads here), the load generator.
 * The node is stopped by its pid: SIGTERM (its orderly stop), SIGKILL if it has not ended 60 s later.
 */
final class BenchNode implements AutoCloseable {

  private static final Pattern BROKER_THREAD = Pattern.compile(
      "(?i).*(kafka|raft|quorum|controller|broker|data-plane|ExpirationReaper|LogCleaner|metadata|scheduler).*");
  private static final Pattern HTTP_REQUESTS = Pattern.compile(
      "^vertx_http_(client|server)_requests_total\\{[^}]*} ([0-9.eE+]+)$");
  private static final Pattern HEAP_USED = Pattern.compile(
      "^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} ([0-9.eE+]+)$");

  final int httpPort;
  final int webhooksPort;
  final int simulatorPort;
  final Path log;
  private final Process process;
  private final Vertx simulators;
  private final long simulatorThread;
  private final HttpClient http = HttpClient.newHttpClient();
  private int scrapes;

  private BenchNode(Process process, Path log, int httpPort, int webhooksPort, int simulatorPort, Vertx simulators,
                    long simulatorThread) {
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
    this.webhooksPort = webhooksPort;
    this.simulatorPort = simulatorPort;
    this.simulators = simulators;
    this.simulatorThread = simulatorThread;
  }

  /**
   * Starts the simulators here and the node apart, and returns once the node says it is up.
   *
   * @param conf     the node's configuration file (merged over conf/default.json, as {@code --conf})
   * @param roles    the node's roles ({@code all}, {@code ingress}…)
   * @param logLevel level of the node's io.kilosail loggers (everything else logs at WARN)
   */
  static BenchNode start(InfraSettings infra, JsonObject conf, String roles, int mysqlPool, String logLevel)
      throws Exception {
    int httpPort = FreePort.pick();
    int webhooksPort = FreePort.pick();
    int simulatorPort = FreePort.pick();
    Path dir = Files.createTempDirectory("kilosail-bench-node-");
    Path confFile = dir.resolve("node.json");
    Files.writeString(confFile, conf.encodePrettily());
    JsonObject flat = new JsonObject()
        .put("kilosail.node.id", "bench")
        .put("kilosail.node.roles", roles)
        .put("kilosail.infra.mode", "external")
        .put("kilosail.mysql.url", infra.mysql().url())
        .put("kilosail.mysql.poolSize", String.valueOf(mysqlPool))
        .put("kilosail.kafka.bootstrapServers", infra.kafkaBootstrapServers())
        .put("kilosail.redis.url", infra.redisUrl())
        .put("kilosail.http.port", String.valueOf(httpPort))
        .put("kilosail.http.instances", String.valueOf(Runtime.getRuntime().availableProcessors()))
        .put("kilosail.webhooks.port", String.valueOf(webhooksPort))
        .put("kilosail.simulators.enabled", "false")
        .put("kilosail.simulators.courierPort", String.valueOf(simulatorPort));

    // The simulators first, with the settings the node will read, so the node's first call finds them. They are read
    // as if the node ran them, for the default URLs that go with that (the food platforms' callback URLs).
    Vertx simulators = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Vertx reader = Vertx.vertx();
    JsonObject simulatorConfig;
    try {
      JsonObject asIfSimulated = flat.copy().put("kilosail.simulators.enabled", "true");
      var settings = await(SettingsLoader.load(reader, confFile.toString(), asIfSimulated));
      simulatorConfig = KilosailNode.courierSimulatorConfig(settings, simulatorPort, httpPort, webhooksPort);
      JsonObject platforms = conf.getJsonObject("platforms", new JsonObject());
      settings.verticleSections().getJsonObject("platforms", new JsonObject()).fieldNames().stream()
          .filter(name -> !name.startsWith("_"))
          .forEach(name -> {
            JsonObject platform = platforms.getJsonObject(name, new JsonObject());
            if (!platform.containsKey("callbackUrl")) {
              platforms.put(name, platform.put("callbackUrl", "http://127.0.0.1:" + simulatorPort + "/food/" + name
                  + "/callbacks"));
            }
          });
      conf.put("platforms", platforms);
      Files.writeString(confFile, conf.encodePrettily());
    } finally {
      await(reader.close());
    }
    await(simulators.deployVerticle(new CourierSimulatorVerticle(), new DeploymentOptions().setConfig(simulatorConfig)));
    long[] thread = new long[1];
    await(Future.<Void>future(p -> simulators.runOnContext(x -> {
      thread[0] = Thread.currentThread().getId();
      p.complete();
    })));

    Path logback = dir.resolve("logback.xml");
    Files.writeString(logback, """
        <configuration>
          <statusListener class="ch.qos.logback.core.status.NopStatusListener"/>
          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
          </appender>
          <logger name="io.kilosail" level="LEVEL"/>
          <root level="WARN"><appender-ref ref="OUT"/></root>
        </configuration>
        """.replace("LEVEL", logLevel));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dlogback.configurationFile=" + logback);
    // Extra options for the node's JVM only, e.g. a flight recording: -Dbench.nodeJvmArgs="-XX:StartFlightRecording=..."
    String extra = System.getProperty("bench.nodeJvmArgs", "").trim();
    if (!extra.isEmpty()) {
      command.addAll(Arrays.asList(extra.split("\\s+")));
    }
    flat.forEach(e -> command.add("-D" + e.getKey() + "=" + e.getValue()));
    command.addAll(List.of("-cp", classpath(), "io.kilosail.launcher.Main", "--conf", confFile.toString()));
    Path log = dir.resolve("node.log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    BenchNode node = new BenchNode(process, log, httpPort, webhooksPort, simulatorPort, simulators, thread[0]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.readString(log).contains("kilosail is up")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String tail = Files.readAllLines(log).stream().skip(Math.max(0, Files.readAllLines(log).size() - 20))
            .collect(Collectors.joining("\n"));
        node.close();
        throw new IllegalStateException("the node did not come up (log " + log + "):\n" + tail);
      }
      Thread.sleep(200);
    }
    return node;
  }

  /**
   * The classpath this benchmark runs with: exec:java loads it in a class loader of its own, so it is that loader's
   * URLs, not {@code java.class.path} (Maven's).
   */
  private static String classpath() {
    ClassLoader loader = BenchNode.class.getClassLoader();
    if (loader instanceof URLClassLoader urls && urls.getURLs().length > 0) {
      return Arrays.stream(urls.getURLs()).map(u -> Path.of(URI.create(u.toString())).toString())
          .collect(Collectors.joining(java.io.File.pathSeparator));
    }
    return System.getProperty("java.class.path");
  }

  long pid() {
    return process.pid();
  }

  /** What the node reports on {@code /metrics}: its HTTP exchanges so far (both directions) and its heap in use. */
  record Scrape(long httpExchanges, long heapUsed) {
  }

  Scrape scrape() {
    try {
      String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
      double exchanges = 0;
      double heap = 0;
      for (String line : text.split("\n")) {
        var requests = HTTP_REQUESTS.matcher(line);
        if (requests.matches()) {
          exchanges += Double.parseDouble(requests.group(2));
        }
        var used = HEAP_USED.matcher(line);
        if (used.matches()) {
          heap += Double.parseDouble(used.group(1));
        }
      }
      // Earlier scrapes are server requests too; this one is counted once answered.
      return new Scrape(Math.round(exchanges) - scrapes++, (long) heap);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the node's /metrics", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** CPU seconds so far by component; two samples subtracted give an interval's split. */
  record Cpu(double node, double mysqld, double broker, double simulators, double loadGenerator, double benchRest,
             double machineBusy, double machineTotal) {

    /** "node 12.1, mysqld 3.0, …" in CPU ms per order between {@code before} and this. */
    String perOrder(Cpu before, long orders) {
      double n = Math.max(1, orders);
      return String.format("node %.2f, mysqld %.2f, Kafka broker %.2f, simulators %.2f, load generator %.2f,"
              + " benchmark JVM rest (GC, JIT, monitor) %.2f, rest of the machine %.2f", 1000 * (node - before.node) / n,
          1000 * (mysqld - before.mysqld) / n, 1000 * (broker - before.broker) / n,
          1000 * (simulators - before.simulators) / n, 1000 * (loadGenerator - before.loadGenerator) / n,
          1000 * (benchRest - before.benchRest) / n, 1000 * (rest() - before.rest()) / n);
    }

    /** "node 95 %, mysqld 40 %, …, idle 3 %" of the machine's CPU over {@code seconds} (2 cores = 200 %). */
    String share(Cpu before, double seconds) {
      return String.format("node %.0f %%, mysqld %.0f %%, Kafka broker %.0f %%, simulators %.0f %%, load generator"
              + " %.0f %%, benchmark JVM rest %.0f %%, rest of the machine %.0f %%, idle %.0f %%",
          100 * (node - before.node) / seconds, 100 * (mysqld - before.mysqld) / seconds,
          100 * (broker - before.broker) / seconds, 100 * (simulators - before.simulators) / seconds,
          100 * (loadGenerator - before.loadGenerator) / seconds, 100 * (benchRest - before.benchRest) / seconds,
          100 * (rest() - before.rest()) / seconds,
          100 * ((machineTotal - machineBusy) - (before.machineTotal - before.machineBusy)) / seconds);
    }

    private double rest() {
      return machineBusy - node - mysqld - broker - simulators - loadGenerator - benchRest;
    }
  }

  /** @param loadGeneratorThread the load generator's event-loop thread (its Vert.x has one) */
  Cpu cpu(long loadGeneratorThread) {
    CpuSample here = CpuSample.now();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    double broker = 0;
    double simulator = 0;
    double load = 0;
    for (long id : mx.getAllThreadIds()) {
      var info = mx.getThreadInfo(id);
      long nanos = mx.getThreadCpuTime(id);
      if (info == null || nanos <= 0) {
        continue;
      }
      if (id == simulatorThread) {
        simulator += nanos / 1e9;
      } else if (id == loadGeneratorThread) {
        load += nanos / 1e9;
      } else if (BROKER_THREAD.matcher(info.getThreadName()).matches()) {
        broker += nanos / 1e9;
      }
    }
    return new Cpu(CpuSample.processSeconds(process.pid()), here.mysqld(), broker, simulator, load,
        here.jvm() - broker - simulator - load, here.machineBusy(), here.machineTotal());
  }

  /** Stops the node by its pid (SIGTERM, then SIGKILL after 60 s) and the simulators. */
  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    await(simulators.close());
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The MariaDB status counters the per-order accounting reads. */
  static final List<String> SQL_COUNTERS = List.of("Com_commit", "Questions", "Com_insert", "Com_update",
      "Innodb_data_fsyncs");

  static String sqlPerOrder(Map<String, Long> before, Map<String, Long> after, long orders) {
    double n = Math.max(1, orders);
    java.util.function.ToDoubleFunction<String> d = k -> (after.getOrDefault(k, 0L) - before.getOrDefault(k, 0L)) / n;
    return String.format("writes %.1f (inserts %.1f, updates %.1f), statements %.1f, commits %.1f, fsyncs %.1f",
        d.applyAsDouble("Com_insert") + d.applyAsDouble("Com_update"), d.applyAsDouble("Com_insert"),
        d.applyAsDouble("Com_update"), d.applyAsDouble("Questions"), d.applyAsDouble("Com_commit"),
        d.applyAsDouble("Innodb_data_fsyncs"));
  }
}
