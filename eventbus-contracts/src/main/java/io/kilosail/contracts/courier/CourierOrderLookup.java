package io.kilosail.contracts.courier;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

/**
 * What a platform's order-detail query said about one of our orders. {@code found} false: the platform has no order
 * for it (so a create whose answer never came did not take, and placing it again cannot give it two couriers). When
 * found: its id there, its state in canonical form ({@link CourierState} name, null when the wire cannot map it), the
 * price it charges when it says (else null), and its rider when it says (GCJ-02, else null).
 */
@DataObject
@JsonGen(publicConverter = false)
public class CourierOrderLookup {

  private String platform;
  private String orderId;
  private boolean found;
  private String platformOrderId;
  private String state;
  private String rawStatus;
  private Long priceFen;
  private String courierName;
  private String courierPhone;
  private Double riderLat;
  private Double riderLng;

  public CourierOrderLookup() {
  }

  public CourierOrderLookup(JsonObject json) {
    CourierOrderLookupConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    CourierOrderLookupConverter.toJson(this, json);
    return json;
  }

  public String getPlatform() {
    return platform;
  }

  public CourierOrderLookup setPlatform(String platform) {
    this.platform = platform;
    return this;
  }

  public String getOrderId() {
    return orderId;
  }

  public CourierOrderLookup setOrderId(String orderId) {
    this.orderId = orderId;
    return this;
  }

  public boolean isFound() {
    return found;
  }

  public CourierOrderLookup setFound(boolean found) {
    this.found = found;
    return this;
  }

  public String getPlatformOrderId() {
    return platformOrderId;
  }

  public CourierOrderLookup setPlatformOrderId(String platformOrderId) {
    this.platformOrderId = platformOrderId;
    return this;
  }

  public String getState() {
    return state;
  }

  public CourierOrderLookup setState(String state) {
    this.state = state;
    return this;
  }

  public String getRawStatus() {
    return rawStatus;
  }

  public CourierOrderLookup setRawStatus(String rawStatus) {
    this.rawStatus = rawStatus;
    return this;
  }

  public Long getPriceFen() {
    return priceFen;
  }

  public CourierOrderLookup setPriceFen(Long priceFen) {
    this.priceFen = priceFen;
    return this;
  }

  public String getCourierName() {
    return courierName;
  }

  public CourierOrderLookup setCourierName(String courierName) {
    this.courierName = courierName;
    return this;
  }

  public String getCourierPhone() {
    return courierPhone;
  }

  public CourierOrderLookup setCourierPhone(String courierPhone) {
    this.courierPhone = courierPhone;
    return this;
  }

  public Double getRiderLat() {
    return riderLat;
  }

  public CourierOrderLookup setRiderLat(Double riderLat) {
    this.riderLat = riderLat;
    return this;
  }

  public Double getRiderLng() {
    return riderLng;
  }

  public CourierOrderLookup setRiderLng(Double riderLng) {
    this.riderLng = riderLng;
    return this;
  }
}
