package io.kilosail.contracts.stock;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

/** How many of one SKU. */
@DataObject
@JsonGen(publicConverter = false)
public class StockLine {

  private String sku;
  private int quantity;

  public StockLine() {
  }

  public StockLine(String sku, int quantity) {
    this.sku = sku;
    this.quantity = quantity;
  }

  public StockLine(JsonObject json) {
    StockLineConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    StockLineConverter.toJson(this, json);
    return json;
  }

  public String getSku() {
    return sku;
  }

  public StockLine setSku(String sku) {
    this.sku = sku;
    return this;
  }

  public int getQuantity() {
    return quantity;
  }

  public StockLine setQuantity(int quantity) {
    this.quantity = quantity;
    return this;
  }
}
