package io.kilosail.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU seconds used so far, for benchmarks that say where the time went: this JVM, its embedded mysqld child, the whole
 * machine (busy and total, from /proc/stat), and optionally this JVM's threads by name (numbers dropped, so a pool's
 * threads add up). Two samples subtracted give the split over an interval. Linux only; elsewhere the machine and
 * mysqld figures are 0.
 */
public record CpuSample(double jvm, double mysqld, double machineBusy, double machineTotal,
                        Map<String, Double> threads) {

  public static CpuSample now() {
    double jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1e9;
    double mysqld = ProcessHandle.current().descendants()
        .filter(p -> p.info().command().map(c -> c.endsWith("mysqld") || c.endsWith("mariadbd")).orElse(false))
        .mapToDouble(p -> procTicks("/proc/" + p.pid() + "/stat") / 100.0).sum();
    double busy = 0;
    double total = 0;
    try {
      String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      for (int i = 1; i < cpu.length && i <= 8; i++) {
        long v = Long.parseLong(cpu[i]);
        total += v;
        if (i != 4 && i != 5) {   // idle and iowait
          busy += v;
        }
      }
    } catch (Exception e) {
      // not Linux: no machine figures
    }
    return new CpuSample(jvm, mysqld, busy / 100.0, total / 100.0, new HashMap<>());
  }

  /** With the JVM's threads by name: it walks every thread, so take it for summaries, not every second. */
  public static CpuSample withThreads() {
    CpuSample cpu = now();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (long id : mx.getAllThreadIds()) {
      var info = mx.getThreadInfo(id);
      long time = mx.getThreadCpuTime(id);
      if (info != null && time > 0) {
        cpu.threads.merge(info.getThreadName().replaceAll("[-#]?\\d+$", "").replaceAll("\\d+", "N"), time / 1e9,
            Double::sum);
      }
    }
    return cpu;
  }

  /** "JVM 130 %, mysqld 60 %, rest of the machine 3 %, idle 1 %" over {@code seconds} since {@code before}. */
  public String split(CpuSample before, double seconds) {
    double jvmS = jvm - before.jvm;
    double dbS = mysqld - before.mysqld;
    double busyS = machineBusy - before.machineBusy;
    double totalS = machineTotal - before.machineTotal;
    return String.format("JVM %.0f %%, mysqld %.0f %%, rest of the machine %.0f %%, idle %.0f %%",
        100 * jvmS / seconds, 100 * dbS / seconds, 100 * (busyS - jvmS - dbS) / seconds,
        100 * (totalS - busyS) / seconds);
  }

  /** CPU seconds used so far by process {@code pid} (another JVM, a child server); 0 where /proc cannot tell. */
  public static double processSeconds(long pid) {
    return procTicks("/proc/" + pid + "/stat") / 100.0;
  }

  private static long procTicks(String stat) {
    try {
      String s = Files.readString(Path.of(stat));
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      // fields after "(comm)": state (field 3) is index 0, so utime (field 14) is index 11 and stime index 12
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (Exception e) {
      return 0;
    }
  }
}
