package io.kilosail.platform.settings;

import io.vertx.core.json.JsonObject;

import java.net.URI;

/**
 * The three servers every kilosail node talks to. Its JSON form is the {@code mysql}, {@code kafka} and {@code redis}
 * sections of a verticle's configuration; the launcher writes it, the test fixture writes it, verticles read it.
 */
public record InfraSettings(MySqlSettings mysql, String kafkaBootstrapServers, String redisUrl) {

  public InfraSettings {
    if (kafkaBootstrapServers == null || kafkaBootstrapServers.isBlank()) {
      throw new SettingException("kafka.bootstrapServers", "missing; expected host:port[,host:port]");
    }
    for (String server : kafkaBootstrapServers.split(",")) {
      if (!server.trim().matches("[^:\\s]+:\\d{1,5}")) {
        throw new SettingException("kafka.bootstrapServers", "'" + server.trim() + "' is not host:port");
      }
    }
    if (redisUrl == null || redisUrl.isBlank()) {
      throw new SettingException("redis.url", "missing; expected redis://host:port");
    }
    URI uri = URI.create(redisUrl);
    if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new SettingException("redis.url", "expected redis://host:port, got '" + redisUrl + "'");
    }
  }

  public static InfraSettings fromJson(JsonObject config) {
    JsonObject mysql = config.getJsonObject("mysql", new JsonObject());
    JsonObject kafka = config.getJsonObject("kafka", new JsonObject());
    JsonObject redis = config.getJsonObject("redis", new JsonObject());
    int poolSize;
    try {
      poolSize = Integer.parseInt(String.valueOf(mysql.getValue("poolSize", MySqlSettings.DEFAULT_POOL_SIZE)));
    } catch (NumberFormatException e) {
      throw new SettingException("mysql.poolSize", "must be an integer, got '" + mysql.getValue("poolSize") + "'");
    }
    return new InfraSettings(
        MySqlSettings.fromUrl(mysql.getString("url"), poolSize),
        kafka.getString("bootstrapServers"),
        redis.getString("url"));
  }

  public InfraSettings withMysqlPoolSize(int size) {
    return new InfraSettings(mysql.withPoolSize(size), kafkaBootstrapServers, redisUrl);
  }

  /** The sections to merge into a verticle's configuration. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("mysql", new JsonObject().put("url", mysql.url()).put("poolSize", mysql.poolSize()))
        .put("kafka", new JsonObject().put("bootstrapServers", kafkaBootstrapServers))
        .put("redis", new JsonObject().put("url", redisUrl));
  }
}
