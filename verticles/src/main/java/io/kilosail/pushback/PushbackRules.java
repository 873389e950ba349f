package io.kilosail.pushback;

import java.time.Instant;

/**
 * The decisions of the status push-back, in plain Java: which order version wins, when to push next, what an
 * acknowledgement or a failure does to the row. The statements of {@code io.kilosail.order.OrderPushback} apply them
 * to the order row (the transitions' own UPDATE, the batched acknowledgements, a failure); {@link #afterAck} tells the
 * pusher what a batched acknowledgement left it to do, {@link #backoffMs} how long a failed row waits.
 *
 * <p>The invariant: a row's {@code version} only grows, and a push always carries the row's version at claim time; a
 * pusher holds the row under a lease while the request is in flight, so one order never has two pushes in flight and
 * a platform never hears an older state after a newer one.
 */
public final class PushbackRules {

  private PushbackRules() {
  }

  /**
   * The push-back part of a row.
   *
   * @param version       order version of the state to send
   * @param ackedVersion  highest version the platform acknowledged, -1 for none
   * @param attempts      failed pushes since the last acknowledgement
   * @param nextAttemptAt when to push next, null when nothing is to be sent
   * @param pendingSince  since when the platform has been behind, null when it is not
   */
  public record Progress(int version, int ackedVersion, int attempts, Instant nextAttemptAt, Instant pendingSince) {

    public boolean pending() {
      return version > ackedVersion;
    }
  }

  /** A row for an order seen for the first time: due now. */
  public static Progress first(int version, Instant now) {
    return new Progress(version, -1, 0, now, now);
  }

  /**
   * The order was seen at {@code observedVersion}: null when that is not newer than what the row holds (a late or
   * repeated event, or one that did not move the order: nothing changes), else the row moved forward. A row waiting
   * out a backoff keeps its next attempt (the platform is failing; the newer state goes at that retry instead of the
   * older one); an idle row is due now.
   */
  public static Progress observe(Progress stored, int observedVersion, Instant now) {
    if (observedVersion <= stored.version()) {
      return null;
    }
    if (observedVersion <= stored.ackedVersion()) {
      return null; // cannot happen with a growing order version; never move back behind an acknowledgement
    }
    boolean backingOff = stored.pending() && stored.attempts() > 0 && stored.nextAttemptAt() != null;
    return new Progress(observedVersion, stored.ackedVersion(), stored.attempts(),
        backingOff ? stored.nextAttemptAt() : now,
        stored.pending() && stored.pendingSince() != null ? stored.pendingSince() : now);
  }

  /** True when {@link #observe} replaced a state the platform has not acknowledged: that state is skipped. */
  public static boolean supersedesUnsent(Progress stored, int observedVersion) {
    return stored.pending() && observedVersion > stored.version();
  }

  /**
   * The platform acknowledged {@code sentVersion}. If the order moved on while the push was in flight, the newer state
   * is due at once; otherwise the row rests.
   */
  public static Progress acked(Progress stored, int sentVersion, Instant now) {
    int acked = Math.max(stored.ackedVersion(), sentVersion);
    if (stored.version() > acked) {
      return new Progress(stored.version(), acked, 0, now, now);
    }
    return new Progress(stored.version(), acked, 0, null, null);
  }

  /** What a batched acknowledgement left to the pusher that sent {@code sentVersion} under its lease. */
  public enum AfterAck {
    /** the acknowledgement is recorded, nothing newer is this pusher's to send */
    DONE,
    /** recorded; the order moved on while the push was in flight: the row, still under this lease, is due now */
    MOVED_ON,
    /** the lease was taken over (this pusher outlived it): only the acknowledged version is still to be recorded */
    NOT_HELD
  }

  /**
   * Reads the row after the batched acknowledgement of {@code sentVersion} under {@code leaseToken}: {@code pending}
   * says whether the row still has a state the platform has not acknowledged, then with its version, acknowledged
   * version and lease token.
   */
  public static AfterAck afterAck(int sentVersion, String leaseToken, boolean pending, int version, int ackedVersion,
                                  String rowLeaseToken) {
    if (!pending) {
      return AfterAck.DONE;
    }
    if (leaseToken.equals(rowLeaseToken) && ackedVersion >= sentVersion && version > sentVersion) {
      return AfterAck.MOVED_ON;
    }
    // Under another lease: a move after this acknowledgement took it (its nudge sends the newer state), or this
    // pusher had lost it, and then its acknowledgement was not written.
    return ackedVersion < sentVersion ? AfterAck.NOT_HELD : AfterAck.DONE;
  }

  /** The push of the row's state failed: try again after the backoff of this attempt (unless something else acked). */
  public static Progress failed(Progress stored, Instant now, long delayMs) {
    if (!stored.pending()) {
      return new Progress(stored.version(), stored.ackedVersion(), 0, null, null);
    }
    return new Progress(stored.version(), stored.ackedVersion(), stored.attempts() + 1, now.plusMillis(delayMs),
        stored.pendingSince() == null ? now : stored.pendingSince());
  }

  /**
   * Exponential backoff with jitter: {@code initialMs} after the first failure, doubling, capped at {@code maxMs}; up to
   * {@code jitter} (0..1) of it taken off at random ({@code random} in [0, 1)), so rows that failed together (a
   * platform outage) do not all come back in the same instant.
   *
   * @param attempt failed attempts so far, 1-based
   */
  public static long backoffMs(int attempt, long initialMs, long maxMs, double jitter, double random) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt is 1-based, got " + attempt);
    }
    int doublings = Math.min(attempt - 1, 30);
    long base = initialMs > (maxMs >> doublings) ? maxMs : Math.min(maxMs, initialMs << doublings);
    return Math.max(1, base - (long) (base * jitter * random));
  }

  /**
   * The instant to report for the order's current state: for CREATED when it was received; otherwise the instant of
   * the newest timeline entry when it is that state (what {@code GET /v1/orders/{id}} shows), else when the row
   * changed.
   */
  public static Instant occurredAt(String state, Instant receivedAt, String lastTimelineState, Instant lastTimelineAt,
                                   Instant updatedAt) {
    if ("CREATED".equals(state)) {
      return receivedAt;
    }
    if (state.equals(lastTimelineState) && lastTimelineAt != null) {
      return lastTimelineAt;
    }
    return updatedAt;
  }
}
