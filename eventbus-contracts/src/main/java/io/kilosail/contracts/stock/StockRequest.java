package io.kilosail.contracts.stock;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** What one order wants to hold. */
@DataObject
@JsonGen(publicConverter = false)
public class StockRequest {

  private String orderId;
  private List<StockLine> lines = new ArrayList<>();

  public StockRequest() {
  }

  public StockRequest(JsonObject json) {
    StockRequestConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    StockRequestConverter.toJson(this, json);
    return json;
  }

  public String getOrderId() {
    return orderId;
  }

  public StockRequest setOrderId(String orderId) {
    this.orderId = orderId;
    return this;
  }

  public List<StockLine> getLines() {
    return lines;
  }

  public StockRequest setLines(List<StockLine> lines) {
    this.lines = lines;
    return this;
  }
}
