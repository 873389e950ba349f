package io.kilosail.launcher;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every setting a node reads, with the three places it can come from, strongest first: a system property
 * {@code -Dkilosail.<path>} (or a command-line flag), an environment variable, then the configuration file(s).
 */
public enum Setting {
  NODE_ID("node.id", "KILOSAIL_NODE_ID", "name of this node in logs and the cluster (default: node-<random>)"),
  NODE_ROLES("node.roles", "KILOSAIL_ROLES", "roles, comma-separated: all, ingress, quote, dispatch, webhooks, saga, relay, admin, stock, payment"),
  HTTP_HOST("http.host", "KILOSAIL_HTTP_HOST", "address of the ingress HTTP server"),
  HTTP_PORT("http.port", "KILOSAIL_HTTP_PORT", "port of the ingress HTTP server (0: any free port)"),
  HTTP_INSTANCES("http.instances", "KILOSAIL_HTTP_INSTANCES", "ingress verticle instances (0: one per core)"),
  INFRA_MODE("infra.mode", "KILOSAIL_INFRA", "embedded (start MariaDB, Kafka, Redis in-process) or external"),
  DATA_DIR("infra.dataDir", "KILOSAIL_DATA_DIR", "where the embedded servers keep their data"),
  EMBEDDED_MYSQL_PORT("infra.embedded.mysqlPort", "KILOSAIL_EMBEDDED_MYSQL_PORT", "embedded MariaDB port"),
  EMBEDDED_KAFKA_PORT("infra.embedded.kafkaPort", "KILOSAIL_EMBEDDED_KAFKA_PORT", "embedded Kafka broker port"),
  EMBEDDED_KAFKA_CONTROLLER_PORT("infra.embedded.kafkaControllerPort", "KILOSAIL_EMBEDDED_KAFKA_CONTROLLER_PORT",
      "embedded Kafka KRaft controller port"),
  EMBEDDED_REDIS_PORT("infra.embedded.redisPort", "KILOSAIL_EMBEDDED_REDIS_PORT", "embedded Redis port"),
  KAFKA_PARTITIONS("infra.embedded.kafkaPartitions", "KILOSAIL_KAFKA_PARTITIONS",
      "partitions of topics the embedded broker creates"),
  MYSQL_URL("mysql.url", "KILOSAIL_MYSQL_URL", "external MySQL/MariaDB: mysql://user:password@host:port/database"),
  MYSQL_POOL_SIZE("mysql.poolSize", "KILOSAIL_MYSQL_POOL_SIZE", "MySQL connections per node"),
  KAFKA_BOOTSTRAP_SERVERS("kafka.bootstrapServers", "KILOSAIL_KAFKA", "external Kafka: host:port[,host:port]"),
  REDIS_URL("redis.url", "KILOSAIL_REDIS", "external Redis: redis://host:port"),
  CLUSTER_ENABLED("cluster.enabled", "KILOSAIL_CLUSTER", "true to join a Hazelcast cluster"),
  CLUSTER_NAME("cluster.name", "KILOSAIL_CLUSTER_NAME", "cluster name; nodes join only their own cluster"),
  CLUSTER_HOST("cluster.host", "KILOSAIL_CLUSTER_HOST", "address Hazelcast and the event bus bind to"),
  CLUSTER_PUBLIC_HOST("cluster.publicHost", "KILOSAIL_CLUSTER_PUBLIC_HOST",
      "address other members use to reach this node (default: cluster.host)"),
  CLUSTER_PORT("cluster.port", "KILOSAIL_CLUSTER_PORT", "Hazelcast port of this node"),
  CLUSTER_MEMBERS("cluster.members", "KILOSAIL_CLUSTER_MEMBERS", "members to join, host:port, comma-separated"),
  SIMULATORS_ENABLED("simulators.enabled", "KILOSAIL_SIMULATORS",
      "start the simulators with the node: auto (with embedded infrastructure only), true or false"),
  SIMULATOR_COURIER_PORT("simulators.courierPort", "KILOSAIL_SIMULATOR_COURIER_PORT",
      "port of the courier simulator (0: any free port)"),
  PUSHBACK_ENABLED("pushback.enabled", "KILOSAIL_PUSHBACK_ENABLED",
      "push order states back to the food platforms (role relay): true needs platforms.<name>.callbackUrl"
          + " (KILOSAIL_PLATFORM_<NAME>_CALLBACK_URL) for each platform unless the simulators run here; false keeps"
          + " the changes unsent on purpose");

  private final String path;
  private final String env;
  private final String description;

  Setting(String path, String env, String description) {
    this.path = path;
    this.env = env;
    this.description = description;
  }

  public String path() {
    return path;
  }

  public String env() {
    return env;
  }

  public String systemProperty() {
    return "kilosail." + path;
  }

  public String description() {
    return description;
  }

  /** How error messages name the setting: its path and where else it can be set. */
  public String label() {
    return path + " (" + env + ")";
  }

  public static Optional<Setting> byPath(String path) {
    return Arrays.stream(values()).filter(s -> s.path.equals(path)).findFirst();
  }
}
