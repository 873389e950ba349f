package io.kilosail.infra;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/** DATETIME(3) columns hold UTC instants; the MySQL client speaks LocalDateTime. These two functions are the bridge. */
public final class Times {

  private Times() {
  }

  public static LocalDateTime toDb(Instant instant) {
    return instant == null ? null : LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  public static Instant fromDb(LocalDateTime value) {
    return value == null ? null : value.toInstant(ZoneOffset.UTC);
  }

  /** A literal for text queries built from our own values (never from input). */
  public static String sqlLiteral(Instant instant) {
    return "'" + toDb(instant).toString().replace('T', ' ') + "'";
  }
}
