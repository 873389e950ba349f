package io.kilosail.launcher;

import io.kilosail.embedded.EmbeddedInfrastructure;
import io.kilosail.embedded.FreePort;
import io.kilosail.embedded.ProcessIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node killed with SIGKILL (kill -9, the OOM killer) takes its embedded mariadbd and redis-server with it, and the
 * next node on the same data directory starts and finds its data; a server that outlived its node anyway (its watchdog
 * killed too) is found through its pid file and stopped by that next start. See docs/operations.md.
 */
class KilledNodeLeavesNoOrphansTest {

  /** The servers must be gone about 2 s after their node; a loaded CI machine gets some slack. */
  private static final Duration SERVERS_GONE_WITHIN = Duration.ofSeconds(5);

  @Test
  void serversDieWithAKilledNodeAndTheNextStartFindsItsData(@TempDir Path dataDir) throws Exception {
    Node node = new Node(dataDir);
    List<ProcessIdentity> servers = new ArrayList<>();
    try {
      try (NodeProcess first = node.start("first-run")) {
        servers.addAll(node.serversFromPidFiles());
        assertThat(first.children()).extracting(ProcessHandle::pid)
            .as("the pid files name the node's own child processes")
            .contains(servers.get(0).pid(), servers.get(1).pid());
        node.setRedisKey();

        first.kill(30);
        assertThat(waitUntil(() -> servers.stream().noneMatch(ProcessIdentity::isRunning), SERVERS_GONE_WITHIN))
            .as("mariadbd and redis-server gone within %s of their node's SIGKILL", SERVERS_GONE_WITHIN).isTrue();
      }

      try (NodeProcess second = node.start("second-run")) {
        node.assertDataOfTheFirstRun();
        assertThat(second.stdout()).noneMatch(l -> l.contains("left running by an earlier node"));

        List<ProcessIdentity> secondServers = node.serversFromPidFiles();
        servers.addAll(secondServers);
        assertThat(second.terminate(90)).as("exit after SIGTERM").isEqualTo(143);
        assertThat(secondServers).noneMatch(ProcessIdentity::isRunning);
        assertThat(node.pidFiles()).as("a clean stop removes the pid files").noneMatch(Files::exists);
      }
    } finally {
      killStillRunning(servers);
    }
  }

  @Test
  void nextStartStopsServersThatOutlivedTheirWatchdogs(@TempDir Path dataDir) throws Exception {
    Node node = new Node(dataDir);
    List<ProcessIdentity> orphans = new ArrayList<>();
    List<ProcessHandle> watchdogs = new ArrayList<>();
    try {
      try (NodeProcess first = node.start("first-run")) {
        orphans.addAll(node.serversFromPidFiles());
        node.setRedisKey();
        // What a kill of the whole node can do that a kill -9 of its JVM alone does not: its watchdogs go too.
        Set<Long> serverPids = Set.of(orphans.get(0).pid(), orphans.get(1).pid());
        first.children().stream().filter(child -> !serverPids.contains(child.pid())).forEach(watchdogs::add);
        assertThat(watchdogs).as("one watchdog per server").hasSize(2);
        watchdogs.forEach(ProcessHandle::destroyForcibly);
        assertThat(waitUntil(() -> watchdogs.stream().noneMatch(ProcessHandle::isAlive), Duration.ofSeconds(5)))
            .as("watchdogs killed").isTrue();

        first.kill(30);
        Thread.sleep(SERVERS_GONE_WITHIN.toMillis());
        assertThat(orphans).as("servers orphaned: nothing stopped them").allMatch(ProcessIdentity::isRunning);
      }

      try (NodeProcess second = node.start("second-run")) {
        assertThat(second.stdout()).as("one warning per server it found and stopped")
            .filteredOn(l -> l.contains("WARN") && l.contains("left running by an earlier node")).hasSize(2);
        assertThat(orphans).noneMatch(ProcessIdentity::isRunning);
        node.assertDataOfTheFirstRun();
        assertThat(second.terminate(90)).as("exit after SIGTERM").isEqualTo(143);
      }
    } finally {
      killStillRunning(orphans);
      watchdogs.forEach(ProcessHandle::destroyForcibly);
    }
  }

  /** A node on one data directory and fixed ports, started again on both. */
  private static final class Node {

    private final Path dataDir;
    private final Map<String, String> env;
    private final int httpPort = FreePort.pick();
    private final int mysqlPort = FreePort.pick();
    private final int redisPort = FreePort.pick();

    Node(Path dataDir) {
      this.dataDir = dataDir;
      env = new HashMap<>(Map.of(
          "KILOSAIL_DATA_DIR", dataDir.toString(),
          "KILOSAIL_HTTP_PORT", String.valueOf(httpPort),
          "KILOSAIL_EMBEDDED_MYSQL_PORT", String.valueOf(mysqlPort),
          "KILOSAIL_EMBEDDED_KAFKA_PORT", String.valueOf(FreePort.pick()),
          "KILOSAIL_EMBEDDED_KAFKA_CONTROLLER_PORT", String.valueOf(FreePort.pick()),
          "KILOSAIL_EMBEDDED_REDIS_PORT", String.valueOf(redisPort),
          "KILOSAIL_SIMULATOR_COURIER_PORT", String.valueOf(FreePort.pick()),
          "KILOSAIL_WEBHOOKS_PORT", String.valueOf(FreePort.pick())));
    }

    NodeProcess start(String nodeId) throws Exception {
      env.put("KILOSAIL_NODE_ID", nodeId);
      NodeProcess process = NodeProcess.start(env);
      try {
        process.awaitUp(180);
        assertReady();
        return process;
      } catch (Exception | AssertionError e) {
        process.close();
        throw e;
      }
    }

    List<Path> pidFiles() {
      return List.of(dataDir.resolve("mariadb").resolve("server.pid"), dataDir.resolve("redis").resolve("server.pid"));
    }

    /** mariadbd then redis-server, as the node recorded them. */
    List<ProcessIdentity> serversFromPidFiles() throws IOException {
      List<ProcessIdentity> servers = new ArrayList<>();
      for (Path pidFile : pidFiles()) {
        Properties recorded = new Properties();
        try (InputStream in = Files.newInputStream(pidFile)) {
          recorded.load(in);
        }
        ProcessIdentity server = new ProcessIdentity(Long.parseLong(recorded.getProperty("pid")),
            Long.parseLong(recorded.getProperty("startTicks")), recorded.getProperty("bootId"));
        assertThat(server.isRunning()).as("%s names a running process", pidFile).isTrue();
        servers.add(server);
      }
      return servers;
    }

    void setRedisKey() {
      try (Jedis redis = new Jedis("127.0.0.1", redisPort)) {
        redis.set("kill-proof", "written in the first run");
      }
    }

    void assertDataOfTheFirstRun() throws Exception {
      String jdbc = "jdbc:mariadb://127.0.0.1:" + mysqlPort + "/" + EmbeddedInfrastructure.DATABASE;
      try (Connection c = DriverManager.getConnection(jdbc, EmbeddedInfrastructure.USER,
          EmbeddedInfrastructure.PASSWORD);
           ResultSet rs = c.createStatement().executeQuery("SELECT node_id FROM node_start ORDER BY id")) {
        List<String> nodes = new ArrayList<>();
        while (rs.next()) {
          nodes.add(rs.getString(1));
        }
        assertThat(nodes).containsExactly("first-run", "second-run");
      }
      // A server stopped by SIGTERM (watchdog or next start) flushes its append-only file first.
      try (Jedis redis = new Jedis("127.0.0.1", redisPort)) {
        assertThat(redis.get("kill-proof")).isEqualTo("written in the first run");
      }
    }

    private void assertReady() throws Exception {
      HttpResponse<String> ready = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    }
  }

  private static boolean waitUntil(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  /** Whatever a failed assertion left behind, by pid and only if it is still the very process recorded. */
  private static void killStillRunning(List<ProcessIdentity> servers) {
    servers.stream().filter(ProcessIdentity::isRunning)
        .forEach(server -> ProcessHandle.of(server.pid()).ifPresent(ProcessHandle::destroyForcibly));
  }
}
