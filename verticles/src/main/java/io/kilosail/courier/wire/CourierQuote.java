package io.kilosail.courier.wire;

/**
 * A platform's price for a delivery.
 *
 * @param etaSeconds  the platform's estimate of the delivery time, null when it gave none
 * @param quoteToken  what placing the order must quote back (UU's price token, Shansong's order number); null when
 *                    the platform needs none
 */
public record CourierQuote(long priceFen, Integer etaSeconds, String quoteToken) {
}
