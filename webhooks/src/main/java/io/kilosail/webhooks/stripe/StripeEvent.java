package io.kilosail.webhooks.stripe;

import io.kilosail.payment.PaymentState;
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

  public static StripeEvent read(String body) {
    JsonObject event;
    try {
      event = new JsonObject(body);
    } catch (RuntimeException e) {
      throw new Unreadable("the body is not a JSON object");
    }
    String id = text(event, "id");
    String type = text(event, "type");
    if (id == null || type == null || !"event".equals(event.getString("object"))) {
      throw new Unreadable("not a Stripe event: id, type and object \"event\" are required");
    }
    if (!(event.getValue("created") instanceof Number created)) {
      throw new Unreadable("event " + id + " has no created timestamp");
    }
    Instant at = Instant.ofEpochSecond(created.longValue());
    JsonObject object = event.getValue("data") instanceof JsonObject data && data.getValue("object") instanceof
        JsonObject o ? o : null;
    if (object == null) {
      throw new Unreadable("event " + id + " has no data.object");
    }
    if (type.startsWith("checkout.session.")) {
      if (!"checkout.session".equals(object.getString("object"))) {
        throw new Unreadable("event " + id + " of type " + type + " does not carry a checkout.session");
      }
      String session = text(object, "id");
      String intent = text(object, "payment_intent");
      String orderId = orderId(object, "client_reference_id");
      PaymentState target = switch (type) {
        case "checkout.session.completed" -> switch (String.valueOf(object.getString("payment_status"))) {
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
      if (!"charge".equals(object.getString("object"))) {
        throw new Unreadable("event " + id + " of type charge.refunded does not carry a charge");
      }
      boolean full = Boolean.TRUE.equals(object.getBoolean("refunded"));
      return new StripeEvent(id, type, at, null, text(object, "payment_intent"), orderId(object, null),
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

  private static String text(JsonObject json, String field) {
    return json.getValue(field) instanceof String s && !s.isBlank() ? s : null;
  }
}
