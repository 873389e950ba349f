package io.kilosail.launcher;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The chaos run's size, faults and targets, from system properties so that {@code scripts/chaos.sh} can make the run
 * bigger than the suite's: {@code -Dchaos.orders=1200 -Dchaos.rate=20}.
 *
 * @param orders              orders the food simulator pushes ({@code chaos.orders}, 300: at 5/s the load lasts past
 *                            node C's SIGTERM)
 * @param ratePerSecond       pushes a second ({@code chaos.rate}, 5: three JVMs, the embedded servers and the
 *                            simulators share two cores; from 8/s on, the simulated couriers answer late and orders
 *                            end cancelled for want of a quote, which tests less of the delivery path)
 * @param faults              {@code chaos.faults}: {@code kill-b,term-c} (default), one of them, or {@code none} (the
 *                            harness's own sanity run: every invariant must hold)
 * @param killAfterSeconds    from the first push to the kill -9 of node B ({@code chaos.killAfterSeconds}, 10): the
 *                            time before it is the quiet window whose latencies are the baseline
 * @param restartAfterSeconds node B (and C) stay down this long before they are started again
 *                            ({@code chaos.restartAfterSeconds}, 4)
 * @param restartC            start node C again after its SIGTERM ({@code chaos.restartC}, true)
 * @param drainSeconds        after the last push and the last fault, how long every order gets to reach its terminal
 *                            state before the remaining ones count as stranded ({@code chaos.drainSeconds}, 90)
 * @param takeoverTarget      seconds ({@code chaos.target.takeoverSeconds}, 10)
 * @param extraDelayTarget    seconds ({@code chaos.target.extraDelaySeconds}, 15)
 * @param enforceTimingTargets whether a missed timing target fails the run ({@code chaos.enforceTimingTargets}, false
 *                            in the suite, true from {@code scripts/chaos.sh}); the invariants always do
 */
record ChaosSettings(int orders, double ratePerSecond, Set<String> faults, double killAfterSeconds,
                     double restartAfterSeconds, boolean restartC, int drainSeconds, double takeoverTarget,
                     double extraDelayTarget, boolean enforceTimingTargets) {

  static final String KILL_B = "kill-b";
  static final String TERM_C = "term-c";

  static ChaosSettings fromSystemProperties() {
    String faults = System.getProperty("chaos.faults", KILL_B + "," + TERM_C).trim().toLowerCase(Locale.ROOT);
    Set<String> chosen = faults.equals("none") ? Set.of()
        : Arrays.stream(faults.split(",")).map(String::trim).filter(f -> !f.isEmpty()).collect(Collectors.toSet());
    for (String fault : chosen) {
      if (!fault.equals(KILL_B) && !fault.equals(TERM_C)) {
        throw new IllegalArgumentException("chaos.faults: unknown fault '" + fault + "'; known: " + KILL_B + ", "
            + TERM_C + " (comma-separated) or none");
      }
    }
    return new ChaosSettings(
        Integer.getInteger("chaos.orders", 300),
        Double.parseDouble(System.getProperty("chaos.rate", "5")),
        chosen,
        Double.parseDouble(System.getProperty("chaos.killAfterSeconds", "10")),
        Double.parseDouble(System.getProperty("chaos.restartAfterSeconds", "4")),
        Boolean.parseBoolean(System.getProperty("chaos.restartC", "true")),
        Integer.getInteger("chaos.drainSeconds", 90),
        Double.parseDouble(System.getProperty("chaos.target.takeoverSeconds", "10")),
        Double.parseDouble(System.getProperty("chaos.target.extraDelaySeconds", "15")),
        Boolean.parseBoolean(System.getProperty("chaos.enforceTimingTargets", "false")));
  }

  boolean killsB() {
    return faults.contains(KILL_B);
  }

  boolean terminatesC() {
    return faults.contains(TERM_C);
  }

  boolean anyFault() {
    return !faults.isEmpty();
  }

  String describe() {
    return orders + " orders at " + ratePerSecond + "/s, faults " + (faults.isEmpty() ? "none" : String.join(",",
        faults.stream().sorted().toList()));
  }
}
