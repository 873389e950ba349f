package io.kilosail.messaging;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/**
 * Message ids: UUID version 7 (RFC 9562). The first 48 bits are the Unix time in milliseconds, so ids sort by creation
 * time (handy in logs, indexes and the inbox); within one millisecond a 12-bit counter keeps ids of this process
 * strictly increasing; 62 random bits make ids from different nodes collide with negligible probability.
 */
public final class MessageIds {

  private static final MessageIds DEFAULT = new MessageIds(Clock.systemUTC(), new SecureRandom());

  private final Clock clock;
  private final SecureRandom random;
  private long lastMillis = -1;
  private int counter;

  MessageIds(Clock clock, SecureRandom random) {
    this.clock = clock;
    this.random = random;
  }

  /** A new id from the process-wide generator. */
  public static String next() {
    return DEFAULT.nextId().toString();
  }

  /** The creation time encoded in a version-7 id, in epoch milliseconds. */
  public static long millisOf(String id) {
    return UUID.fromString(id).getMostSignificantBits() >>> 16;
  }

  synchronized UUID nextId() {
    long millis = clock.millis();
    if (millis > lastMillis) {
      lastMillis = millis;
      // Start the counter at a random point in its lower half, leaving room to count up within the millisecond.
      counter = random.nextInt(1 << 11);
    } else {
      // Same millisecond, or the clock stepped back: stay on the last timestamp and count up.
      counter++;
      if (counter > 0xFFF) {
        lastMillis++;
        counter = 0;
      }
    }
    long msb = (lastMillis << 16) | (0x7L << 12) | counter;
    long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb);
  }
}
