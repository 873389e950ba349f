package io.kilosail.launcher;

import io.kilosail.embedded.EmbeddedInfrastructure;
import io.kilosail.embedded.FreePort;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Three kilosail JVMs as the operator ran them, on this machine's loopback:
 * <ul>
 *   <li><b>node-a</b>: embedded MariaDB, Kafka and Redis, the simulators (couriers and food platforms), roles ingress,
 *       webhooks and admin. Never faulted: it is the test's window on the system.</li>
 *   <li><b>node-b</b>, <b>node-c</b>: infra.mode external on node-a's servers, roles quote, dispatch, saga, relay,
 *       stock, payment: the work a fault must not lose.</li>
 * </ul>
 * All three form one Hazelcast cluster with TCP-IP join, members listed one by one, on free ports. Every process this
 * class starts, and every process those start (mysqld, redis-server), is remembered, so that {@link #stopAll} can
 * say which ones outlived the run; {@link #close} then ends whatever is left, by pid.
 */
final class ChaosCluster implements AutoCloseable {

  static final String NODE_A = "node-a";
  static final String NODE_B = "node-b";
  static final String NODE_C = "node-c";
  private static final String WORKER_ROLES = "quote,dispatch,saga,relay,stock,payment";
  private static final long START_TIMEOUT_SECONDS = 180;

  private final Path workDir;
  private final int httpPort = FreePort.pick();
  private final int webhooksPort = FreePort.pick();
  private final int simulatorPort = FreePort.pick();
  private final int mysqlPort = FreePort.pick();
  private final int kafkaPort = FreePort.pick();
  private final int kafkaControllerPort = FreePort.pick();
  private final int redisPort = FreePort.pick();
  private final Map<String, Integer> clusterPorts = new LinkedHashMap<>();
  private final Path workerConf;
  /** Node A's: the audit reads there, as one operator, every order and ledger (no per-operator limit for it). */
  private final Path edgeConf;

  private final Map<String, NodeProcess> running = new ConcurrentHashMap<>();
  private final List<String> startFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<NodeProcess> everyStart = new ArrayList<>();
  /** Every JVM started and every descendant seen while it lived, with what it was, for the orphan check. */
  private final Map<ProcessHandle, String> seen = new ConcurrentHashMap<>();
  private final ScheduledExecutorService descendantWatch = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "chaos-descendant-watch");
    t.setDaemon(true);
    return t;
  });

  private ChaosCluster(Path workDir) throws Exception {
    this.workDir = workDir;
    for (String node : List.of(NODE_A, NODE_B, NODE_C)) {
      clusterPorts.put(node, FreePort.pick());
    }
    // B and C do not run the simulators, yet they call the simulated couriers (gateway base URLs follow
    // simulators.courierPort) and push states back to the simulated food platforms, which only a conf file can say.
    JsonObject platforms = new JsonObject();
    for (String platform : List.of("meituan", "eleme", "jd")) {
      platforms.put(platform, new JsonObject().put("callbackUrl", simulator("/food/" + platform + "/callbacks")
          .toString()));
    }
    workerConf = workDir.resolve("worker-node.json");
    // The audit reads every order and ledger as one operator, 16 at a time: not the caller the per-operator limit is for.
    Files.writeString(workerConf, new JsonObject().put("platforms", platforms)
        .put("rateLimits", new JsonObject().put("perOperator", 0)).encodePrettily());
    edgeConf = workDir.resolve("edge-node.json");
    Files.writeString(edgeConf, new JsonObject()
        .put("rateLimits", new JsonObject().put("perOperator", 0)).encodePrettily());
    descendantWatch.scheduleAtFixedRate(this::rememberDescendants, 0, 500, TimeUnit.MILLISECONDS);
  }

  /** Starts node-a, then node-b and node-c side by side; answers once all three said they are up. */
  static ChaosCluster start(Path workDir) throws Exception {
    ChaosCluster cluster = new ChaosCluster(workDir);
    try {
      cluster.startNode(NODE_A).awaitUp(START_TIMEOUT_SECONDS);
      cluster.startNode(NODE_B);
      cluster.startNode(NODE_C);
      cluster.awaitUpOrStartAgain(NODE_B);
      cluster.awaitUpOrStartAgain(NODE_C);
      return cluster;
    } catch (Exception | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  /** Starts a node and waits until it is up, starting it once more if it gives up during start-up. */
  void startAndAwaitUp(String node) throws Exception {
    startNode(node);
    awaitUpOrStartAgain(node);
  }

  /**
   * Waits for a started node to be up. A node that exits during start-up (on a loaded machine: "Timeout waiting for
   * connection" from MySQL) is started once more, as systemd or an operator would; the failure is kept for the report,
   * since a node that cannot start under load is worth knowing about, but it is not what this test is after.
   */
  private void awaitUpOrStartAgain(String node) throws Exception {
    try {
      running.get(node).awaitUp(START_TIMEOUT_SECONDS);
    } catch (AssertionError failedToStart) {
      if (running.get(node).isAlive()) {
        throw failedToStart;
      }
      String reason = running.get(node).stderr().stream().filter(l -> l.startsWith("kilosail:")).findFirst()
          .orElse("exit without a message");
      startFailures.add(node + " failed to start (" + reason + "), started once more");
      startNode(node).awaitUp(START_TIMEOUT_SECONDS);
    }
  }

  /** Start-ups that failed and were tried again, for the report. */
  List<String> startFailures() {
    return List.copyOf(startFailures);
  }

  /** Starts (or starts again, with the same settings, as an operator would) one of the three nodes. */
  NodeProcess startNode(String node) throws Exception {
    Map<String, String> env = new HashMap<>(clusterEnv(node));
    // WARN: the child logs stay readable and cost no CPU on a 2-core machine; failures still show there.
    env.put("KILOSAIL_LOG_LEVEL", System.getProperty("chaos.nodeLogLevel", "WARN"));
    env.put("KILOSAIL_NODE_ID", node);
    env.put("KILOSAIL_SIMULATOR_COURIER_PORT", String.valueOf(simulatorPort));
    List<String> args = new ArrayList<>();
    String heap;
    if (node.equals(NODE_A)) {
      heap = "-Xmx768m";
      env.put("KILOSAIL_ROLES", "ingress,webhooks,admin");
      env.put("KILOSAIL_HTTP_PORT", String.valueOf(httpPort));
      env.put("KILOSAIL_WEBHOOKS_PORT", String.valueOf(webhooksPort));
      env.put("KILOSAIL_SIMULATORS", "true");
      env.put("KILOSAIL_DATA_DIR", workDir.resolve("data-a").toString());
      env.put("KILOSAIL_EMBEDDED_MYSQL_PORT", String.valueOf(mysqlPort));
      env.put("KILOSAIL_EMBEDDED_KAFKA_PORT", String.valueOf(kafkaPort));
      env.put("KILOSAIL_EMBEDDED_KAFKA_CONTROLLER_PORT", String.valueOf(kafkaControllerPort));
      env.put("KILOSAIL_EMBEDDED_REDIS_PORT", String.valueOf(redisPort));
      args.addAll(List.of("--conf", edgeConf.toString()));
    } else {
      heap = "-Xmx384m";
      env.put("KILOSAIL_ROLES", WORKER_ROLES);
      env.put("KILOSAIL_INFRA", "external");
      env.put("KILOSAIL_MYSQL_URL", "mysql://" + EmbeddedInfrastructure.USER + ":" + EmbeddedInfrastructure.PASSWORD
          + "@127.0.0.1:" + mysqlPort + "/" + EmbeddedInfrastructure.DATABASE);
      env.put("KILOSAIL_KAFKA", kafkaBootstrap());
      env.put("KILOSAIL_REDIS", "redis://127.0.0.1:" + redisPort);
      env.put("KILOSAIL_SIMULATORS", "false");
      env.put("KILOSAIL_HTTP_PORT", "0");
      args.addAll(List.of("--conf", workerConf.toString()));
    }
    List<String> jvm = new ArrayList<>(List.of(heap,
        "-Dhazelcast.wait.seconds.before.join=0",
        "-Dhazelcast.phone.home.enabled=false"));
    NodeProcess process = NodeProcess.start("chaos-" + node, jvm, env, args.toArray(String[]::new));
    synchronized (everyStart) {
      everyStart.add(process);
    }
    seen.put(process.handle(), node + " JVM (pid " + process.handle().pid() + ")");
    running.put(node, process);
    return process;
  }

  private Map<String, String> clusterEnv(String node) {
    return Map.of(
        "KILOSAIL_CLUSTER", "true",
        // One cluster per run: a leftover node of another run on this machine can never join this one.
        "KILOSAIL_CLUSTER_NAME", "chaos-" + clusterPorts.get(NODE_A),
        "KILOSAIL_CLUSTER_HOST", "127.0.0.1",
        "KILOSAIL_CLUSTER_PORT", String.valueOf(clusterPorts.get(node)),
        "KILOSAIL_CLUSTER_MEMBERS", String.join(",", clusterPorts.values().stream()
            .map(port -> "127.0.0.1:" + port).toList()));
  }

  /** kill -9: no shutdown hook, no hand-back, sockets closed by the kernel. */
  void kill(String node) throws InterruptedException {
    NodeProcess process = running.remove(node);
    process.kill(30);
  }

  /**
   * SIGTERM, as {@code docker stop} or systemd sends it; waits up to {@code timeoutSeconds} for the exit and answers
   * the exit code, or null when the node did not stop in time (then it is killed, so the run can go on).
   */
  Integer terminate(String node, long timeoutSeconds) throws InterruptedException {
    NodeProcess process = running.remove(node);
    try {
      return process.terminate(timeoutSeconds);
    } catch (AssertionError stillRunning) {
      process.kill(30);
      return null;
    }
  }

  NodeProcess process(String node) {
    return running.get(node);
  }

  /**
   * Stops every node still running by its pid: SIGTERM to B and C, then A (which stops its servers last), each given
   * a minute; then waits up to 20 s for every process ever started, and each descendant seen, to be gone. Answers
   * the ones that are still alive: orphans.
   */
  List<String> stopAll() throws InterruptedException {
    // B and C at once (they share nothing but A's servers), A last: its servers must outlive their clients.
    List<NodeProcess> workers = new ArrayList<>();
    for (String node : List.of(NODE_B, NODE_C)) {
      NodeProcess process = running.remove(node);
      if (process != null && process.isAlive()) {
        process.handle().destroy();
        workers.add(process);
      }
    }
    for (NodeProcess process : workers) {
      stopWithin(process, 60);
    }
    NodeProcess a = running.remove(NODE_A);
    if (a != null && a.isAlive()) {
      stopWithin(a, 90);
    }
    descendantWatch.shutdownNow();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline && seen.keySet().stream().anyMatch(ProcessHandle::isAlive)) {
      Thread.sleep(200);
    }
    return seen.entrySet().stream().filter(e -> e.getKey().isAlive()).map(Map.Entry::getValue).sorted().toList();
  }

  private static void stopWithin(NodeProcess process, long seconds) throws InterruptedException {
    try {
      process.terminate(seconds);
    } catch (AssertionError hung) {
      process.kill(30);
    }
  }

  /** Ends, by pid, whatever this run started and is still alive (after a failure, or orphans found by stopAll). */
  @Override
  public void close() throws InterruptedException {
    descendantWatch.shutdownNow();
    synchronized (everyStart) {
      for (NodeProcess process : everyStart) {
        process.close();
      }
    }
    for (ProcessHandle handle : Set.copyOf(seen.keySet())) {
      if (handle.isAlive()) {
        handle.destroyForcibly();
      }
    }
  }

  private void rememberDescendants() {
    List<NodeProcess> processes;
    synchronized (everyStart) {
      processes = List.copyOf(everyStart);
    }
    for (NodeProcess process : processes) {
      process.handle().descendants().forEach(child -> seen.computeIfAbsent(child, h -> h.info().command()
          .map(cmd -> Path.of(cmd).getFileName().toString()).orElse("process") + " (pid " + h.pid() + ", under "
          + process.handle().pid() + ")"));
    }
  }

  String jdbcUrl() {
    return "jdbc:mariadb://127.0.0.1:" + mysqlPort + "/" + EmbeddedInfrastructure.DATABASE;
  }

  String kafkaBootstrap() {
    return "127.0.0.1:" + kafkaPort;
  }

  URI api(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  URI simulator(String path) {
    return URI.create("http://127.0.0.1:" + simulatorPort + path);
  }

  Path logDir() {
    return Path.of("target", "node-processes").toAbsolutePath();
  }
}
