package io.kilosail.courier.wire;

/** A platform's message could not be read (not JSON, a required field missing): a bug or a format change, not a refusal. */
public class CourierWireException extends RuntimeException {

  public CourierWireException(String message) {
    super(message);
  }

  public CourierWireException(String message, Throwable cause) {
    super(message, cause);
  }
}
