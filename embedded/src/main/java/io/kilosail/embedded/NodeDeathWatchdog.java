package io.kilosail.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A tiny {@code /bin/sh} process that stops one embedded server's process when this JVM dies, however it dies
 * (kill -9, OOM killer, a crash): Java cannot ask the kernel for that (no PR_SET_PDEATHSIG), and a shutdown hook does
 * not run on kill -9.
 *
 * <p>The watchdog learns of the JVM's death without polling and without trusting a pid: its stdin is a pipe whose
 * only writer is this JVM (Java closes every other descriptor in the processes it starts, so neither the servers nor
 * other watchdogs hold it). The kernel closes that pipe when the JVM goes, and the watchdog's {@code read} returns at
 * end of file. It then sends the server SIGTERM, and SIGKILL if it is still there after {@link #TERM_GRACE_TENTHS}
 * tenths of a second; before each signal it checks the server's start time, so a pid reused since is never hit.
 * A node that stops its server itself says {@code release} first, and the watchdog exits without a signal.
 */
final class NodeDeathWatchdog {

  private static final Logger log = LoggerFactory.getLogger(NodeDeathWatchdog.class);

  /** Time a server gets to stop on SIGTERM before SIGKILL: the node's servers must be gone about 2 s after it. */
  static final int TERM_GRACE_TENTHS = 15;

  private static final String SCRIPT = """
      # $1: the server's pid; $2: its start time (field 22 of /proc/<pid>/stat); $3: tenths of a second before SIGKILL.
      # Ctrl-C and a closed terminal signal the whole process group: the node then stops its servers itself, and this
      # watchdog stays in case the node cannot finish.
      trap '' INT HUP
      read -r line
      [ "$line" = release ] && exit 0
      pid=$1 started=$2 grace=$3
      server_running() {
        { read -r stat < "/proc/$pid/stat"; } 2>/dev/null || return 1
        # Fields after "pid (comm) ": $1 is the state, $20 the start time.
        set -- ${stat##*") "}
        [ "$1" != Z ] && [ "$1" != X ] && [ "${20}" = "$started" ]
      }
      server_running || exit 0
      kill -TERM "$pid" 2>/dev/null
      while [ "$grace" -gt 0 ]; do
        sleep 0.1
        server_running || exit 0
        grace=$((grace - 1))
      done
      kill -KILL "$pid" 2>/dev/null
      """;

  private final String server;
  private final Process process;

  private NodeDeathWatchdog(String server, Process process) {
    this.server = server;
    this.process = process;
  }

  /** Starts a watchdog for {@code serverProcess}; empty (with a warning) when no shell could be started. */
  static Optional<NodeDeathWatchdog> watch(String server, ProcessIdentity serverProcess) {
    try {
      Process process = new ProcessBuilder(command(serverProcess))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      log.debug("{} (pid {}) watched by pid {}: it stops with this JVM", server, serverProcess.pid(), process.pid());
      return Optional.of(new NodeDeathWatchdog(server, process));
    } catch (IOException e) {
      log.warn("{} (pid {}) has no watchdog ({}): it would outlive a kill -9 of this node; the next start on this data "
          + "directory stops it", server, serverProcess.pid(), e.getMessage());
      return Optional.empty();
    }
  }

  /** The watchdog's command line; its stdin must be a pipe from this JVM. */
  static List<String> command(ProcessIdentity serverProcess) {
    return List.of("/bin/sh", "-c", SCRIPT, "kilosail-watchdog", Long.toString(serverProcess.pid()),
        Long.toString(serverProcess.startTicks()), Integer.toString(TERM_GRACE_TENTHS));
  }

  long pid() {
    return process.pid();
  }

  /** The server was stopped cleanly: the watchdog exits without signalling anything. */
  void release() {
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.write("release\n".getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      // Already gone (killed by hand): nothing left to release.
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroy();
      }
    } catch (InterruptedException e) {
      process.destroy();
      Thread.currentThread().interrupt();
    }
    log.debug("watchdog of {} released", server);
  }
}
