package io.kilosail.simulators.stripe;

import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A form-encoded Stripe request body in Stripe's bracket notation ({@code metadata[order]=o-1},
 * {@code line_items[0][price_data][unit_amount]=1200}), read from the raw body so it does not depend on the
 * Content-Type's exact spelling. Values are the first given for a name (Stripe's clients never repeat one).
 */
final class StripeSimForm {

  /** Stripe's own ceiling is far below this; it only keeps a hostile body from costing much. */
  private static final int MAX_PARAMS = 4096;

  private final Map<String, String> params;

  private StripeSimForm(Map<String, String> params) {
    this.params = params;
  }

  static StripeSimForm parse(String rawBody) {
    Map<String, String> params = new LinkedHashMap<>();
    if (rawBody != null && !rawBody.isBlank()) {
      QueryStringDecoder decoder = new QueryStringDecoder(rawBody, StandardCharsets.UTF_8, false, MAX_PARAMS);
      decoder.parameters().forEach((name, values) -> params.put(name, values.isEmpty() ? "" : values.get(0)));
    }
    return new StripeSimForm(Collections.unmodifiableMap(params));
  }

  /**
   * The parameters in a canonical order, for comparing a reused Idempotency-Key's request with the first one:
   * the same parameters sent in another order are the same request.
   */
  String canonical() {
    StringBuilder text = new StringBuilder();
    new TreeMap<>(params).forEach((name, value) -> text.append(name).append('=').append(value).append('&'));
    return text.toString();
  }

  Map<String, String> all() {
    return params;
  }

  /** The value, or null when absent. An empty value counts as absent for optional fields, as at Stripe. */
  String optional(String name) {
    String value = params.get(name);
    return value == null || value.isEmpty() ? null : value;
  }

  String required(String name) {
    String value = optional(name);
    if (value == null) {
      throw StripeSimError.missingParam(name);
    }
    return value;
  }

  /** An integer parameter, or null when absent. */
  Long integer(String name) {
    String value = optional(name);
    if (value == null) {
      return null;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw StripeSimError.invalid("parameter_invalid_integer", name, "Invalid integer: " + value);
    }
  }

  /** The part of each name before its first bracket: {@code metadata} for {@code metadata[order]}. */
  static String topLevel(String name) {
    int bracket = name.indexOf('[');
    return bracket < 0 ? name : name.substring(0, bracket);
  }

  /**
   * The entries of a hash parameter: {@code {order: o-1}} for {@code metadata[order]=o-1} under {@code prefix}
   * "metadata". A nested name under it ({@code metadata[a][b]}) is refused: Stripe metadata is flat.
   */
  Map<String, String> hash(String prefix) {
    Map<String, String> entries = new LinkedHashMap<>();
    String start = prefix + "[";
    params.forEach((name, value) -> {
      if (name.startsWith(start)) {
        List<String> path = path(name.substring(prefix.length()), name);
        if (path.size() != 1) {
          throw StripeSimError.invalid(null, name, "Invalid hash: " + prefix + " holds plain"
              + " string values only");
        }
        entries.put(path.get(0), value);
      } else if (name.equals(prefix) && !value.isEmpty()) {
        throw StripeSimError.invalid(null, name, "Invalid hash");
      }
    });
    return entries;
  }

  /**
   * The items of an array of hashes, by index: for {@code line_items[0][quantity]=2}, item 0 holds
   * {@code quantity -> 2}, with the rest of each name kept in brackets ({@code [price_data][currency]}).
   */
  TreeMap<Integer, Map<String, String>> items(String prefix) {
    TreeMap<Integer, Map<String, String>> items = new TreeMap<>();
    String start = prefix + "[";
    params.forEach((name, value) -> {
      if (!name.startsWith(start)) {
        return;
      }
      int close = name.indexOf(']', start.length());
      int index;
      try {
        index = close < 0 ? -1 : Integer.parseInt(name.substring(start.length(), close));
      } catch (NumberFormatException e) {
        index = -1;
      }
      if (index < 0) {
        throw StripeSimError.invalid(null, name, "Invalid array: " + prefix
            + " must be indexed like " + prefix + "[0][...]");
      }
      items.computeIfAbsent(index, i -> new LinkedHashMap<>()).put(name.substring(close + 1), value);
    });
    return items;
  }

  /** The bracketed segments of {@code rest} ("[a][b]" gives [a, b]); {@code name} is for the error message. */
  private static List<String> path(String rest, String name) {
    List<String> segments = new ArrayList<>();
    int at = 0;
    while (at < rest.length()) {
      int close = rest.indexOf(']', at);
      if (rest.charAt(at) != '[' || close < 0) {
        throw StripeSimError.invalid(null, name, "Invalid parameter name: " + name);
      }
      segments.add(rest.substring(at + 1, close));
      at = close + 1;
    }
    return segments;
  }
}
