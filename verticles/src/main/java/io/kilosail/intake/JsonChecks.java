package io.kilosail.intake;

import io.kilosail.intake.InvalidRequestException.Where;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The JSON Schema keywords {@code openapi/intake.yaml} uses, as plain checks on a decoded body, with the semantics of
 * the vertx-json-schema validator they replace: string lengths count code points; an integer is a whole number
 * (850 or 850.0, not 8.5); bounds are inclusive; an optional field may be absent but not null. Each failure names its
 * field by its dotted path. Plain Java, nothing compiled per request.
 */
final class JsonChecks {

  /** components/schemas/Utc: UTC only, so every consumer reads the same instant. */
  static final Pattern UTC = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$");

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
    Object value = present(json, parent, name);
    if (value instanceof JsonObject object) {
      return object;
    }
    if (value instanceof Map<?, ?> map) {
      @SuppressWarnings("unchecked")
      Map<String, Object> members = (Map<String, Object>) map;
      return new JsonObject(members);
    }
    throw invalid(parent, name, "must be an object");
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

  /** components/schemas/Utc: an ISO-8601 instant in UTC ("...Z"). */
  static Instant utc(JsonObject json, String parent, String name) {
    String text = string(json, parent, name, true, 0, Integer.MAX_VALUE);
    if (!UTC.matcher(text).matches()) {
      throw invalid(parent, name, "must be a UTC date-time like 2025-06-01T04:00:00Z");
    }
    // java.time reads 24:00:00 as the next midnight and 23:59:60 as a leap second; the contract's date-time
    // (RFC 3339 as the schema validator checks it) takes neither.
    if (twoDigits(text, 11) > 23 || twoDigits(text, 14) > 59 || twoDigits(text, 17) > 59) {
      throw invalid(parent, name, "is not a valid date-time");
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw invalid(parent, name, "is not a valid date-time");
    }
  }

  private static int twoDigits(String text, int at) {
    return (text.charAt(at) - '0') * 10 + text.charAt(at + 1) - '0';
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
