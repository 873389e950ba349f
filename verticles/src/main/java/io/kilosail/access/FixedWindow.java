package io.kilosail.access;

/**
 * The fixed-window rule, apart from Redis so it can be tested plainly: a caller's {@code count}th request in a window
 * that has {@code remainingMs} left passes while {@code count <= limit}; a refused caller is told to come back when
 * the window ends (whole seconds, at least 1, as {@code Retry-After} wants).
 */
public final class FixedWindow {

  /** {@code retryAfterSeconds} is 0 when the request may pass. */
  public record Decision(boolean allowed, long retryAfterSeconds) {
    public static final Decision ALLOW = new Decision(true, 0);
  }

  private FixedWindow() {
  }

  public static Decision decide(long count, long remainingMs, long limit, long windowMs) {
    if (limit <= 0 || count <= limit) {
      return Decision.ALLOW;
    }
    // A key without expiry (-1) or gone (-2) cannot happen with the script, but must not mean "wait forever".
    long waitMs = remainingMs > 0 ? remainingMs : windowMs;
    return new Decision(false, Math.max(1, (waitMs + 999) / 1000));
  }
}
