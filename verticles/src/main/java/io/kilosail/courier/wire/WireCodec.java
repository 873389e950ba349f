package io.kilosail.courier.wire;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** Digests, constant-time comparison, JSON and form helpers shared by the platform wires. */
final class WireCodec {

  private WireCodec() {
  }

  static String md5Hex(String text) {
    return HexFormat.of().formatHex(digest("MD5", text));
  }

  static String sha256Hex(String text) {
    return HexFormat.of().formatHex(digest("SHA-256", text));
  }

  private static byte[] digest(String algorithm, String text) {
    try {
      return MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JRE has " + algorithm, e);
    }
  }

  /** Compares in time independent of where the strings differ, so a forger learns nothing from our answer time. */
  static boolean constantTimeEquals(String expected, String given) {
    if (given == null) {
      return false;
    }
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }

  static JsonObject parseObject(String text, String what) {
    if (text == null || text.isBlank()) {
      throw new CourierWireException(what + " is empty");
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new CourierWireException(what + " is not a JSON object", e);
    }
  }

  /** A field that must be present; numbers are accepted and turned to text, as platforms are loose about it. */
  static String requireText(JsonObject json, String field, String what) {
    String value = scalar(json.getValue(field), field, what);
    if (value == null || value.isBlank()) {
      throw new CourierWireException(what + " lacks field " + field);
    }
    return value;
  }

  static String optText(JsonObject json, String field) {
    String value = json == null ? null : scalar(json.getValue(field), field, "callback");
    return value == null || value.isBlank() ? null : value;
  }

  /**
   * A field's text: platforms send some ids and codes as numbers, so a number is read as its text; an object or an
   * array (or a boolean) where a value belongs is no value, and reading it as text would store garbage as an order id.
   */
  private static String scalar(Object value, String field, String what) {
    if (value == null || value instanceof String || value instanceof Number) {
      return value == null ? null : value.toString();
    }
    throw new CourierWireException(what + " field " + field + " is not a text or a number");
  }

  static long requireLong(JsonObject json, String field, String what) {
    String text = requireText(json, field, what);
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new CourierWireException(what + " field " + field + " is not an integer: " + text);
    }
  }

  static Long optLong(JsonObject json, String field, String what) {
    return optText(json, field) == null ? null : requireLong(json, field, what);
  }

  static Integer optInt(JsonObject json, String field, String what) {
    Long value = optLong(json, field, what);
    return value == null ? null : Math.toIntExact(value);
  }

  static String formEncode(Map<String, String> fields) {
    StringJoiner joined = new StringJoiner("&");
    fields.forEach((key, value) -> joined.add(URLEncoder.encode(key, StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return joined.toString();
  }

  static Map<String, String> formDecode(String body) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (body == null || body.isEmpty()) {
      return fields;
    }
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        fields.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new CourierWireException("form body has a bad escape in " + key, e);
      }
    }
    return fields;
  }

  /** Whole kilograms, rounded up and at least 1: what platforms that weigh in kg expect. */
  static int kilogramsRoundedUp(int grams) {
    return Math.max(1, (grams + 999) / 1000);
  }
}
