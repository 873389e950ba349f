package io.kilosail.saga;

import java.time.Duration;
import java.util.Set;

/**
 * How often a step is tried and how long to wait between tries: exponential backoff from {@code initialBackoff},
 * multiplied by {@code multiplier} each time, capped at {@code maxBackoff}. Failures whose code is in
 * {@code nonRetryable} are final at once: the participant said no, trying again would only hear it again.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff,
                          Set<Integer> nonRetryable) {

  public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, 1, Duration.ZERO, Set.of());
  /** Forward steps: a few quick tries, then compensate. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofMillis(100), 2, Duration.ofSeconds(2), Set.of());
  /** Compensations must eventually succeed: many tries, up to a minute apart, before an operator is needed. */
  public static final RetryPolicy COMPENSATION = new RetryPolicy(20, Duration.ofMillis(200), 2, Duration.ofMinutes(1),
      Set.of());

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    if (multiplier < 1) {
      throw new IllegalArgumentException("multiplier must be at least 1");
    }
    nonRetryable = Set.copyOf(nonRetryable);
  }

  public static RetryPolicy attempts(int maxAttempts, Duration initialBackoff) {
    return new RetryPolicy(maxAttempts, initialBackoff, 2, Duration.ofSeconds(30), Set.of());
  }

  public RetryPolicy notRetrying(Integer... failureCodes) {
    return new RetryPolicy(maxAttempts, initialBackoff, multiplier, maxBackoff, Set.of(failureCodes));
  }

  /** Whether another try may follow a failed attempt number {@code attempt} (1-based). */
  public boolean allowsAnotherAfter(int attempt) {
    return attempt < maxAttempts;
  }

  /** The wait before attempt {@code attempt + 1}. */
  public Duration backoffAfter(int attempt) {
    double millis = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
    return Duration.ofMillis((long) Math.min(millis, maxBackoff.toMillis()));
  }

  public boolean isRetryable(int failureCode) {
    return !nonRetryable.contains(failureCode);
  }
}
