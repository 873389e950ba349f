package io.kilosail.saga;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.jackson.DatabindCodec;

/**
 * A saga's typed data to and from the JSON text of its row, straight through Vert.x's own Jackson mapper (the one
 * {@code JsonObject.mapTo/mapFrom} use, so the text is the same). {@code new JsonObject(text).mapTo(type)} and
 * {@code JsonObject.mapFrom(data).encode()} convert through a map and a token buffer on top: on a loaded node that
 * was about 6 % of its CPU, paid at every checkpoint and every wake-up of every saga.
 */
final class SagaDataCodec {

  private SagaDataCodec() {
  }

  static String encode(Object data) {
    try {
      return DatabindCodec.mapper().writeValueAsString(data);
    } catch (JsonProcessingException e) {
      throw new EncodeException("saga data " + data.getClass().getSimpleName() + " is not JSON: " + e.getMessage());
    }
  }

  static <D> D decode(String json, Class<D> type) {
    try {
      return DatabindCodec.mapper().readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new DecodeException("saga data does not fit " + type.getSimpleName() + ": " + e.getOriginalMessage());
    }
  }
}
