package io.kilosail.intake;

import io.kilosail.intake.InvalidRequestException.Where;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * The intake endpoints' other inputs, checked as {@code openapi/intake.yaml} declares them: the JSON body itself
 * (decoded once), the order id in the path, the platform order key in the query and the cancel request's body.
 * Plain Java; each failure is an {@link InvalidRequestException} naming the field.
 */
public final class IntakeRequests {

  static final int MAX_ORDER_ID = 36;
  static final int MAX_PLATFORM = 32;
  static final int MAX_PLATFORM_ORDER_ID = 64;
  static final int MAX_REASON = 255;
  static final Set<String> CANCEL_FIELDS = Set.of("reason");

  private IntakeRequests() {
  }

  /**
   * The request body as a JSON object, decoded once. A missing body, a body of another media type, one that is not
   * JSON or not an object is an {@link InvalidRequestException} on "(body)".
   */
  public static JsonObject jsonBody(String contentType, Buffer body) {
    if (contentType == null || !isJson(contentType)) {
      throw new InvalidRequestException(Where.BODY, "(body)", "Content-Type must be application/json");
    }
    if (body == null || body.length() == 0) {
      throw new InvalidRequestException(Where.BODY, "(body)", "a JSON object is required");
    }
    Object value;
    try {
      value = Json.CODEC.fromBuffer(body, Object.class);
    } catch (DecodeException | IllegalArgumentException e) {
      throw new InvalidRequestException(Where.BODY, "(body)", "is not valid JSON");
    }
    JsonObject object = JsonChecks.asObject(value);
    if (object == null) {
      throw new InvalidRequestException(Where.BODY, "(body)", "must be a JSON object");
    }
    return object;
  }

  /** {@code id} of {@code /v1/orders/{id}}: 1 to 36 characters. */
  public static String orderId(String id) {
    return parameter(Where.PATH, "id", id, MAX_ORDER_ID);
  }

  /** {@code platform} of {@code GET /v1/orders?platform=&platformOrderId=}: 1 to 32 characters, required. */
  public static String platform(String platform) {
    return parameter(Where.QUERY, "platform", platform, MAX_PLATFORM);
  }

  /** {@code platformOrderId} of {@code GET /v1/orders?platform=&platformOrderId=}: 1 to 64 characters, required. */
  public static String platformOrderId(String platformOrderId) {
    return parameter(Where.QUERY, "platformOrderId", platformOrderId, MAX_PLATFORM_ORDER_ID);
  }

  /** components/schemas/CancelRequest: the reason, 1 to 255 characters; nothing else. */
  public static String cancelReason(JsonObject body) {
    JsonChecks.onlyKnownFields(body, "", CANCEL_FIELDS);
    return JsonChecks.string(body, "", "reason", true, 1, MAX_REASON);
  }

  private static String parameter(Where where, String name, String value, int max) {
    if (value == null) {
      throw new InvalidRequestException(where, name, "is required");
    }
    int length = value.codePointCount(0, value.length());
    if (length < 1) {
      throw new InvalidRequestException(where, name, "must not be empty");
    }
    if (length > max) {
      throw new InvalidRequestException(where, name, "must be at most " + max + " characters");
    }
    return value;
  }

  private static boolean isJson(String contentType) {
    int semicolon = contentType.indexOf(';');
    String mediaType = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    return mediaType.equalsIgnoreCase("application/json");
  }
}
