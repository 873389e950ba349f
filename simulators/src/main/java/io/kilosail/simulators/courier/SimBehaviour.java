package io.kilosail.simulators.courier;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How one simulated platform behaves; set from config and changed at run time through the control endpoints.
 * Every change is validated as a whole before any of it applies, so a bad control request changes nothing.
 */
final class SimBehaviour {

  private enum Kind { NON_NEGATIVE, PROBABILITY, COUNT, FLAG, URL }

  private static final Map<String, Kind> SPEC = new LinkedHashMap<>();
  private static final JsonObject DEFAULTS = new JsonObject();

  private static void field(String name, Kind kind, Object defaultValue) {
    SPEC.put(name, kind);
    DEFAULTS.put(name, defaultValue);
  }

  static {
    field("priceFen", Kind.NON_NEGATIVE, 1000L);
    // Added to the quoted price when an order is taken: the platform charges at placement more than it quoted.
    field("placementSurchargeFen", Kind.NON_NEGATIVE, 0L);
    field("etaSeconds", Kind.NON_NEGATIVE, 1800L);
    field("latencyMs", Kind.NON_NEGATIVE, 0L);
    // A platform slow to answer an order's creation after it has created it: the caller's timeout loses the answer.
    field("createLatencyMs", Kind.NON_NEGATIVE, 0L);
    field("acceptDelayMs", Kind.NON_NEGATIVE, 200L);
    // Riders ignore an order until the merchant's tips on it reach this many fen (加小费 when nobody accepts); 0: off.
    field("acceptOnlyWithTipFen", Kind.NON_NEGATIVE, 0L);
    field("arriveDelayMs", Kind.NON_NEGATIVE, 200L);
    field("pickupDelayMs", Kind.NON_NEGATIVE, 200L);
    field("deliverDelayMs", Kind.NON_NEGATIVE, 200L);
    field("noCourierProbability", Kind.PROBABILITY, 0.0);
    field("giveUpProbability", Kind.PROBABILITY, 0.0);
    field("courierCancelProbability", Kind.PROBABILITY, 0.0);
    // The courier brings the goods back to the merchant instead of delivering (the delivery event says so where the
    // platform reports it: SF's complete callback with receipt_type 2).
    field("returnProbability", Kind.PROBABILITY, 0.0);
    field("cancelPenaltyAcceptedFen", Kind.NON_NEGATIVE, 200L);
    field("cancelPenaltyPickedUpFen", Kind.NON_NEGATIVE, 500L);
    field("duplicateCallbacks", Kind.COUNT, 0L);
    field("outOfOrderCallbacks", Kind.FLAG, false);
    field("callbackRetries", Kind.COUNT, 5L);
    field("callbackRetryDelayMs", Kind.NON_NEGATIVE, 200L);
    field("autoProgress", Kind.FLAG, true);
    field("webhookBaseUrl", Kind.URL, null);
  }

  private final JsonObject values = DEFAULTS.copy();

  /** A behaviour with the defaults overridden by {@code config}; {@link IllegalArgumentException} when it is bad. */
  static SimBehaviour fromConfig(JsonObject config) {
    SimBehaviour behaviour = new SimBehaviour();
    behaviour.apply(config == null ? new JsonObject() : config);
    return behaviour;
  }

  /** Validates every field of {@code changes}, then applies them all. */
  void apply(JsonObject changes) {
    JsonObject validated = new JsonObject();
    for (Map.Entry<String, Object> change : changes) {
      Kind kind = SPEC.get(change.getKey());
      if (kind == null) {
        throw new IllegalArgumentException("unknown behaviour field " + change.getKey() + "; known: " + SPEC.keySet());
      }
      validated.put(change.getKey(), validate(change.getKey(), kind, change.getValue()));
    }
    values.mergeIn(validated);
  }

  private static Object validate(String name, Kind kind, Object value) {
    switch (kind) {
      case NON_NEGATIVE, COUNT -> {
        if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 0) {
          throw new IllegalArgumentException(name + " must be a non-negative integer, got " + value);
        }
        if (kind == Kind.COUNT && n.longValue() > 20) {
          throw new IllegalArgumentException(name + " must be at most 20, got " + value);
        }
        return n.longValue();
      }
      case PROBABILITY -> {
        if (!(value instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() > 1) {
          throw new IllegalArgumentException(name + " must be a number between 0 and 1, got " + value);
        }
        return n.doubleValue();
      }
      case FLAG -> {
        if (!(value instanceof Boolean)) {
          throw new IllegalArgumentException(name + " must be true or false, got " + value);
        }
        return value;
      }
      case URL -> {
        if (value == null) {
          return null;
        }
        try {
          URI uri = URI.create(value.toString());
          if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException(name + " must be an http(s) URL, got " + value);
          }
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(name + " must be an http(s) URL, got " + value);
        }
        return value.toString();
      }
      default -> throw new IllegalStateException("unhandled kind " + kind);
    }
  }

  JsonObject toJson() {
    return values.copy();
  }

  long priceFen() { return values.getLong("priceFen"); }
  long placementSurchargeFen() { return values.getLong("placementSurchargeFen"); }
  int etaSeconds() { return values.getLong("etaSeconds").intValue(); }
  long latencyMs() { return values.getLong("latencyMs"); }

  long createLatencyMs() { return values.getLong("createLatencyMs"); }
  long acceptDelayMs() { return values.getLong("acceptDelayMs"); }
  long acceptOnlyWithTipFen() { return values.getLong("acceptOnlyWithTipFen"); }
  long arriveDelayMs() { return values.getLong("arriveDelayMs"); }
  long pickupDelayMs() { return values.getLong("pickupDelayMs"); }
  long deliverDelayMs() { return values.getLong("deliverDelayMs"); }
  double noCourierProbability() { return values.getDouble("noCourierProbability"); }
  double giveUpProbability() { return values.getDouble("giveUpProbability"); }
  double courierCancelProbability() { return values.getDouble("courierCancelProbability"); }
  double returnProbability() { return values.getDouble("returnProbability"); }
  long cancelPenaltyAcceptedFen() { return values.getLong("cancelPenaltyAcceptedFen"); }
  long cancelPenaltyPickedUpFen() { return values.getLong("cancelPenaltyPickedUpFen"); }
  int duplicateCallbacks() { return values.getLong("duplicateCallbacks").intValue(); }
  boolean outOfOrderCallbacks() { return values.getBoolean("outOfOrderCallbacks"); }
  int callbackRetries() { return values.getLong("callbackRetries").intValue(); }
  long callbackRetryDelayMs() { return values.getLong("callbackRetryDelayMs"); }
  boolean autoProgress() { return values.getBoolean("autoProgress"); }
  String webhookBaseUrl() { return values.getString("webhookBaseUrl"); }
}
