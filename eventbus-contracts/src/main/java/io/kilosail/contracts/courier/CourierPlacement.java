package io.kilosail.contracts.courier;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

/** A platform took the order: its id for it, and the price it will charge when it says (else null). */
@DataObject
@JsonGen(publicConverter = false)
public class CourierPlacement {

  private String platform;
  private String orderId;
  private String platformOrderId;
  private Long priceFen;

  public CourierPlacement() {
  }

  public CourierPlacement(JsonObject json) {
    CourierPlacementConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    CourierPlacementConverter.toJson(this, json);
    return json;
  }

  public String getPlatform() {
    return platform;
  }

  public CourierPlacement setPlatform(String platform) {
    this.platform = platform;
    return this;
  }

  public String getOrderId() {
    return orderId;
  }

  public CourierPlacement setOrderId(String orderId) {
    this.orderId = orderId;
    return this;
  }

  public String getPlatformOrderId() {
    return platformOrderId;
  }

  public CourierPlacement setPlatformOrderId(String platformOrderId) {
    this.platformOrderId = platformOrderId;
    return this;
  }

  public Long getPriceFen() {
    return priceFen;
  }

  public CourierPlacement setPriceFen(Long priceFen) {
    this.priceFen = priceFen;
    return this;
  }
}
