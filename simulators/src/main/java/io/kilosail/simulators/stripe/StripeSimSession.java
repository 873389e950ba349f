package io.kilosail.simulators.stripe;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * One Checkout Session in mode {@code payment}, with the PaymentIntent, Charge and Refunds that paying and refunding it
 * make. The simulator keeps them together because every one of them belongs to exactly one session here. Amounts are
 * integer minor units of {@link #currency}. Touched only on the simulator's event loop.
 */
final class StripeSimSession {

  /** Bounds one session's list of event ids; a real session sees a handful (created, paid, refunded...). */
  static final int MAX_EVENTS_PER_SESSION = 100;

  record Line(String name, long unitAmount, long quantity) {
    long amount() {
      return Math.multiplyExact(unitAmount, quantity);
    }
  }

  final String id;
  final long created;
  final long expiresAt;
  final String currency;
  final List<Line> lines;
  final long amountTotal;
  final String clientReferenceId;
  final String customerEmail;
  final String successUrl;
  final String cancelUrl;
  final JsonObject metadata;
  /** {@code payment_intent_data[metadata]}: Stripe copies it onto the PaymentIntent and its Charge. */
  final JsonObject paymentIntentMetadata;
  /** The hosted payment page, {@code <base>/stripe/pay/<id>}. */
  final String payUrl;

  /** open, complete or expired. */
  String status = "open";
  /** unpaid or paid (Stripe's no_payment_required does not arise in mode payment with an amount). */
  String paymentStatus = "unpaid";
  String paymentIntentId;
  /** Set once money really moved: at once for a card, after the delay for a delayed method that succeeds. */
  String chargeId;
  long chargeCreated;
  long amountRefunded;
  final List<JsonObject> refunds = new ArrayList<>();
  final List<String> eventIds = new ArrayList<>();

  StripeSimSession(String id, long created, long expiresAt, String currency, List<Line> lines,
                   String clientReferenceId, String customerEmail, String successUrl, String cancelUrl,
                   JsonObject metadata, JsonObject paymentIntentMetadata, String payUrl) {
    this.id = id;
    this.created = created;
    this.expiresAt = expiresAt;
    this.currency = currency;
    this.lines = List.copyOf(lines);
    this.amountTotal = lines.stream().mapToLong(Line::amount).reduce(0, Math::addExact);
    this.clientReferenceId = clientReferenceId;
    this.customerEmail = customerEmail;
    this.successUrl = successUrl;
    this.cancelUrl = cancelUrl;
    this.metadata = metadata;
    this.paymentIntentMetadata = paymentIntentMetadata;
    this.payUrl = payUrl;
  }

  boolean isOpen() {
    return "open".equals(status);
  }

  long refundable() {
    return chargeId == null ? 0 : amountTotal - amountRefunded;
  }

  void recordEvent(String eventId) {
    if (eventIds.size() < MAX_EVENTS_PER_SESSION) {
      eventIds.add(eventId);
    }
  }

  /** The Checkout Session object as Stripe's API shows it (a fresh copy each call, so events keep a snapshot). */
  JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("object", "checkout.session")
        // Stripe shows the URL only while the session can still be paid.
        .put("url", isOpen() ? payUrl : null)
        .put("status", status)
        .put("payment_status", paymentStatus)
        .put("amount_subtotal", amountTotal)
        .put("amount_total", amountTotal)
        .put("currency", currency)
        .put("client_reference_id", clientReferenceId)
        .put("customer_email", customerEmail)
        // What the customer entered on the page: Stripe fills it once the session completes.
        .put("customer_details", "complete".equals(status) ? new JsonObject().put("email", customerEmail) : null)
        .put("metadata", metadata.copy())
        .put("expires_at", expiresAt)
        .put("created", created)
        .put("payment_intent", paymentIntentId)
        .put("mode", "payment")
        .put("livemode", false)
        .put("success_url", successUrl)
        .put("cancel_url", cancelUrl);
  }

  /** The Charge as Stripe shows it ({@code charge.refunded}'s object); only once {@link #chargeId} is set. */
  JsonObject chargeJson() {
    return new JsonObject()
        .put("id", chargeId)
        .put("object", "charge")
        .put("amount", amountTotal)
        .put("amount_captured", amountTotal)
        .put("amount_refunded", amountRefunded)
        .put("currency", currency)
        .put("payment_intent", paymentIntentId)
        .put("paid", true)
        .put("captured", true)
        .put("refunded", amountRefunded >= amountTotal)
        .put("status", "succeeded")
        .put("created", chargeCreated)
        .put("livemode", false)
        .put("metadata", paymentIntentMetadata.copy());
  }

  JsonArray refundsJson() {
    JsonArray list = new JsonArray();
    refunds.forEach(refund -> list.add(refund.copy()));
    return list;
  }
}
