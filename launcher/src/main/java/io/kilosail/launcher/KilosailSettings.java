package io.kilosail.launcher;

import io.kilosail.platform.settings.InfraSettings;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.List;

/**
 * A node's validated configuration. Built only by {@link SettingsLoader}, which names the setting at fault when a
 * value is missing or wrong.
 *
 * @param external         the servers to use when {@code infraMode} is EXTERNAL; null for EMBEDDED
 * @param simulators       start the simulators (by default with embedded infrastructure only: a demo and test aid)
 * @param verticleSections the {@code relay}, {@code timers}, {@code retention}, {@code saga}, {@code intake},
 *                         {@code platforms}, {@code webhooks} and {@code couriers} sections, if given
 */
public record KilosailSettings(
    String nodeId,
    List<Role> roles,
    String httpHost,
    int httpPort,
    int httpInstances,
    InfraMode infraMode,
    Path dataDir,
    EmbeddedPorts embeddedPorts,
    int kafkaPartitions,
    int mysqlPoolSize,
    InfraSettings external,
    ClusterSettings cluster,
    JsonObject verticleSections,
    boolean simulators,
    int simulatorCourierPort) {

  /** Configuration sections handed to verticles as they are; each verticle validates its own. */
  public static final List<String> VERTICLE_SECTIONS = List.of("relay", "timers", "retention", "saga", "intake",
      "platforms", "webhooks", "couriers", "quoting", "dispatch", "cancellation", "pushback", "rateLimits",
      "checkout", "payments", "admin", "shops", "balances");

  public enum InfraMode { EMBEDDED, EXTERNAL }

  /**
   * The {@code simulators} section verticles read: where the courier gateway looks for the simulated platforms unless
   * {@code couriers.<id>.baseUrl} says otherwise, and whether they run here (push-back then defaults each platform's
   * callback URL to the food simulator).
   */
  public JsonObject simulatorsSection() {
    return new JsonObject().put("courierPort", simulatorCourierPort).put("enabled", simulators);
  }

  /** Ports of the embedded servers; 0 for any free port. */
  public record EmbeddedPorts(int mysql, int kafka, int kafkaController, int redis) {
  }
}
