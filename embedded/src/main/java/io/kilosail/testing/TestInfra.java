package io.kilosail.testing;

import io.kilosail.platform.settings.InfraSettings;
import io.vertx.core.json.JsonObject;

/**
 * What a test gets from {@link KilosailInfraExtension}: where MySQL, Kafka and Redis are (schema already migrated).
 *
 * @param settings the servers, embedded or external
 */
public record TestInfra(InfraSettings settings) {

  /** The {@code mysql}/{@code kafka}/{@code redis} sections of a verticle configuration, as the launcher writes them. */
  public JsonObject config() {
    return settings.toJson();
  }
}
