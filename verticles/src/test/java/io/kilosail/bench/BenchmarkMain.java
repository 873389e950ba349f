package io.kilosail.bench;

import io.kilosail.embedded.EmbeddedInfrastructure;
import io.kilosail.platform.schema.SchemaMigrator;
import io.kilosail.platform.settings.InfraSettings;

import java.nio.file.Files;

/**
 * What every benchmark main does around its measurement: start fresh embedded servers, migrate the schema, run,
 * then exit the JVM (Kafka and Vert.x leave non-daemon threads that exec:java would wait for forever).
 */
public final class BenchmarkMain {

  /** The measurement, given the servers it runs against. */
  @FunctionalInterface
  public interface Benchmark {
    void run(InfraSettings infra) throws Exception;
  }

  private BenchmarkMain() {
  }

  public static void run(String name, int kafkaPartitions, int mysqlPoolSize, Benchmark benchmark) {
    int exitCode = 0;
    try (EmbeddedInfrastructure embedded = EmbeddedInfrastructure.start(
        Files.createTempDirectory("kilosail-" + name + "-"), EmbeddedInfrastructure.Ports.ephemeral(), kafkaPartitions)) {
      InfraSettings infra = embedded.settings().withMysqlPoolSize(mysqlPoolSize);
      SchemaMigrator.migrate(infra.mysql());
      benchmark.run(infra);
    } catch (Exception | Error e) {
      e.printStackTrace();
      exitCode = 1;
    } finally {
      System.out.flush();
    }
    System.exit(exitCode);
  }
}
