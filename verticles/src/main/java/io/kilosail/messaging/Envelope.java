package io.kilosail.messaging;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One message as it travels through the outbox, Kafka, the inbox and timers. The payload is the domain's JSON; the
 * headers carry what links messages together (correlation, causation, saga, trace context). {@link EnvelopeCodec} is
 * the one place that turns it into bytes and back.
 *
 * @param id            time-ordered unique id ({@link MessageIds}); consumers de-duplicate on it
 * @param type          what happened or what is asked, e.g. {@code order.accepted}
 * @param aggregateType the kind of thing it is about, e.g. {@code order}
 * @param aggregateId   which one; also the Kafka key, so one aggregate's messages stay in order
 * @param createdAt     when the message was created (UTC)
 */
public record Envelope(String id, String type, String aggregateType, String aggregateId, Map<String, String> headers,
                       JsonObject payload, Instant createdAt) {

  public static final String CORRELATION_ID = "correlationId";
  public static final String CAUSATION_ID = "causationId";
  public static final String SAGA_ID = "sagaId";
  /** W3C trace context, as the tracer writes it. */
  public static final String TRACEPARENT = "traceparent";

  public Envelope {
    requireText(id, "id");
    requireText(type, "type");
    requireText(aggregateType, "aggregateType");
    requireText(aggregateId, "aggregateId");
    if (aggregateId.length() > 191) {
      throw new IllegalArgumentException("aggregateId longer than 191 characters: " + aggregateId.length());
    }
    headers = Map.copyOf(headers == null ? Map.of() : headers);
    payload = payload == null ? new JsonObject() : payload;
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** A new message with a fresh id, created now; its correlation id is its own id until {@link #causedBy} says otherwise. */
  public static Envelope create(String type, String aggregateType, String aggregateId, JsonObject payload) {
    String id = MessageIds.next();
    return new Envelope(id, type, aggregateType, aggregateId, Map.of(CORRELATION_ID, id), payload,
        Instant.ofEpochMilli(MessageIds.millisOf(id)));
  }

  /** This message as a consequence of {@code cause}: same correlation and saga, causation = the cause's id. */
  public Envelope causedBy(Envelope cause) {
    Map<String, String> linked = new LinkedHashMap<>(headers);
    linked.put(CAUSATION_ID, cause.id());
    linked.put(CORRELATION_ID, cause.header(CORRELATION_ID) != null ? cause.header(CORRELATION_ID) : cause.id());
    if (cause.header(SAGA_ID) != null) {
      linked.put(SAGA_ID, cause.header(SAGA_ID));
    }
    return new Envelope(id, type, aggregateType, aggregateId, linked, payload, createdAt);
  }

  public Envelope withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Envelope(id, type, aggregateType, aggregateId, more, payload, createdAt);
  }

  public Envelope withSagaId(String sagaId) {
    return withHeader(SAGA_ID, sagaId);
  }

  public String header(String name) {
    return headers.get(name);
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is required");
    }
  }
}
