package io.kilosail.contracts.payment;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

/** One line of what is paid for, as the payment page shows it. */
@DataObject
@JsonGen(publicConverter = false)
public class PaymentLine {

  private String sku;
  private String name;
  private long unitAmountMinor;
  private int quantity;

  public PaymentLine() {
  }

  public PaymentLine(JsonObject json) {
    PaymentLineConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    PaymentLineConverter.toJson(this, json);
    return json;
  }

  public String getSku() {
    return sku;
  }

  public PaymentLine setSku(String sku) {
    this.sku = sku;
    return this;
  }

  public String getName() {
    return name;
  }

  public PaymentLine setName(String name) {
    this.name = name;
    return this;
  }

  public long getUnitAmountMinor() {
    return unitAmountMinor;
  }

  public PaymentLine setUnitAmountMinor(long unitAmountMinor) {
    this.unitAmountMinor = unitAmountMinor;
    return this;
  }

  public int getQuantity() {
    return quantity;
  }

  public PaymentLine setQuantity(int quantity) {
    this.quantity = quantity;
    return this;
  }
}
