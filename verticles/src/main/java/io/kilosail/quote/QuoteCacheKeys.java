package io.kilosail.quote;

import io.kilosail.contracts.courier.CourierPlatform;

import java.util.Locale;

/**
 * The Redis route cache's keys and values, as plain functions. A route is the platform, the city, both ends rounded
 * to 3 decimal places (about 100 m, so neighbouring doors share a price) and the weight in started kilograms:
 * {@code kilosail:quote:uu:beijing:39.909,116.461:39.913,116.459:w1}. The value is {@code priceFen:etaSeconds}
 * ({@code -} when the platform gave no ETA). A cached price carries no quote token.
 */
public final class QuoteCacheKeys {

  public static final String PREFIX = "kilosail:quote:";

  private QuoteCacheKeys() {
  }

  /** A cached price: money in fen, {@code etaSeconds} null when the platform gave none. */
  public record Cached(long priceFen, Integer etaSeconds) {
  }

  public static String key(CourierPlatform platform, String normalizedCity, double shopLat, double shopLng,
                           double customerLat, double customerLng, int weightGrams) {
    String city = normalizedCity == null || normalizedCity.isBlank() ? "_" : normalizedCity.replace(':', '_');
    return PREFIX + platform.id() + ":" + city + ":" + coord(shopLat, shopLng) + ":" + coord(customerLat, customerLng)
        + ":w" + weightBucketKg(weightGrams);
  }

  /** Started kilograms: 0–1000 g is 1, 1001–2000 g is 2, … (courier price tables step per kilogram). */
  public static int weightBucketKg(int weightGrams) {
    return Math.max(1, (Math.max(0, weightGrams) + 999) / 1000);
  }

  public static String encode(long priceFen, Integer etaSeconds) {
    return priceFen + ":" + (etaSeconds == null ? "-" : etaSeconds.toString());
  }

  /** The cached value, or null when it cannot be read (treated as a miss). */
  public static Cached decode(String value) {
    if (value == null) {
      return null;
    }
    int colon = value.indexOf(':');
    if (colon < 0) {
      return null;
    }
    try {
      long price = Long.parseLong(value.substring(0, colon));
      String eta = value.substring(colon + 1);
      return new Cached(price, eta.equals("-") ? null : Integer.valueOf(eta));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String coord(double lat, double lng) {
    return String.format(Locale.ROOT, "%.3f,%.3f", lat, lng);
  }
}
