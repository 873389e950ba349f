package io.kilosail.platform.schema;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.mariadb.jdbc.MariaDbDataSource;
import io.kilosail.platform.settings.MySqlSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;

/**
 * Applies the Flyway migrations under {@code db/migration} to a MariaDB or MySQL 8 database.
 *
 * <p>Flyway speaks JDBC, so this blocks: the launcher and the test fixture call it before any verticle is deployed,
 * never from an event loop. Flyway's own lock table keeps two nodes starting together from migrating twice.
 */
public final class SchemaMigrator {

  private static final Logger log = LoggerFactory.getLogger(SchemaMigrator.class);

  private SchemaMigrator() {
  }

  /** The outcome of a migration: the schema version reached and how many migrations this call applied. */
  public record Result(String schemaVersion, int migrationsApplied) {
  }

  public static Result migrate(MySqlSettings mysql) {
    MariaDbDataSource dataSource = new MariaDbDataSource();
    try {
      // The MariaDB driver talks to MySQL 8 too; Flyway picks the dialect from the server's product name.
      dataSource.setUrl("jdbc:mariadb://" + mysql.host() + ":" + mysql.port() + "/" + mysql.database()
          + "?connectTimeout=5000");
      dataSource.setUser(mysql.user());
      dataSource.setPassword(mysql.password());
    } catch (SQLException e) {
      throw new IllegalArgumentException("invalid MySQL settings: " + e.getMessage(), e);
    }
    MigrateResult result = Flyway.configure()
        .dataSource(dataSource)
        .locations("classpath:db/migration")
        .connectRetries(0)
        .load()
        .migrate();
    String version = result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
    log.info("schema migrated database={} version={} applied={}", mysql.database(), version, result.migrationsExecuted);
    return new Result(version, result.migrationsExecuted);
  }
}
