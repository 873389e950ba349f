package io.kilosail.contracts.courier;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

/** A platform cancelled the order; {@code penaltyFen} is what it charges for that when it says (else null). */
@DataObject
@JsonGen(publicConverter = false)
public class CourierCancellation {

  private String platform;
  private String orderId;
  private String platformOrderId;
  private Long penaltyFen;

  public CourierCancellation() {
  }

  public CourierCancellation(JsonObject json) {
    CourierCancellationConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    CourierCancellationConverter.toJson(this, json);
    return json;
  }

  public String getPlatform() {
    return platform;
  }

  public CourierCancellation setPlatform(String platform) {
    this.platform = platform;
    return this;
  }

  public String getOrderId() {
    return orderId;
  }

  public CourierCancellation setOrderId(String orderId) {
    this.orderId = orderId;
    return this;
  }

  public String getPlatformOrderId() {
    return platformOrderId;
  }

  public CourierCancellation setPlatformOrderId(String platformOrderId) {
    this.platformOrderId = platformOrderId;
    return this;
  }

  public Long getPenaltyFen() {
    return penaltyFen;
  }

  public CourierCancellation setPenaltyFen(Long penaltyFen) {
    this.penaltyFen = penaltyFen;
    return this;
  }
}
