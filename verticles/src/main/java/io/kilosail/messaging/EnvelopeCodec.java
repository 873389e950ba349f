package io.kilosail.messaging;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one wire form of an {@link Envelope}: a UTF-8 JSON object. The outbox stores it as text, the relay sends that
 * text unchanged as the Kafka record value, consumers and timers read it back here.
 *
 * <pre>{"id":"…","type":"…","aggregateType":"…","aggregateId":"…","headers":{…},"payload":{…},"createdAt":"…Z"}</pre>
 */
public final class EnvelopeCodec {

  private EnvelopeCodec() {
  }

  public static String encode(Envelope envelope) {
    JsonObject headers = new JsonObject();
    envelope.headers().forEach(headers::put);
    return new JsonObject()
        .put("id", envelope.id())
        .put("type", envelope.type())
        .put("aggregateType", envelope.aggregateType())
        .put("aggregateId", envelope.aggregateId())
        .put("headers", headers)
        .put("payload", envelope.payload())
        .put("createdAt", envelope.createdAt().toString())
        .encode();
  }

  public static byte[] encodeToBytes(Envelope envelope) {
    return encode(envelope).getBytes(StandardCharsets.UTF_8);
  }

  /** @throws MalformedEnvelopeException when the text is not an envelope; retrying will not help */
  public static Envelope decode(String text) {
    if (text == null) {
      throw new MalformedEnvelopeException("no envelope (null value)");
    }
    try {
      JsonObject json = new JsonObject(text);
      Map<String, String> headers = new LinkedHashMap<>();
      JsonObject rawHeaders = json.getJsonObject("headers", new JsonObject());
      rawHeaders.forEach(e -> headers.put(e.getKey(), String.valueOf(e.getValue())));
      String createdAt = json.getString("createdAt");
      if (createdAt == null) {
        throw new MalformedEnvelopeException("createdAt is required");
      }
      return new Envelope(json.getString("id"), json.getString("type"), json.getString("aggregateType"),
          json.getString("aggregateId"), headers, json.getJsonObject("payload"), Instant.parse(createdAt));
    } catch (DecodeException | ClassCastException | DateTimeParseException | IllegalArgumentException e) {
      throw new MalformedEnvelopeException("not an envelope: " + e.getMessage(), e);
    }
  }

  public static Envelope decode(byte[] bytes) {
    return decode(bytes == null ? null : new String(bytes, StandardCharsets.UTF_8));
  }

  /** A record that cannot be read as an envelope: dead-lettered at once, since no retry can fix it. */
  public static final class MalformedEnvelopeException extends RuntimeException {
    public MalformedEnvelopeException(String message) {
      super(message);
    }

    public MalformedEnvelopeException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
