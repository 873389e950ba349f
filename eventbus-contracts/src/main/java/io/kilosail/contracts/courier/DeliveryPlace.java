package io.kilosail.contracts.courier;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

/** One end of a delivery: who, where (the coordinates as the platforms use them), how to call them. */
@DataObject
@JsonGen(publicConverter = false)
public class DeliveryPlace {

  private String name;
  private String phone;
  private String address;
  private double lat;
  private double lng;

  public DeliveryPlace() {
  }

  public DeliveryPlace(JsonObject json) {
    DeliveryPlaceConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    DeliveryPlaceConverter.toJson(this, json);
    return json;
  }

  public String getName() {
    return name;
  }

  public DeliveryPlace setName(String name) {
    this.name = name;
    return this;
  }

  public String getPhone() {
    return phone;
  }

  public DeliveryPlace setPhone(String phone) {
    this.phone = phone;
    return this;
  }

  public String getAddress() {
    return address;
  }

  public DeliveryPlace setAddress(String address) {
    this.address = address;
    return this;
  }

  public double getLat() {
    return lat;
  }

  public DeliveryPlace setLat(double lat) {
    this.lat = lat;
    return this;
  }

  public double getLng() {
    return lng;
  }

  public DeliveryPlace setLng(double lng) {
    this.lng = lng;
    return this;
  }
}
