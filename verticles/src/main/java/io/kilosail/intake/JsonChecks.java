package io.kilosail.intake;

import io.kilosail.intake.InvalidRequestException.Where;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;

/**
 * The JSON Schema keywords {@code openapi/intake.yaml} uses, as plain checks on a decoded body, with the semantics of
 * the vertx-json-schema validator they replace: string lengths count code points; an integer is a whole number
 * (850 or 850.0, not 8.5); bounds are inclusive; an optional field may be absent but not null. Each failure names its
 * field by its dotted path. Plain Java, nothing compiled per request.
 */
final class JsonChecks {

  private JsonChecks() {
  }

  static String path(String parent, String name) {
    return parent.isEmpty() ? name : parent + "." + name;
  }

  static InvalidRequestException invalid(String parent, String name, String message) {
    return new InvalidRequestException(Where.BODY, path(parent, name), message);
  }

  /** A required object member. */
  static JsonObject object(JsonObject json, String parent, String name) {
    JsonObject object = asObject(present(json, parent, name));
    if (object == null) {
      throw invalid(parent, name, "must be an object");
    }
    return object;
  }

  /** A decoded JSON value as an object (Jackson decodes nested objects as maps); null when it is not one. */
  static JsonObject asObject(Object value) {
    if (value instanceof JsonObject object) {
      return object;
    }
    if (value instanceof Map<?, ?> map) {
      @SuppressWarnings("unchecked")
      Map<String, Object> members = (Map<String, Object>) map;
      return new JsonObject(members);
    }
    return null;
  }

  /** additionalProperties: false. */
  static void onlyKnownFields(JsonObject json, String parent, Set<String> known) {
    for (String name : json.fieldNames()) {
      if (!known.contains(name)) {
        throw invalid(parent, name, "is not a field of this object (known: " + String.join(", ", known) + ")");
      }
    }
  }

  /** A string of {@code min}..{@code max} code points; null when optional and absent. */
  static String string(JsonObject json, String parent, String name, boolean required, int min, int max) {
    Object value = required ? present(json, parent, name) : optional(json, parent, name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw invalid(parent, name, "must be a string");
    }
    // Code points, as JSON Schema counts characters; the UTF-16 length is an upper bound, a quick accept.
    int length = text.length();
    if (length > max || length < 2 * min) {
      length = text.codePointCount(0, length);
    }
    if (length < min) {
      throw invalid(parent, name, min == 1 ? "must not be empty" : "must be at least " + min + " characters");
    }
    if (length > max) {
      throw invalid(parent, name, "must be at most " + max + " characters");
    }
    return text;
  }

  /** A whole number within [min, max]; null when optional and absent. */
  static Long integer(JsonObject json, String parent, String name, boolean required, long min, long max) {
    Object value = required ? present(json, parent, name) : optional(json, parent, name);
    if (value == null) {
      return null;
    }
    long whole;
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      whole = ((Number) value).longValue();
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (d % 1 != 0 || Double.isInfinite(d)) {
        throw invalid(parent, name, "must be an integer");
      }
      checkRange(parent, name, d, min, max);
      whole = (long) d;
    } else if (value instanceof BigInteger big) {
      checkRange(parent, name, big.doubleValue(), min, max);
      whole = big.longValueExact();
    } else if (value instanceof BigDecimal decimal) {
      if (decimal.signum() != 0 && decimal.stripTrailingZeros().scale() > 0) {
        throw invalid(parent, name, "must be an integer");
      }
      checkRange(parent, name, decimal.doubleValue(), min, max);
      whole = decimal.longValueExact();
    } else {
      throw invalid(parent, name, "must be an integer");
    }
    checkRange(parent, name, whole, min, max);
    return whole;
  }

  /** A number within [min, max], kept as its decimal text says (31.2304 stays 31.2304). */
  static BigDecimal number(JsonObject json, String parent, String name, double min, double max) {
    Object value = present(json, parent, name);
    if (!(value instanceof Number number)) {
      throw invalid(parent, name, "must be a number");
    }
    double d = number.doubleValue();
    if (!(d >= min && d <= max)) {
      throw invalid(parent, name, "must be between " + plain(min) + " and " + plain(max));
    }
    return value instanceof BigDecimal decimal ? decimal : new BigDecimal(String.valueOf(value));
  }

  /**
   * components/schemas/Utc: an ISO-8601 instant in UTC, {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z} (the yaml's pattern),
   * that is a real date and time. Read by position: {@code Instant.parse} was the largest cost of a push's checks.
   */
  static Instant utc(JsonObject json, String parent, String name) {
    String text = string(json, parent, name, true, 0, Integer.MAX_VALUE);
    int length = text.length();
    boolean layout = length >= 20 && length <= 30 && length != 21
        && digits(text, 0, 4) && text.charAt(4) == '-' && digits(text, 5, 7) && text.charAt(7) == '-'
        && digits(text, 8, 10) && text.charAt(10) == 'T' && digits(text, 11, 13) && text.charAt(13) == ':'
        && digits(text, 14, 16) && text.charAt(16) == ':' && digits(text, 17, 19) && text.charAt(length - 1) == 'Z'
        && (length == 20 || text.charAt(19) == '.' && digits(text, 20, length - 1));
    if (!layout) {
      throw invalid(parent, name, "must be a UTC date-time like 2025-06-01T04:00:00Z");
    }
    int hour = number(text, 11, 13);
    int minute = number(text, 14, 16);
    int second = number(text, 17, 19);
    // java.time would read 24:00:00 as the next midnight and 23:59:60 as a leap second; the contract's date-time
    // (RFC 3339 as the schema validator checks it) takes neither.
    if (hour > 23 || minute > 59 || second > 59) {
      throw invalid(parent, name, "is not a valid date-time");
    }
    LocalDate date;
    try {
      date = LocalDate.of(number(text, 0, 4), number(text, 5, 7), number(text, 8, 10));
    } catch (DateTimeException e) {
      throw invalid(parent, name, "is not a valid date-time");
    }
    int nanos = 0;
    if (length > 20) {
      nanos = number(text, 20, length - 1);
      for (int digits = length - 21; digits < 9; digits++) {
        nanos *= 10;
      }
    }
    return Instant.ofEpochSecond(date.toEpochDay() * 86_400 + hour * 3_600 + minute * 60 + second, nanos);
  }

  private static boolean digits(String text, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static int number(String text, int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      value = value * 10 + text.charAt(i) - '0';
    }
    return value;
  }

  private static Object present(JsonObject json, String parent, String name) {
    Object value = json.getValue(name);
    if (value == null) {
      throw invalid(parent, name, json.containsKey(name) ? "must not be null" : "is required");
    }
    return value;
  }

  private static Object optional(JsonObject json, String parent, String name) {
    Object value = json.getValue(name);
    if (value == null && json.containsKey(name)) {
      throw invalid(parent, name, "must not be null (leave it out instead)");
    }
    return value;
  }

  private static void checkRange(String parent, String name, double value, long min, long max) {
    if (!(value >= min && value <= max)) {
      throw invalid(parent, name, "must be between " + min + " and " + max);
    }
  }

  private static String plain(double bound) {
    return bound == Math.rint(bound) ? String.valueOf((long) bound) : String.valueOf(bound);
  }
}
