package io.kilosail.contracts.dispatch;

import io.kilosail.contracts.courier.CourierQuoteResult;
import io.kilosail.contracts.courier.DeliveryRequest;
import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** An order to dispatch: the delivery, who pushed it (rules may differ per food platform) and the quoted offers. */
@DataObject
@JsonGen(publicConverter = false)
public class DispatchRequest {

  private String foodPlatform;
  private DeliveryRequest delivery;
  private List<CourierQuoteResult> offers = new ArrayList<>();

  public DispatchRequest() {
  }

  public DispatchRequest(JsonObject json) {
    DispatchRequestConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    DispatchRequestConverter.toJson(this, json);
    return json;
  }

  public String getFoodPlatform() {
    return foodPlatform;
  }

  public DispatchRequest setFoodPlatform(String foodPlatform) {
    this.foodPlatform = foodPlatform;
    return this;
  }

  public DeliveryRequest getDelivery() {
    return delivery;
  }

  public DispatchRequest setDelivery(DeliveryRequest delivery) {
    this.delivery = delivery;
    return this;
  }

  public List<CourierQuoteResult> getOffers() {
    return offers;
  }

  public DispatchRequest setOffers(List<CourierQuoteResult> offers) {
    this.offers = offers;
    return this;
  }
}
