package io.kilosail.courier.wire;

import java.util.Objects;

/**
 * A delivery as kilosail asks a courier platform for it, in canonical units: money in fen, weight in grams.
 *
 * @param orderId      kilosail's order id; every platform echoes it in its callbacks
 * @param cityName     the city as the platforms name it (e.g. "北京市")
 * @param goodsValueFen declared value of the goods
 * @param quoteToken   the token of an earlier quote, needed by UU and Shansong to place the order; null for a quote
 * @param account      the courier platform's account to ask under (a shop's own: UU openId, Shansong shopId, SF
 *                     shop_id, Fengniao store code); null for the wire's default account
 */
public record CourierOrderRequest(
    String orderId,
    String cityName,
    CourierPlace shop,
    CourierPlace customer,
    int weightGrams,
    long goodsValueFen,
    String note,
    String quoteToken,
    String account) {

  public CourierOrderRequest(String orderId, String cityName, CourierPlace shop, CourierPlace customer,
                             int weightGrams, long goodsValueFen, String note, String quoteToken) {
    this(orderId, cityName, shop, customer, weightGrams, goodsValueFen, note, quoteToken, null);
  }

  public CourierOrderRequest {
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(shop, "shop");
    Objects.requireNonNull(customer, "customer");
    if (weightGrams < 0 || goodsValueFen < 0) {
      throw new IllegalArgumentException("weightGrams and goodsValueFen must not be negative");
    }
  }

  public CourierOrderRequest withQuoteToken(String token) {
    return new CourierOrderRequest(orderId, cityName, shop, customer, weightGrams, goodsValueFen, note, token, account);
  }

  /** The account to send, {@code fallback} (the wire's default) when the order names none. */
  public String accountOr(String fallback) {
    return CourierWire.accountOr(account, fallback);
  }
}
