package io.kilosail.contracts.quote;

import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Prices one delivery with every courier platform the quoting rules allow for it (city, food platform, distance,
 * weight, time of day), all at once, each call bounded by its own timeout and its platform's circuit breaker. Prices
 * are cached by route for a short time, so a burst of orders on one route asks each platform once.
 *
 * <p>One platform failing or being slow never fails a quote while another one answered: it is listed in
 * {@link QuoteSet#getSkipped()} instead. Quoting changes nothing durable, so calling it again is always safe.
 *
 * <p>Failures cross the bus as {@code ServiceException} with one of the codes below (4xxx means HTTP status xxx).
 */
@ProxyGen
@VertxGen
public interface QuoteService {

  String ADDRESS = "kilosail.quote";

  /** The request is unusable (no order id, no places…). */
  int INVALID_REQUEST = 4400;
  /** The rules leave no courier platform for this delivery; asking again will not change that. */
  int NO_ELIGIBLE_COURIER = 4422;
  /**
   * Couriers quoted, but none within the margin the order's fee allows (the quoting rules' {@code margins}); the
   * order goes back to its food platform. Asking again will not change that.
   */
  int NO_COURIER_WITHIN_MARGIN = 4423;
  /** Couriers were eligible but none answered with a price (all down, slow or refusing); worth asking again later. */
  int NO_QUOTE = 4503;

  static QuoteService createProxy(Vertx vertx, String address) {
    return new QuoteServiceVertxEBProxy(vertx, address);
  }

  Future<QuoteSet> quote(QuoteRequest request);
}
