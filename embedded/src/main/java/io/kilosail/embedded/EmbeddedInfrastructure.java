package io.kilosail.embedded;

import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.platform.settings.MySqlSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * MariaDB, Kafka and Redis started together (in parallel: MariaDB's first start takes seconds), each under its own
 * folder of {@code dataDir}, and stopped together in reverse order.
 */
public final class EmbeddedInfrastructure implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedInfrastructure.class);

  /** Ports to listen on; 0 means any free port. */
  public record Ports(int mysql, int kafka, int kafkaController, int redis) {
    public static Ports ephemeral() {
      return new Ports(0, 0, 0, 0);
    }
  }

  /** The database and account kilosail uses on the embedded MariaDB. */
  public static final String DATABASE = "kilosail";
  public static final String USER = "kilosail";
  public static final String PASSWORD = "kilosail";

  private final EmbeddedMariaDb mariaDb;
  private final EmbeddedKafka kafka;
  private final EmbeddedRedis redis;

  private EmbeddedInfrastructure(EmbeddedMariaDb mariaDb, EmbeddedKafka kafka, EmbeddedRedis redis) {
    this.mariaDb = mariaDb;
    this.kafka = kafka;
    this.redis = redis;
  }

  public static EmbeddedInfrastructure start(Path dataDir, Ports ports, int kafkaPartitions) {
    long started = System.nanoTime();
    CompletableFuture<EmbeddedMariaDb> mariaDb = CompletableFuture.supplyAsync(
        () -> EmbeddedMariaDb.start(dataDir.resolve("mariadb"), ports.mysql(), DATABASE, USER, PASSWORD));
    CompletableFuture<EmbeddedKafka> kafka = CompletableFuture.supplyAsync(
        () -> EmbeddedKafka.start(dataDir.resolve("kafka"), ports.kafka(), ports.kafkaController(), kafkaPartitions));
    EmbeddedRedis redis = null;
    try {
      redis = EmbeddedRedis.start(dataDir.resolve("redis"), ports.redis());
      EmbeddedInfrastructure infra = new EmbeddedInfrastructure(mariaDb.join(), kafka.join(), redis);
      log.info("embedded infrastructure up in {} ms: {}", (System.nanoTime() - started) / 1_000_000,
          infra.describe());
      return infra;
    } catch (RuntimeException e) {
      // Whatever did start must not outlive the failure.
      closeQuietly(redis);
      mariaDb.thenAccept(EmbeddedInfrastructure::closeQuietly);
      kafka.thenAccept(EmbeddedInfrastructure::closeQuietly);
      throw e instanceof CompletionException && e.getCause() instanceof RuntimeException re ? re : e;
    }
  }

  public InfraSettings settings() {
    MySqlSettings mysql = mariaDb.settings();
    return new InfraSettings(mysql, kafka.bootstrapServers(), redis.url());
  }

  public String describe() {
    return "mysql=" + mariaDb.settings().redactedUrl() + " kafka=" + kafka.bootstrapServers() + " redis=" + redis.url();
  }

  @Override
  public void close() {
    closeQuietly(redis);
    closeQuietly(kafka);
    closeQuietly(mariaDb);
  }

  private static void closeQuietly(AutoCloseable server) {
    if (server == null) {
      return;
    }
    try {
      server.close();
    } catch (Exception e) {
      log.warn("stopping {} failed: {}", server.getClass().getSimpleName(), e.toString());
    }
  }
}
