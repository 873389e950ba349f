package io.kilosail.infra;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Who this node is, as every verticle sees it in the {@code node} section of its configuration. The launcher writes
 * it; verticles read it.
 *
 * @param metricsRegistry name of the Micrometer registry this node's Vert.x reports to (one per node, so two nodes in
 *                        one JVM, as in tests, do not share meters)
 */
public record NodeConfig(String id, List<String> roles, String startedAt, boolean clustered, String version,
                         String metricsRegistry) {

  public static NodeConfig fromJson(JsonObject config) {
    JsonObject node = config.getJsonObject("node", new JsonObject());
    return new NodeConfig(
        node.getString("id", "local"),
        node.getJsonArray("roles", new JsonArray()).stream().map(String::valueOf).toList(),
        node.getString("startedAt"),
        node.getBoolean("clustered", false),
        node.getString("version", "dev"),
        node.getString("metricsRegistry", "kilosail"));
  }

  public JsonObject toJson() {
    return new JsonObject().put("node", new JsonObject()
        .put("id", id)
        .put("roles", new JsonArray(roles))
        .put("startedAt", startedAt)
        .put("clustered", clustered)
        .put("version", version)
        .put("metricsRegistry", metricsRegistry));
  }
}
