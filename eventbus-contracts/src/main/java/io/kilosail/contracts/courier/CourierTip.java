package io.kilosail.contracts.courier;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

/**
 * A platform took a tip (加小费) on an order: {@code tipFen} as asked, under the caller's {@code key};
 * {@code totalTipFen} is what the order's tips come to now when the platform says so (else null).
 */
@DataObject
@JsonGen(publicConverter = false)
public class CourierTip {

  private String platform;
  private String orderId;
  private String platformOrderId;
  private long tipFen;
  private String key;
  private Long totalTipFen;

  public CourierTip() {
  }

  public CourierTip(JsonObject json) {
    CourierTipConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    CourierTipConverter.toJson(this, json);
    return json;
  }

  public String getPlatform() {
    return platform;
  }

  public CourierTip setPlatform(String platform) {
    this.platform = platform;
    return this;
  }

  public String getOrderId() {
    return orderId;
  }

  public CourierTip setOrderId(String orderId) {
    this.orderId = orderId;
    return this;
  }

  public String getPlatformOrderId() {
    return platformOrderId;
  }

  public CourierTip setPlatformOrderId(String platformOrderId) {
    this.platformOrderId = platformOrderId;
    return this;
  }

  public long getTipFen() {
    return tipFen;
  }

  public CourierTip setTipFen(long tipFen) {
    this.tipFen = tipFen;
    return this;
  }

  public String getKey() {
    return key;
  }

  public CourierTip setKey(String key) {
    this.key = key;
    return this;
  }

  public Long getTotalTipFen() {
    return totalTipFen;
  }

  public CourierTip setTotalTipFen(Long totalTipFen) {
    this.totalTipFen = totalTipFen;
    return this;
  }
}
