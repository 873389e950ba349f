package io.kilosail.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Keeps an embedded server's child process (mariadbd, redis-server) from outliving its node, and a server that did
 * outlive one from blocking the next start on the same data directory.
 *
 * <ul>
 *   <li>While the server runs, a {@link NodeDeathWatchdog} stops it if this JVM dies without stopping it.</li>
 *   <li>A pid file ({@value #PID_FILE} in the server's folder) names the server's process by pid, start time and boot,
 *   so that the next node on this data directory can find a server left behind (its watchdog killed too, say) and stop
 *   it, and never touches an unrelated process that got the same pid since.</li>
 * </ul>
 *
 * <p>Every method blocks (process starts, waits for a process to end): like the rest of the embedded servers' start and
 * stop, it runs on a worker thread or the launcher's own, never on an event loop.
 *
 * See docs/operations.md, "Embedded servers and kill -9".
 */
final class ServerProcessGuard {

  private static final Logger log = LoggerFactory.getLogger(ServerProcessGuard.class);

  /** Kilosail's record of the server process it started, in the server's folder (next to the server's own files). */
  static final String PID_FILE = "server.pid";

  /** A left-over MariaDB flushes its buffer pool on SIGTERM; that is worth some seconds before SIGKILL. */
  private static final long LEFT_OVER_TERM_WAIT_MS = 20_000;
  private static final long LEFT_OVER_KILL_WAIT_MS = 5_000;

  private final String server;
  private final ProcessIdentity process;
  private final Path pidFile;
  private final NodeDeathWatchdog watchdog;

  private ServerProcessGuard(String server, ProcessIdentity process, Path pidFile, NodeDeathWatchdog watchdog) {
    this.server = server;
    this.process = process;
    this.pidFile = pidFile;
    this.watchdog = watchdog;
  }

  /**
   * Before a server starts in {@code serverDir}: if its pid file names a process that is still running, it is the
   * server an earlier node started there and could not stop (killed with its watchdog, say). It holds the port, the
   * data files' locks and the socket, so it is stopped (SIGTERM, then SIGKILL) before the new one starts.
   *
   * @throws IllegalStateException when it would not stop
   */
  static void stopLeftOver(String server, Path serverDir) {
    Path pidFile = serverDir.resolve(PID_FILE);
    Optional<ProcessIdentity> recorded = read(pidFile);
    if (recorded.isEmpty()) {
      return;
    }
    ProcessIdentity leftOver = recorded.get();
    if (leftOver.isRunning()) {
      log.warn("{} pid {} ({}) was left running by an earlier node on {}; stopping it before starting a new one",
          server, leftOver.pid(), leftOver.command(), serverDir);
      if (!signalAndWait(leftOver, false, LEFT_OVER_TERM_WAIT_MS)
          && !signalAndWait(leftOver, true, LEFT_OVER_KILL_WAIT_MS)) {
        throw new IllegalStateException(server + " pid " + leftOver.pid() + ", left running by an earlier node on "
            + serverDir + ", did not stop on SIGKILL");
      }
    }
    // Gone now, or gone long ago (its node was killed, its watchdog stopped it): the record is stale either way.
    deleteQuietly(pidFile);
  }

  /**
   * Once a server is up: records its process in {@code serverDir} and starts its watchdog. {@code serverPid} is what
   * the server wrote into its own pid file; it must be a child of this JVM, or nothing is guarded (with a warning).
   */
  static Optional<ServerProcessGuard> guard(String server, Path serverDir, long serverPid) {
    Optional<ProcessIdentity> found = ProcessIdentity.ofRunning(serverPid)
        .filter(p -> p.isChildOf(ProcessHandle.current().pid()));
    if (found.isEmpty()) {
      log.warn("{}: pid {} is not a running child of this JVM; it is not guarded against outliving this node",
          server, serverPid);
      return Optional.empty();
    }
    ProcessIdentity process = found.get();
    Path pidFile = serverDir.resolve(PID_FILE);
    write(pidFile, server, process);
    NodeDeathWatchdog watchdog = NodeDeathWatchdog.watch(server, process).orElse(null);
    return Optional.of(new ServerProcessGuard(server, process, pidFile, watchdog));
  }

  /**
   * The pid a server wrote into its own pid file once up, for {@link #guard}; empty (with a warning) when there is
   * none.
   */
  static Optional<Long> pidWrittenBy(String server, Path serverPidFile) {
    try {
      return Optional.of(Long.parseLong(Files.readString(serverPidFile, StandardCharsets.US_ASCII).trim()));
    } catch (IOException | NumberFormatException e) {
      log.warn("{}: no pid in {} ({}); it is not guarded against outliving this node", server, serverPidFile,
          e.toString());
      return Optional.empty();
    }
  }

  /**
   * After the server was asked to stop. A server gone for good needs neither watchdog nor pid file; one still running
   * keeps both, so that it still dies with this JVM, or the next start stops it.
   */
  void serverStopped() {
    if (process.isRunning()) {
      log.warn("{} pid {} still runs after its stop; its watchdog and {} stay", server, process.pid(), pidFile);
      return;
    }
    if (watchdog != null) {
      watchdog.release();
    }
    deleteQuietly(pidFile);
  }

  /** The watchdog's pid, -1 when there is none. */
  long watchdogPid() {
    return watchdog != null ? watchdog.pid() : -1;
  }

  /** @return whether the process is gone within {@code waitMs} */
  private static boolean signalAndWait(ProcessIdentity process, boolean kill, long waitMs) {
    // Checked just before the signal: the identity (start time, boot) makes sure it is still the same process.
    Optional<ProcessHandle> handle = ProcessHandle.of(process.pid()).filter(h -> process.isRunning());
    if (handle.isEmpty()) {
      return true;
    }
    if (kill) {
      handle.get().destroyForcibly();
    } else {
      handle.get().destroy();
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    while (process.isRunning()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        // Not our child: there is no waitpid to block on, only polling.
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  private static Optional<ProcessIdentity> read(Path pidFile) {
    Properties recorded = new Properties();
    try (InputStream in = Files.newInputStream(pidFile)) {
      recorded.load(in);
      return Optional.of(new ProcessIdentity(Long.parseLong(recorded.getProperty("pid")),
          Long.parseLong(recorded.getProperty("startTicks")), recorded.getProperty("bootId")));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      // Half-written (the node died while writing it) or edited by hand: nothing in it can be trusted to signal.
      log.warn("ignoring unreadable pid file {}: {}", pidFile, e.toString());
      return Optional.empty();
    }
  }

  private static void write(Path pidFile, String server, ProcessIdentity process) {
    Properties record = new Properties();
    record.setProperty("pid", Long.toString(process.pid()));
    record.setProperty("startTicks", Long.toString(process.startTicks()));
    record.setProperty("bootId", process.bootId());
    record.setProperty("command", process.command());
    record.setProperty("node", Long.toString(ProcessHandle.current().pid()));
    // Written aside and moved in, so that a reader never sees half a record.
    Path written = pidFile.resolveSibling(pidFile.getFileName() + ".new");
    try {
      try (OutputStream out = Files.newOutputStream(written)) {
        record.store(out, server + " started by a kilosail node; see docs/operations.md (Embedded servers and kill -9)");
      }
      Files.move(written, pidFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // The watchdog still covers a kill -9 of this node; only a server that outlives its watchdog too goes unfound.
      log.warn("{}: cannot write {}: {}", server, pidFile, e.toString());
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", file, e.toString());
    }
  }
}
