package io.kilosail.testing;

import io.kilosail.embedded.EmbeddedInfrastructure;
import io.kilosail.platform.schema.SchemaMigrator;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.platform.settings.MySqlSettings;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * JUnit 5 extension: starts real MariaDB, Kafka and Redis once per test JVM (ephemeral ports, a temp directory),
 * migrates the schema, and injects {@link TestInfra} into test methods and constructors.
 *
 * <p>Environment variables point a server at an external one instead: {@code KILOSAIL_MYSQL_URL}
 * ({@code mysql://user:pw@host:port/db}), {@code KILOSAIL_KAFKA} ({@code host:port}), {@code KILOSAIL_REDIS}
 * ({@code redis://host:port}). When all three are set nothing embedded starts.
 */
public final class KilosailInfraExtension implements BeforeAllCallback, ParameterResolver {

  private static final Logger log = LoggerFactory.getLogger(KilosailInfraExtension.class);
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KilosailInfraExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    shared(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
    return parameter.getParameter().getType() == TestInfra.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
    return shared(extension).infra;
  }

  private static Shared shared(ExtensionContext context) {
    // The root store lives as long as the test run and closes its resources when the run ends.
    return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Shared.class, k -> Shared.start(), Shared.class);
  }

  private static final class Shared implements ExtensionContext.Store.CloseableResource {
    private final TestInfra infra;
    private final EmbeddedInfrastructure embedded;
    private final Path dataDir;

    private Shared(TestInfra infra, EmbeddedInfrastructure embedded, Path dataDir) {
      this.infra = infra;
      this.embedded = embedded;
      this.dataDir = dataDir;
    }

    static Shared start() {
      String mysqlUrl = System.getenv("KILOSAIL_MYSQL_URL");
      String kafka = System.getenv("KILOSAIL_KAFKA");
      String redis = System.getenv("KILOSAIL_REDIS");
      EmbeddedInfrastructure embedded = null;
      Path dataDir = null;
      if (mysqlUrl == null || kafka == null || redis == null) {
        try {
          dataDir = Files.createTempDirectory("kilosail-test-");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        embedded = EmbeddedInfrastructure.start(dataDir, EmbeddedInfrastructure.Ports.ephemeral(), 4);
      }
      InfraSettings started = embedded != null ? embedded.settings() : null;
      InfraSettings settings = new InfraSettings(
          mysqlUrl != null ? MySqlSettings.fromUrl(mysqlUrl, MySqlSettings.DEFAULT_POOL_SIZE) : started.mysql(),
          kafka != null ? kafka : started.kafkaBootstrapServers(),
          redis != null ? redis : started.redisUrl());
      SchemaMigrator.migrate(settings.mysql());
      log.info("test infrastructure ready: mysql={} kafka={} redis={}", settings.mysql().redactedUrl(),
          settings.kafkaBootstrapServers(), settings.redisUrl());
      return new Shared(new TestInfra(settings), embedded, dataDir);
    }

    @Override
    public void close() {
      if (embedded != null) {
        embedded.close();
      }
      if (dataDir != null) {
        deleteRecursively(dataDir);
      }
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not delete {}: {}", dir, e.toString());
    }
  }
}
