package io.kilosail.contracts.courier;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.serviceproxy.ServiceException;

/**
 * Tells a courier call that certainly did nothing at the platform from one whose outcome is unknown. A create or a
 * cancel whose answer never came may have taken effect, so the caller must find out (a callback, a bound) before it
 * acts as if it had failed: placing the order with a second courier while the first may hold it gives it two.
 */
public final class CourierCallOutcome {

  private CourierCallOutcome() {
  }

  /**
   * True when the call certainly did not take effect: refused by the platform or by the gateway, never sent (circuit
   * open, connection refused, no gateway on the bus) or answered 5xx. Everything else (a timeout of the platform or of
   * the bus reply, a connection lost mid-call, an unreadable answer, a gateway that failed in an unforeseen way) is
   * an unknown outcome.
   */
  public static boolean certainlyFailed(Throwable failure) {
    if (failure instanceof ServiceException e) {
      return switch (e.failureCode()) {
        case CourierGateway.INVALID_REQUEST, CourierGateway.UNKNOWN_PLATFORM, CourierGateway.REJECTED,
             CourierGateway.PLATFORM_DOWN, CourierGateway.CIRCUIT_OPEN -> true;
        default -> false;
      };
    }
    return failure instanceof ReplyException e && e.failureType() == ReplyFailure.NO_HANDLERS;
  }
}
