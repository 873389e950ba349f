package io.kilosail.contracts.quote;

import io.kilosail.contracts.courier.DeliveryRequest;
import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

/**
 * What to price: the delivery as the courier platforms see it, the food platform that pushed the order (rules may
 * differ per food platform), the fee the food platform pays for the delivery (the margin rules cap the courier price
 * by it; null: no cap) and the instant the rules' time-of-day windows are judged at (UTC ISO-8601; null means now).
 */
@DataObject
@JsonGen(publicConverter = false)
public class QuoteRequest {

  private String foodPlatform;
  private DeliveryRequest delivery;
  private String at;
  private Long deliveryFeeFen;

  public QuoteRequest() {
  }

  public QuoteRequest(JsonObject json) {
    QuoteRequestConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    QuoteRequestConverter.toJson(this, json);
    return json;
  }

  public String getFoodPlatform() {
    return foodPlatform;
  }

  public QuoteRequest setFoodPlatform(String foodPlatform) {
    this.foodPlatform = foodPlatform;
    return this;
  }

  public DeliveryRequest getDelivery() {
    return delivery;
  }

  public QuoteRequest setDelivery(DeliveryRequest delivery) {
    this.delivery = delivery;
    return this;
  }

  public Long getDeliveryFeeFen() {
    return deliveryFeeFen;
  }

  public QuoteRequest setDeliveryFeeFen(Long deliveryFeeFen) {
    this.deliveryFeeFen = deliveryFeeFen;
    return this;
  }

  public String getAt() {
    return at;
  }

  public QuoteRequest setAt(String at) {
    this.at = at;
    return this;
  }
}
