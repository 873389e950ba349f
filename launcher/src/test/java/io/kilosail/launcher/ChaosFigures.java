package io.kilosail.launcher;

import io.kilosail.launcher.ChaosAudit.OrderFacts;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The timing figures of a chaos run, from the orders' own timelines (instants written by the nodes and the simulated
 * couriers, all on this machine's clock, like the test's fault instants).
 *
 * <p><b>Takeover after the kill -9.</b> Node B's work at the moment it dies is whatever it held: sagas under its
 * lease, the Kafka partitions its consumers owned, the outbox shards and push-back rows it had claimed. Which order
 * sits behind which of those is not visible from outside, but an order held by B cannot move until another node takes
 * B's share over, while an order held by C moves on within a second. So the takeover time is measured as <i>the
 * longest any order that was in flight at the kill (accepted before it, not yet terminal) waited for its next state
 * after the kill</i>. In a healthy run that is one step's latency (well under a second); behind a dead node it is the
 * time the cluster took to notice and hand the work over. (The alternative proxy, the largest gap between delivered
 * orders, hides the stall: C keeps delivering its own share throughout.) An order that never moved again counts with
 * the whole observed time, so a stranded order cannot make the figure look good.
 *
 * <p><b>Worst extra delay.</b> Latency is accepted (CREATED) → terminal. The quiet window is the orders accepted after
 * a 3 s warm-up and ended at least before the first fault; its p99 is what a healthy cluster costs an order. The
 * fault window holds every order alive at some point between the first fault and the end of the last one (accepted
 * before it ended, not terminal before it began). Worst extra delay = max latency in the fault window − quiet p99.
 */
record ChaosFigures(Double takeoverSeconds, String takeoverOrder, int inFlightAtKill, Double quietP99Seconds,
                    int quietOrders, Double worstFaultLatencySeconds, String worstFaultOrder, int faultWindowOrders,
                    Double extraDelaySeconds, double worstLatencySeconds, double p99LatencySeconds) {

  private static final Duration WARM_UP = Duration.ofSeconds(3);

  /**
   * @param killAt       the kill -9 of node B, or null when the run killed nothing
   * @param faultStart   the first fault, or null for a run without faults
   * @param faultsEnd    when the last fault was over (the last restarted node up, or the SIGTERMed node gone)
   * @param observedTill the end of the drain: a non-terminal order's latency counts up to here
   */
  static ChaosFigures measure(List<OrderFacts> facts, Instant killAt, Instant faultStart, Instant faultsEnd,
                              Instant observedTill) {
    List<OrderFacts> stored = facts.stream().filter(f -> f.order() != null && f.acceptedAt() != null).toList();
    Instant firstAccepted = stored.stream().map(OrderFacts::acceptedAt).min(Comparator.naturalOrder())
        .orElse(observedTill);

    Double takeover = null;
    String takeoverOrder = null;
    int inFlightAtKill = 0;
    if (killAt != null) {
      for (OrderFacts f : stored) {
        Instant terminal = f.terminalAt();
        if (!f.acceptedAt().isBefore(killAt) || (terminal != null && !terminal.isAfter(killAt))) {
          continue;
        }
        inFlightAtKill++;
        Instant nextMove = f.timeline().stream().map(e -> Instant.parse(e.getString("at")))
            .filter(at -> at.isAfter(killAt)).min(Comparator.naturalOrder()).orElse(observedTill);
        double waited = seconds(killAt, nextMove);
        if (takeover == null || waited > takeover) {
          takeover = waited;
          takeoverOrder = f.pushed().orderId() + " (" + stateAt(f, killAt) + " at the kill, next move "
              + (nextMove.equals(observedTill) ? "never" : "at " + nextMove) + ")";
        }
      }
    }

    List<Double> quiet = new ArrayList<>();
    List<Double> all = new ArrayList<>();
    Double worstFault = null;
    String worstFaultOrder = null;
    int faultWindow = 0;
    for (OrderFacts f : stored) {
      Instant terminal = f.terminalAt();
      double latency = seconds(f.acceptedAt(), terminal == null ? observedTill : terminal);
      all.add(latency);
      boolean warm = !f.acceptedAt().isBefore(firstAccepted.plus(WARM_UP));
      if (warm && terminal != null && (faultStart == null || terminal.isBefore(faultStart))) {
        quiet.add(latency);
      }
      if (faultStart != null && f.acceptedAt().isBefore(faultsEnd)
          && (terminal == null || terminal.isAfter(faultStart))) {
        faultWindow++;
        if (worstFault == null || latency > worstFault) {
          worstFault = latency;
          worstFaultOrder = f.pushed().orderId() + " (accepted " + f.acceptedAt() + ", "
              + (terminal == null ? "never terminal" : f.state() + " " + terminal) + ")";
        }
      }
    }
    Double quietP99 = quiet.isEmpty() ? null : percentile(quiet, 0.99);
    Double extra = worstFault == null || quietP99 == null ? null : worstFault - quietP99;
    return new ChaosFigures(takeover, takeoverOrder, inFlightAtKill, quietP99, quiet.size(), worstFault,
        worstFaultOrder, faultWindow, extra, all.stream().mapToDouble(d -> d).max().orElse(0),
        all.isEmpty() ? 0 : percentile(all, 0.99));
  }

  private static String stateAt(OrderFacts f, Instant at) {
    String state = "?";
    for (JsonObject e : f.timeline()) {
      if (!Instant.parse(e.getString("at")).isAfter(at)) {
        state = e.getString("state");
      }
    }
    return state;
  }

  /** Nearest-rank percentile. */
  static double percentile(List<Double> values, double p) {
    List<Double> sorted = values.stream().sorted().toList();
    int rank = (int) Math.ceil(p * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toMillis() / 1000.0;
  }
}
