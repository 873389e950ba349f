package io.kilosail.contracts.saga;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

/**
 * Which saga step a participant call belongs to. Participants key their barrier on (sagaId, step): a repeated call
 * is a no-op, a compensation that overtakes its action makes the late action a no-op. {@code attempt} is for logs.
 */
@DataObject
@JsonGen(publicConverter = false)
public class SagaStep {

  private String sagaId;
  private String step;
  private int attempt;

  public SagaStep() {
  }

  public SagaStep(String sagaId, String step, int attempt) {
    this.sagaId = sagaId;
    this.step = step;
    this.attempt = attempt;
  }

  public SagaStep(JsonObject json) {
    SagaStepConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    SagaStepConverter.toJson(this, json);
    return json;
  }

  public String getSagaId() {
    return sagaId;
  }

  public SagaStep setSagaId(String sagaId) {
    this.sagaId = sagaId;
    return this;
  }

  public String getStep() {
    return step;
  }

  public SagaStep setStep(String step) {
    this.step = step;
    return this;
  }

  public int getAttempt() {
    return attempt;
  }

  public SagaStep setAttempt(int attempt) {
    this.attempt = attempt;
    return this;
  }

  @Override
  public String toString() {
    return sagaId + "/" + step + "#" + attempt;
  }
}
