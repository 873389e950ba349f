package io.kilosail.ingress;

import io.vertx.core.json.JsonObject;

/** The {@code http} section: where the ingress HTTP server listens. Port 0 picks a free port (tests). */
public record HttpConfig(String host, int port) {

  public static HttpConfig fromJson(JsonObject config) {
    JsonObject http = config.getJsonObject("http", new JsonObject());
    return new HttpConfig(http.getString("host", "127.0.0.1"), http.getInteger("port", 8080));
  }

  public JsonObject toJson() {
    return new JsonObject().put("http", new JsonObject().put("host", host).put("port", port));
  }
}
