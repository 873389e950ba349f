package io.kilosail.contracts.stock;

import io.kilosail.contracts.saga.SagaStep;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The shop's stock (seed 001): a checkout reserves what it buys, its payment commits the reservation (the goods are
 * sold) or its end releases it; a refund after payment puts the goods back on sale. Stock never goes below zero: two
 * buyers of the last item never both get it.
 *
 * <p>A saga participant: the operations take the {@link SagaStep} and go through the saga barrier, so a repeated call
 * is a no-op and a release that overtakes its reservation cancels it. Failures cross the bus as
 * {@code ServiceException} with one of the codes below (4xxx means HTTP status xxx).
 */
@ProxyGen
@VertxGen
public interface StockService {

  String ADDRESS = "kilosail.stock";

  /** The request is unusable (no lines, a quantity below 1, the same SKU twice). */
  int INVALID_REQUEST = 4400;
  /** A SKU of the request does not exist. */
  int UNKNOWN_SKU = 4404;
  /** Not enough of a SKU is available; the message names it. Nothing was reserved. */
  int OUT_OF_STOCK = 4409;

  static StockService createProxy(Vertx vertx, String address) {
    return new StockServiceVertxEBProxy(vertx, address);
  }

  /** Holds every line of the request for the order, or nothing at all. */
  Future<Void> reserve(SagaStep step, StockRequest request);

  /** The order is paid: what it holds is sold. */
  Future<Void> commit(SagaStep step, String orderId);

  /** The order ended: what it holds goes back on sale, reserved (never paid) or sold (refunded). */
  Future<Void> release(SagaStep step, String orderId);
}
