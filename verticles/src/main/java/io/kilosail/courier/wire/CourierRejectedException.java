package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;

/** The platform answered and refused the request; {@code code} is its own error code, as a string. */
public class CourierRejectedException extends RuntimeException {

  private final CourierPlatform platform;
  private final String code;

  public CourierRejectedException(CourierPlatform platform, String code, String message) {
    super(platform.id() + " refused the request: code=" + code + " msg=" + message);
    this.platform = platform;
    this.code = code;
  }

  public CourierPlatform platform() {
    return platform;
  }

  public String code() {
    return code;
  }
}
