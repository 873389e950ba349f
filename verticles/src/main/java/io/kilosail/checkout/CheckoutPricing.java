package io.kilosail.checkout;

import io.kilosail.checkout.StockRepository.Sku;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Prices a checkout from the catalog: each line at the SKU's current price, all in one currency, plus the delivery
 * fee. Integer minor units throughout, with overflow refused rather than wrapped. Plain Java.
 */
public final class CheckoutPricing {

  /** What the customer asked for. */
  public record Wanted(String sku, int quantity) {
  }

  public record Line(String sku, String name, long unitPriceMinor, int quantity, long amountMinor) {
    JsonObject toJson() {
      return new JsonObject().put("sku", sku).put("name", name).put("unitPriceMinor", unitPriceMinor)
          .put("quantity", quantity).put("amountMinor", amountMinor);
    }
  }

  public record Priced(String currency, List<Line> lines, long goodsMinor, long deliveryFeeMinor, long totalMinor) {
    public JsonArray linesJson() {
      return new JsonArray(lines.stream().map(Line::toJson).toList());
    }
  }

  /** The request cannot be priced; {@code field} names the part of the request that is wrong. */
  public static final class Unpriceable extends RuntimeException {
    private final String type;
    private final String field;

    Unpriceable(String type, String field, String message) {
      super(message);
      this.type = type;
      this.field = field;
    }

    /** A problem type: {@code unknown-sku}, {@code invalid-request}. */
    public String type() {
      return type;
    }

    public String field() {
      return field;
    }
  }

  private final long deliveryFeeMinor;
  private final int maxLines;
  private final int maxQuantity;

  public CheckoutPricing(long deliveryFeeMinor, int maxLines, int maxQuantity) {
    this.deliveryFeeMinor = deliveryFeeMinor;
    this.maxLines = maxLines;
    this.maxQuantity = maxQuantity;
  }

  /** Checks the shape a schema cannot (duplicates, limits) before the catalog is asked. */
  public void check(List<Wanted> wanted) {
    if (wanted.isEmpty()) {
      throw new Unpriceable("invalid-request", "items", "at least one item is needed");
    }
    if (wanted.size() > maxLines) {
      throw new Unpriceable("invalid-request", "items", "at most " + maxLines + " different SKUs per checkout");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < wanted.size(); i++) {
      Wanted w = wanted.get(i);
      if (!seen.add(w.sku())) {
        throw new Unpriceable("invalid-request", "items[" + i + "].sku",
            "SKU " + w.sku() + " appears twice; give one line with the total quantity");
      }
      if (w.quantity() < 1 || w.quantity() > maxQuantity) {
        throw new Unpriceable("invalid-request", "items[" + i + "].quantity",
            "quantity must be between 1 and " + maxQuantity);
      }
    }
  }

  public Priced price(List<Wanted> wanted, Map<String, Sku> catalog) {
    check(wanted);
    String currency = null;
    List<Line> lines = new ArrayList<>();
    long goods = 0;
    for (int i = 0; i < wanted.size(); i++) {
      Wanted w = wanted.get(i);
      Sku sku = catalog.get(w.sku());
      if (sku == null) {
        throw new Unpriceable("unknown-sku", "items[" + i + "].sku", "no SKU " + w.sku() + " in the catalog");
      }
      if (currency == null) {
        currency = sku.currency();
      } else if (!currency.equals(sku.currency())) {
        throw new Unpriceable("invalid-request", "items[" + i + "].sku", "SKU " + w.sku() + " is sold in "
            + sku.currency() + ", the other items in " + currency + "; one checkout pays in one currency");
      }
      try {
        long amount = Math.multiplyExact(sku.priceMinor(), (long) w.quantity());
        goods = Math.addExact(goods, amount);
        lines.add(new Line(sku.sku(), sku.name(), sku.priceMinor(), w.quantity(), amount));
      } catch (ArithmeticException e) {
        throw new Unpriceable("invalid-request", "items[" + i + "].quantity", "the amount is too large");
      }
    }
    try {
      return new Priced(currency, List.copyOf(lines), goods, deliveryFeeMinor, Math.addExact(goods, deliveryFeeMinor));
    } catch (ArithmeticException e) {
      throw new Unpriceable("invalid-request", "items", "the amount is too large");
    }
  }
}
