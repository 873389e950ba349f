package io.kilosail.contracts.saga;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A saga as operators see it: its state, data and the timeline of every step attempt. Instants are ISO-8601 UTC.
 * {@code timeline} entries: step, phase (ACTION or COMPENSATION), attempt, outcome, error, startedAt, durationMs.
 */
@DataObject
@JsonGen(publicConverter = false)
public class SagaView {

  private String id;
  private String sagaType;
  private String businessKey;
  private String state;
  private String awaitingEvent;
  private String lastError;
  private JsonObject data;
  private JsonArray timeline = new JsonArray();
  private String createdAt;
  private String updatedAt;

  public SagaView() {
  }

  public SagaView(JsonObject json) {
    SagaViewConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    SagaViewConverter.toJson(this, json);
    return json;
  }

  public String getId() {
    return id;
  }

  public SagaView setId(String id) {
    this.id = id;
    return this;
  }

  public String getSagaType() {
    return sagaType;
  }

  public SagaView setSagaType(String sagaType) {
    this.sagaType = sagaType;
    return this;
  }

  public String getBusinessKey() {
    return businessKey;
  }

  public SagaView setBusinessKey(String businessKey) {
    this.businessKey = businessKey;
    return this;
  }

  public String getState() {
    return state;
  }

  public SagaView setState(String state) {
    this.state = state;
    return this;
  }

  public String getAwaitingEvent() {
    return awaitingEvent;
  }

  public SagaView setAwaitingEvent(String awaitingEvent) {
    this.awaitingEvent = awaitingEvent;
    return this;
  }

  public String getLastError() {
    return lastError;
  }

  public SagaView setLastError(String lastError) {
    this.lastError = lastError;
    return this;
  }

  public JsonObject getData() {
    return data;
  }

  public SagaView setData(JsonObject data) {
    this.data = data;
    return this;
  }

  public JsonArray getTimeline() {
    return timeline;
  }

  public SagaView setTimeline(JsonArray timeline) {
    this.timeline = timeline;
    return this;
  }

  public String getCreatedAt() {
    return createdAt;
  }

  public SagaView setCreatedAt(String createdAt) {
    this.createdAt = createdAt;
    return this;
  }

  public String getUpdatedAt() {
    return updatedAt;
  }

  public SagaView setUpdatedAt(String updatedAt) {
    this.updatedAt = updatedAt;
    return this;
  }
}
