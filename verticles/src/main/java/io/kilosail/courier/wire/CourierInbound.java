package io.kilosail.courier.wire;

import java.util.Map;

/**
 * A callback as it arrived: its query parameters (SF puts its signature there) and its raw body, untouched, since
 * signatures are computed over the exact bytes the platform sent.
 */
public record CourierInbound(Map<String, String> query, String body) {

  public CourierInbound {
    query = query == null ? Map.of() : Map.copyOf(query);
    body = body == null ? "" : body;
  }

  public static CourierInbound ofBody(String body) {
    return new CourierInbound(Map.of(), body);
  }
}
