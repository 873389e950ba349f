package io.kilosail.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One process, told apart from every other process this machine ever ran: a pid alone is not enough, since the kernel
 * hands a pid out again once its process is gone. Its start time (clock ticks since boot, field 22 of
 * {@code /proc/<pid>/stat}) and the boot it belongs to make it unique, so a signal sent after checking the identity
 * can only reach the process that was meant. Linux only ({@code /proc}), like the embedded MariaDB binary.
 *
 * @param pid        the process id
 * @param startTicks when it started, in clock ticks since boot
 * @param bootId     {@code /proc/sys/kernel/random/boot_id} of the boot it ran in
 */
public record ProcessIdentity(long pid, long startTicks, String bootId) {

  private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

  /** The identity of the process now running as {@code pid}; empty when there is none or it is only a zombie. */
  public static Optional<ProcessIdentity> ofRunning(long pid) {
    return ProcStat.read(pid).filter(stat -> !stat.zombie())
        .flatMap(stat -> currentBootId().map(boot -> new ProcessIdentity(pid, stat.startTicks(), boot)));
  }

  /**
   * Whether this very process still runs. A zombie does not: it holds no port, lock or file any more, and cannot be
   * signalled away (only its parent, or init after it, reaps it).
   */
  public boolean isRunning() {
    return ofRunning(pid).filter(this::equals).isPresent();
  }

  /** Whether this process is a child of {@code parentPid}, right now. */
  boolean isChildOf(long parentPid) {
    return ProcStat.read(pid).filter(stat -> stat.startTicks() == startTicks && stat.parentPid() == parentPid)
        .isPresent();
  }

  /** The executable it runs, for log lines and pid files; "?" when the kernel does not say. */
  public String command() {
    return ProcessHandle.of(pid).flatMap(p -> p.info().command()).orElse("?");
  }

  private static Optional<String> currentBootId() {
    try {
      return Optional.of(Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The few fields of {@code /proc/<pid>/stat} that matter here. */
  private record ProcStat(char state, long parentPid, long startTicks) {

    boolean zombie() {
      return state == 'Z' || state == 'X';
    }

    static Optional<ProcStat> read(long pid) {
      String stat;
      try {
        stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return Optional.empty();
      }
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields are counted after its last ')'.
      int endOfComm = stat.lastIndexOf(") ");
      if (endOfComm < 0) {
        return Optional.empty();
      }
      String[] fields = stat.substring(endOfComm + 2).trim().split(" ");
      // fields[0] is field 3 of stat(5) (state), fields[1] field 4 (ppid), fields[19] field 22 (starttime).
      if (fields.length < 20) {
        return Optional.empty();
      }
      try {
        return Optional.of(new ProcStat(fields[0].charAt(0), Long.parseLong(fields[1]), Long.parseLong(fields[19])));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
  }
}
