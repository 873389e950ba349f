package io.kilosail.contracts.dispatch;

import io.kilosail.contracts.saga.SagaStep;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Finds a courier for an order: offers it to the quoted courier platforms by the strategy the dispatch rules pick
 * (SEQUENTIAL, SIMULTANEOUS, CHEAPEST, FASTEST), each offer with an acceptance timeout, and goes on with the next
 * candidate when one gives up, finds no rider or does not accept in time. At most one courier holds an order.
 *
 * <p>A saga participant: both operations take the {@link SagaStep} and go through the saga barrier, so a repeated
 * call is a no-op. The outcome arrives later as saga signals for the {@code delivery} saga:
 * {@code delivery.courier-assigned}, {@code delivery.no-courier}, {@code delivery.delivered}.
 *
 * <p>Failures cross the bus as {@code ServiceException} with one of the codes below (4xxx means HTTP status xxx).
 */
@ProxyGen
@VertxGen
public interface DispatchService {

  String ADDRESS = "kilosail.dispatch";

  /** The request is unusable (no order id, no delivery…). */
  int INVALID_REQUEST = 4400;
  /** There is nobody to offer the order to (no offers). */
  int NO_CANDIDATE = 4422;

  static DispatchService createProxy(Vertx vertx, String address) {
    return new DispatchServiceVertxEBProxy(vertx, address);
  }

  /** Starts dispatching: records the candidates in the strategy's order and offers the order to the first (or all). */
  Future<DispatchPlan> dispatch(SagaStep step, DispatchRequest request);

  /** Calls the dispatch off: every placement, the holder's included, is cancelled at its platform. */
  Future<Void> withdraw(SagaStep step, String orderId, String reason);
}
