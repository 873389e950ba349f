package io.kilosail.embedded;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pid file and the watchdog of {@link ServerProcessGuard}, on {@code sleep} processes standing in for the servers
 * (the whole story with real servers and a node killed by SIGKILL: KilledNodeLeavesNoOrphansTest in the launcher).
 */
class ServerProcessGuardTest {

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopWhatWasStarted() {
    started.forEach(Process::destroyForcibly);
  }

  @Test
  void aServerLeftRunningIsStoppedByTheNextStartAndItsPidFileRemoved(@TempDir Path serverDir) throws Exception {
    Process server = start("sleep", "60");
    ServerProcessGuard guard = ServerProcessGuard.guard("test server", serverDir, server.pid()).orElseThrow();
    assertThat(serverDir.resolve(ServerProcessGuard.PID_FILE)).exists();

    ServerProcessGuard.stopLeftOver("test server", serverDir);

    assertThat(server.waitFor(5, TimeUnit.SECONDS)).as("stopped").isTrue();
    assertThat(serverDir.resolve(ServerProcessGuard.PID_FILE)).doesNotExist();
    guard.serverStopped();
  }

  @Test
  void aPidNowHeldByAnotherProcessIsNeverSignalled(@TempDir Path serverDir) throws Exception {
    Process unrelated = start("sleep", "60");
    ProcessIdentity now = ProcessIdentity.ofRunning(unrelated.pid()).orElseThrow();
    // The record of a server that had this pid once, and started at another time.
    Properties record = new Properties();
    record.setProperty("pid", Long.toString(now.pid()));
    record.setProperty("startTicks", Long.toString(now.startTicks() - 1));
    record.setProperty("bootId", now.bootId());
    try (OutputStream out = Files.newOutputStream(serverDir.resolve(ServerProcessGuard.PID_FILE))) {
      record.store(out, null);
    }

    ServerProcessGuard.stopLeftOver("test server", serverDir);

    assertThat(unrelated.isAlive()).isTrue();
    assertThat(serverDir.resolve(ServerProcessGuard.PID_FILE)).as("stale, so removed").doesNotExist();
  }

  @Test
  void aCleanStopReleasesTheWatchdogAndRemovesThePidFile(@TempDir Path serverDir) throws Exception {
    Process server = start("sleep", "60");
    ServerProcessGuard guard = ServerProcessGuard.guard("test server", serverDir, server.pid()).orElseThrow();
    ProcessHandle watchdog = ProcessHandle.of(guard.watchdogPid()).orElseThrow();

    server.destroy();
    assertThat(server.waitFor(5, TimeUnit.SECONDS)).isTrue();
    guard.serverStopped();

    assertThat(watchdog.onExit().get(5, TimeUnit.SECONDS).isAlive()).isFalse();
    assertThat(serverDir.resolve(ServerProcessGuard.PID_FILE)).doesNotExist();
  }

  @Test
  void theWatchdogStopsItsServerWhenTheNodeIsGone() throws Exception {
    Process server = start("sleep", "60");
    Process watchdog = startWatchdogFor(server);

    // The end of file a dead JVM leaves on the watchdog's stdin.
    watchdog.getOutputStream().close();

    assertThat(server.waitFor(2, TimeUnit.SECONDS)).as("stopped by SIGTERM").isTrue();
    assertThat(server.exitValue()).isEqualTo(128 + 15);
    assertThat(watchdog.waitFor(2, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void theWatchdogKillsAServerThatIgnoresSigterm() throws Exception {
    Process server = start("/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.2; done");
    Thread.sleep(200);
    Process watchdog = startWatchdogFor(server);

    watchdog.getOutputStream().close();

    long grace = NodeDeathWatchdog.TERM_GRACE_TENTHS * 100L;
    assertThat(server.waitFor(grace + 1500, TimeUnit.MILLISECONDS)).as("killed after the grace").isTrue();
    assertThat(server.exitValue()).isEqualTo(128 + 9);
  }

  private Process start(String... command) throws Exception {
    Process process = new ProcessBuilder(command).start();
    started.add(process);
    return process;
  }

  private Process startWatchdogFor(Process server) throws Exception {
    ProcessIdentity identity = ProcessIdentity.ofRunning(server.pid()).orElseThrow();
    return start(NodeDeathWatchdog.command(identity).toArray(String[]::new));
  }
}
