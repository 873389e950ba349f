package io.kilosail.simulators.courier;

/** A request the simulated platform refuses: the HTTP status and the body in that platform's error format. */
final class SimRefusal extends RuntimeException {

  final int httpStatus;
  final String body;

  SimRefusal(int httpStatus, String body, String reason) {
    super(reason, null, false, false);
    this.httpStatus = httpStatus;
    this.body = body;
  }
}
