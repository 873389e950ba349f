package io.kilosail.contracts.ops;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** A node's identity as {@link NodeInfoService} reports it. {@code startedAt} is an ISO-8601 UTC instant. */
@DataObject
@JsonGen(publicConverter = false)
public class NodeInfo {

  private String nodeId;
  private List<String> roles = new ArrayList<>();
  private String startedAt;
  private boolean clustered;

  public NodeInfo() {
  }

  public NodeInfo(JsonObject json) {
    NodeInfoConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    NodeInfoConverter.toJson(this, json);
    return json;
  }

  public String getNodeId() {
    return nodeId;
  }

  public NodeInfo setNodeId(String nodeId) {
    this.nodeId = nodeId;
    return this;
  }

  public List<String> getRoles() {
    return roles;
  }

  public NodeInfo setRoles(List<String> roles) {
    this.roles = roles;
    return this;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public NodeInfo setStartedAt(String startedAt) {
    this.startedAt = startedAt;
    return this;
  }

  public boolean isClustered() {
    return clustered;
  }

  public NodeInfo setClustered(boolean clustered) {
    this.clustered = clustered;
    return this;
  }
}
