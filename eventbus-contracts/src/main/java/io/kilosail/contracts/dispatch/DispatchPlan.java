package io.kilosail.contracts.dispatch;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** How an order is being dispatched: the strategy the rules chose and the platforms in the order they are tried. */
@DataObject
@JsonGen(publicConverter = false)
public class DispatchPlan {

  private String orderId;
  private String strategy;
  private List<String> candidates = new ArrayList<>();

  public DispatchPlan() {
  }

  public DispatchPlan(JsonObject json) {
    DispatchPlanConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    DispatchPlanConverter.toJson(this, json);
    return json;
  }

  public String getOrderId() {
    return orderId;
  }

  public DispatchPlan setOrderId(String orderId) {
    this.orderId = orderId;
    return this;
  }

  public String getStrategy() {
    return strategy;
  }

  public DispatchPlan setStrategy(String strategy) {
    this.strategy = strategy;
    return this;
  }

  public List<String> getCandidates() {
    return candidates;
  }

  public DispatchPlan setCandidates(List<String> candidates) {
    this.candidates = candidates;
    return this;
  }
}
