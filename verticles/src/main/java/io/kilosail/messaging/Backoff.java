package io.kilosail.messaging;

/**
 * Exponential backoff between attempts: {@code initialMs}, doubling, capped at {@code maxMs}. No jitter: attempts of
 * one record are sequential on its partition, so there is no herd to spread.
 */
public record Backoff(long initialMs, long maxMs) {

  public Backoff {
    if (initialMs < 1 || maxMs < initialMs) {
      throw new IllegalArgumentException("need 1 <= initialMs <= maxMs, got " + initialMs + ", " + maxMs);
    }
  }

  /** The pause after failed attempt number {@code attempt} (1-based). */
  public long delayAfter(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt is 1-based, got " + attempt);
    }
    int doublings = Math.min(attempt - 1, 30);
    // Compare before shifting so a large attempt number cannot overflow.
    return initialMs > (maxMs >> doublings) ? maxMs : Math.min(maxMs, initialMs << doublings);
  }
}
