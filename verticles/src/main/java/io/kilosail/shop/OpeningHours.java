package io.kilosail.shop;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * A shop's opening hours: one daily window in local time (the same every day: food platforms push orders of open shops,
 * so the window only has to tell an operator that an order came at an odd hour). {@code closes} before {@code opens}
 * wraps past midnight (22:00–02:00); equal means open all day.
 */
public record OpeningHours(LocalTime opens, LocalTime closes) {

  public OpeningHours {
    Objects.requireNonNull(opens, "opens");
    Objects.requireNonNull(closes, "closes");
  }

  /** Parses "HH:mm"; fails naming {@code field}. */
  public static LocalTime time(String field, Object raw) {
    if (!(raw instanceof String s) || !s.matches("\\d{2}:\\d{2}")) {
      throw new ShopEdit.InvalidShopException(field, field + " must be a local time HH:mm, such as 09:30");
    }
    try {
      return LocalTime.parse(s);
    } catch (DateTimeParseException e) {
      throw new ShopEdit.InvalidShopException(field, field + " must be a local time HH:mm, such as 09:30");
    }
  }

  /** Whether the shop is open at {@code at} in {@code zone}; the closing minute itself is outside. */
  public boolean isOpen(Instant at, ZoneId zone) {
    LocalTime t = at.atZone(zone).toLocalTime();
    if (opens.equals(closes)) {
      return true;
    }
    if (opens.isBefore(closes)) {
      return !t.isBefore(opens) && t.isBefore(closes);
    }
    return !t.isBefore(opens) || t.isBefore(closes);
  }

  public String opensText() {
    return opens.toString();
  }

  public String closesText() {
    return closes.toString();
  }
}
