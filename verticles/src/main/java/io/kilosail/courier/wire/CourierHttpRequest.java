package io.kilosail.courier.wire;

/**
 * A signed request ready to send: always a POST to {@code pathAndQuery} under the platform's configured base URL.
 * The body is sent byte for byte as given, since the signature covers it.
 */
public record CourierHttpRequest(String pathAndQuery, String contentType, String body) {

  public static final String JSON = "application/json";
  public static final String FORM = "application/x-www-form-urlencoded";
}
