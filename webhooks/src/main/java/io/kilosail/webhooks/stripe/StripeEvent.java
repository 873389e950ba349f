package io.kilosail.webhooks.stripe;

import io.kilosail.payment.PaymentState;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * What a Stripe event says about a payment: the session or payment intent it concerns and the state it puts the
 * payment in ({@code target}); {@code target} is null for an event we record but do not act on (another type, a
 * partial refund).
 *
 * <pre>
 *   checkout.session.completed                  payment_status paid (or no_payment_required) -> PAID, unpaid -> PROCESSING
 *   checkout.session.async_payment_succeeded    -> PAID
 *   checkout.session.async_payment_failed       -> FAILED
 *   checkout.session.expired                    -> EXPIRED
 *   charge.refunded                             refunded in full -> REFUNDED
 * </pre>
 */
public record StripeEvent(String id, String type, Instant created, String sessionId, String paymentIntent,
                          String orderId, PaymentState target, String reason) {

  /** A signed body that is not a Stripe event we can read: answered 400, since resending it cannot help. */
  public static final class Unreadable extends RuntimeException {
    public Unreadable(String message) {
      super(message);
    }
  }

  /**
   * Longest values the payment tables store (V11__payment.sql): a longer one cannot be Stripe's (its ids are far
   * shorter) and is refused as unreadable instead of failing the insert, which would answer 500 and be retried.
   */
  static final int MAX_ID_LENGTH = 255;
  static final int MAX_TYPE_LENGTH = 100;
  static final int MAX_ORDER_ID_LENGTH = 36;
  /** DATETIME's last second, 9999-12-31T23:59:59Z. */
  private static final long MAX_CREATED_SECONDS = 253_402_300_799L;

  public static StripeEvent read(String body) {
    if (body == null || body.isBlank()) {
      throw new Unreadable("the body is empty; a Stripe event is a JSON object");
    }
    Object decoded;
    try {
      decoded = Json.decodeValue(body);
    } catch (RuntimeException e) {
      throw new Unreadable("the body is not valid JSON");
    }
    if (!(decoded instanceof JsonObject event)) {
      throw new Unreadable("the body is not a JSON object");
    }
    String id = text(event, "id");
    String type = text(event, "type");
    if (id == null || type == null || !"event".equals(text(event, "object"))) {
      throw new Unreadable("not a Stripe event: id, type and object \"event\" are required");
    }
    requireLength("id", id, MAX_ID_LENGTH);
    requireLength("type", type, MAX_TYPE_LENGTH);
    if (!(event.getValue("created") instanceof Number created) || created.doubleValue() < 0
        || created.doubleValue() > MAX_CREATED_SECONDS) {
      throw new Unreadable("event " + id + " has no created timestamp (Unix seconds)");
    }
    Instant at = Instant.ofEpochSecond(created.longValue());
    JsonObject object = event.getValue("data") instanceof JsonObject data && data.getValue("object") instanceof
        JsonObject o ? o : null;
    if (object == null) {
      throw new Unreadable("event " + id + " has no data.object");
    }
    if (type.startsWith("checkout.session.")) {
      if (!"checkout.session".equals(text(object, "object"))) {
        throw new Unreadable("event " + id + " of type " + type + " does not carry a checkout.session");
      }
      String session = requireLength("data.object.id", text(object, "id"), MAX_ID_LENGTH);
      String intent = requireLength("data.object.payment_intent", text(object, "payment_intent"), MAX_ID_LENGTH);
      String orderId = requireLength("client_reference_id", orderId(object, "client_reference_id"),
          MAX_ORDER_ID_LENGTH);
      PaymentState target = switch (type) {
        case "checkout.session.completed" -> switch (String.valueOf(text(object, "payment_status"))) {
          case "paid", "no_payment_required" -> PaymentState.PAID;
          default -> PaymentState.PROCESSING;
        };
        case "checkout.session.async_payment_succeeded" -> PaymentState.PAID;
        case "checkout.session.async_payment_failed" -> PaymentState.FAILED;
        case "checkout.session.expired" -> PaymentState.EXPIRED;
        default -> null;
      };
      String reason = switch (type) {
        case "checkout.session.async_payment_failed" -> "the delayed payment failed at Stripe (" + id + ")";
        case "checkout.session.expired" -> "the payment page expired at Stripe (" + id + ")";
        default -> null;
      };
      return new StripeEvent(id, type, at, session, intent, orderId, target, reason);
    }
    if (type.equals("charge.refunded")) {
      if (!"charge".equals(text(object, "object"))) {
        throw new Unreadable("event " + id + " of type charge.refunded does not carry a charge");
      }
      boolean full = Boolean.TRUE.equals(object.getValue("refunded"));
      return new StripeEvent(id, type, at, null,
          requireLength("data.object.payment_intent", text(object, "payment_intent"), MAX_ID_LENGTH),
          requireLength("metadata.order_id", orderId(object, null), MAX_ORDER_ID_LENGTH),
          full ? PaymentState.REFUNDED : null, full ? "refunded at Stripe (" + id + ")" : null);
    }
    return new StripeEvent(id, type, at, null, null, null, null, null);
  }

  /** The order id we put on the object: the session's client_reference_id, or metadata.order_id. */
  private static String orderId(JsonObject object, String field) {
    String direct = field == null ? null : text(object, field);
    if (direct != null) {
      return direct;
    }
    return object.getValue("metadata") instanceof JsonObject metadata ? text(metadata, "order_id") : null;
  }

  private static String requireLength(String field, String value, int max) {
    if (value != null && value.codePointCount(0, value.length()) > max) {
      throw new Unreadable("field '" + field + "' is longer than " + max + " characters");
    }
    return value;
  }

  private static String text(JsonObject json, String field) {
    return json.getValue(field) instanceof String s && !s.isBlank() ? s : null;
  }
}
