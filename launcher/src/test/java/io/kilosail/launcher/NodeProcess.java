package io.kilosail.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A kilosail node in its own JVM, started the way an operator starts it ({@code Main} with env vars and flags), so
 * tests see exit codes, stderr and SIGTERM handling for real.
 */
final class NodeProcess implements AutoCloseable {

  private final Process process;
  private final Path stdoutFile;
  private final Path stderrFile;

  private NodeProcess(Process process, Path stdoutFile, Path stderrFile) {
    this.process = process;
    this.stdoutFile = stdoutFile;
    this.stderrFile = stderrFile;
  }

  static NodeProcess start(Map<String, String> env, String... args) throws IOException {
    return start("node", List.of("-Xmx512m"), env, args);
  }

  /**
   * @param name       prefix of the log files under {@code target/node-processes/}
   * @param jvmOptions options before the main class ({@code -Xmx}, {@code -D...})
   */
  static NodeProcess start(String name, List<String> jvmOptions, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    if (jvmOptions.stream().noneMatch(o -> o.startsWith("-Dlogback.configurationFile="))) {
      // A node process logs as a node does (its own logback.xml, INFO unless KILOSAIL_LOG_LEVEL), not at the test
      // classpath's WARN: its stdout is what a test reads, and kept under target/ for reading after a failure.
      command.add("-Dlogback.configurationFile=" + nodeLogbackFile());
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    // The node must see only the settings this test gives it.
    builder.environment().keySet().removeIf(key -> key.startsWith("KILOSAIL_"));
    builder.environment().putAll(env);
    // Output goes to files under target/ (kept for reading after a failure), not pipes that could fill up.
    Path logs = Files.createDirectories(Path.of("target", "node-processes"));
    String file = name + "-" + COUNTER.incrementAndGet() + "-" + ProcessHandle.current().pid();
    Path out = logs.resolve(file + ".out");
    Path err = logs.resolve(file + ".err");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    return new NodeProcess(builder.start(), out, err);
  }

  private static String nodeLogbackFile() {
    java.net.URL url = NodeProcess.class.getResource("/logback.xml");
    if (url == null) {
      throw new IllegalStateException("launcher's logback.xml is not on the test classpath");
    }
    try {
      return Path.of(url.toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final AtomicInteger COUNTER = new AtomicInteger();

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Waits until the node prints that it is up; fails with its output if it exits or takes too long. */
  void awaitUp(long timeoutSeconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (System.nanoTime() < deadline) {
      if (stdout().stream().anyMatch(l -> l.startsWith("kilosail is up"))) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError("node exited with " + process.exitValue() + "\nstderr:\n" + String.join("\n", stderr())
            + "\nstdout:\n" + String.join("\n", stdout()));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("node not up after " + timeoutSeconds + " s\n" + String.join("\n", stdout()));
  }

  int awaitExit(long timeoutSeconds) throws InterruptedException {
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      throw new AssertionError("node still running after " + timeoutSeconds + " s\n" + String.join("\n", stdout()));
    }
    return process.exitValue();
  }

  /** SIGTERM, as Ctrl-C or {@code docker stop} would send, then waits for the exit. */
  int terminate(long timeoutSeconds) throws InterruptedException {
    process.destroy();
    return awaitExit(timeoutSeconds);
  }

  /** SIGKILL, as {@code kill -9} or the OOM killer would send: no shutdown hook runs. Waits for the exit. */
  void kill(long timeoutSeconds) throws InterruptedException {
    process.destroyForcibly();
    awaitExit(timeoutSeconds);
  }

  /** The processes the node started itself and that still run (its embedded servers and their watchdogs). */
  List<ProcessHandle> children() {
    return process.children().toList();
  }

  /** The JVM, for following it and the processes it starts (embedded MariaDB, Redis) until they are gone. */
  ProcessHandle handle() {
    return process.toHandle();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Where its output goes, to point a reader at it after a failure. */
  Path stdoutFile() {
    return stdoutFile;
  }

  List<String> stdout() {
    return lines(stdoutFile);
  }

  List<String> stderr() {
    return lines(stderrFile);
  }

  /** SIGTERM first, so the node stops its embedded servers even when a test failed; SIGKILL if it hangs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
