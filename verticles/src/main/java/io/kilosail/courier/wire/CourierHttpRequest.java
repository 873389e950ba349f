package io.kilosail.courier.wire;

import java.util.Map;

/**
 * A signed request ready to send: always a POST to {@code pathAndQuery} under the platform's configured base URL,
 * with these extra headers (UU names the app in {@code X-App-Id}). The body is sent byte for byte as given, since the
 * signature covers it.
 */
public record CourierHttpRequest(String pathAndQuery, String contentType, String body, Map<String, String> headers) {

  public static final String JSON = "application/json";
  public static final String FORM = "application/x-www-form-urlencoded";

  public CourierHttpRequest {
    headers = headers == null ? Map.of() : Map.copyOf(headers);
  }

  /** A request with no extra header. */
  public CourierHttpRequest(String pathAndQuery, String contentType, String body) {
    this(pathAndQuery, contentType, body, Map.of());
  }
}
