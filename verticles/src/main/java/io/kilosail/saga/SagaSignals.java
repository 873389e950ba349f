package io.kilosail.saga;

import io.kilosail.messaging.Envelope;
import io.vertx.core.json.JsonObject;

/**
 * External facts for waiting sagas, as messages: whoever learns a fact (a webhook verticle, another service) puts
 * {@link #envelope} into the outbox for {@link #TOPIC} in the transaction that records the fact; the coordinator
 * consumes the topic idempotently and {@code signal}s the saga. Keyed by business key, so one order's facts arrive
 * in order.
 */
public final class SagaSignals {

  public static final String TOPIC = "kilosail.saga-signals";
  public static final String SAGA_TYPE = "sagaType";

  private SagaSignals() {
  }

  /** The fact {@code eventType} for the saga of {@code sagaType} and {@code businessKey}. */
  public static Envelope envelope(String sagaType, String businessKey, String eventType, JsonObject payload) {
    return Envelope.create(eventType, "saga-signal", businessKey, payload).withHeader(SAGA_TYPE, sagaType);
  }
}
