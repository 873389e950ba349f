package io.kilosail.simulators.stripe;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One Stripe Event: its JSON is fixed when it happens (a snapshot of the object at that moment, as at Stripe), encoded
 * once, and every delivery attempt sends those same bytes, signed afresh. The attempts are recorded for the control
 * endpoints.
 */
final class StripeSimEvent {

  static final String API_VERSION = "2024-06-20";
  /** Bounds one event's record of attempts (retries times duplicates times resends stays far below this). */
  private static final int MAX_DELIVERIES_RECORDED = 200;

  final String id;
  final String type;
  final long created;
  final String sessionId;
  final byte[] body;
  private final List<JsonObject> deliveries = new ArrayList<>();

  StripeSimEvent(String id, String type, long created, String sessionId, JsonObject object) {
    this.id = id;
    this.type = type;
    this.created = created;
    this.sessionId = sessionId;
    this.body = new JsonObject()
        .put("id", id)
        .put("object", "event")
        .put("api_version", API_VERSION)
        .put("created", created)
        .put("livemode", false)
        .put("pending_webhooks", 1)
        .put("request", new JsonObject().putNull("id").putNull("idempotency_key"))
        .put("type", type)
        .put("data", new JsonObject().put("object", object))
        .toBuffer().getBytes();
  }

  void recordDelivered(long atMillis, int status, int attempt, boolean replay) {
    record(new JsonObject().put("at", Instant.ofEpochMilli(atMillis).toString()).put("status", status)
        .put("attempt", attempt).put("replay", replay));
  }

  void recordFailed(long atMillis, Integer status, String error, int attempt, boolean replay) {
    JsonObject delivery = new JsonObject().put("at", Instant.ofEpochMilli(atMillis).toString());
    if (status != null) {
      delivery.put("status", status);
    }
    record(delivery.put("error", error).put("attempt", attempt).put("replay", replay));
  }

  private void record(JsonObject delivery) {
    if (deliveries.size() < MAX_DELIVERIES_RECORDED) {
      deliveries.add(delivery);
    }
  }

  /** The control view: {@code {"id","type","created","deliveries":[{"at","status"|"error",...}]}}. */
  JsonObject summary() {
    JsonArray list = new JsonArray();
    deliveries.forEach(delivery -> list.add(delivery.copy()));
    return new JsonObject().put("id", id).put("type", type).put("created", created).put("deliveries", list);
  }
}
