package io.kilosail.simulators.stripe;

import io.vertx.core.json.JsonObject;

/**
 * A Stripe API error, answered as Stripe answers it: {@code {"error":{"type","code","message","param"}}} with the
 * HTTP status Stripe uses for it. Thrown by request handling and turned into the answer in one place.
 */
final class StripeSimError extends RuntimeException {

  final int status;
  final String type;
  final String code;
  final String param;

  private StripeSimError(int status, String type, String code, String param, String message) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
  }

  /** 400 invalid_request_error; {@code code} may be null (Stripe leaves it out for plain range errors). */
  static StripeSimError invalid(String code, String param, String message) {
    return new StripeSimError(400, "invalid_request_error", code, param, message);
  }

  static StripeSimError missingParam(String param) {
    return invalid("parameter_missing", param, "Missing required param: " + param + ".");
  }

  static StripeSimError unknownParam(String param) {
    return invalid("parameter_unknown", param, "Received unknown parameter: " + param);
  }

  static StripeSimError notFound(String param, String message) {
    return new StripeSimError(404, "invalid_request_error", "resource_missing", param, message);
  }

  static StripeSimError of(int status, String type, String code, String param, String message) {
    return new StripeSimError(status, type, code, param, message);
  }

  JsonObject toJson() {
    JsonObject error = new JsonObject().put("type", type);
    if (code != null) {
      error.put("code", code);
    }
    error.put("message", getMessage());
    if (param != null) {
      error.put("param", param);
    }
    return new JsonObject().put("error", error);
  }
}
