package io.kilosail.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real Redis 6.2 server (embedded-redis) on 127.0.0.1, with an append-only file in {@code dataDir} so a restart
 * keeps its keys. kilosail keeps nothing in Redis that it cannot rebuild; persistence only spares a cold cache.
 */
public final class EmbeddedRedis implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);

  private static final String NAME = "embedded Redis";
  /** Where redis-server writes its pid (its own pidfile setting), from which the node learns which child to guard. */
  private static final String REDIS_PID_FILE = "redis-server.pid";

  private final NodeStoppedRedisServer server;
  private final int port;
  private final ServerProcessGuard guard;

  private EmbeddedRedis(NodeStoppedRedisServer server, int port, ServerProcessGuard guard) {
    this.server = server;
    this.port = port;
    this.guard = guard;
  }

  /** @param port 0 for any free port */
  public static EmbeddedRedis start(Path dataDir, int port) {
    // A redis-server that outlived an earlier node here holds the port and appends to the same file.
    ServerProcessGuard.stopLeftOver(NAME, dataDir);
    int actualPort = FreePort.orPick(port);
    try {
      Files.createDirectories(dataDir);
      NodeStoppedRedisServer server = new NodeStoppedRedisServer(actualPort, RedisServer.newRedisServer()
          .bind("127.0.0.1")
          .port(actualPort)
          .setting("dir " + dataDir.toAbsolutePath())
          .setting("appendonly yes")
          .setting("appendfsync everysec")
          .setting("save \"\"")
          .setting("pidfile " + dataDir.resolve(REDIS_PID_FILE).toAbsolutePath())
          .buildCommandArgs());
      server.start();
      ServerProcessGuard guard = ServerProcessGuard.pidWrittenBy(NAME, dataDir.resolve(REDIS_PID_FILE))
          .flatMap(pid -> ServerProcessGuard.guard(NAME, dataDir, pid)).orElse(null);
      log.info("embedded Redis up port={} dataDir={}", actualPort, dataDir);
      return new EmbeddedRedis(server, actualPort, guard);
    } catch (IOException e) {
      throw new UncheckedIOException("embedded Redis failed to start on port " + actualPort, e);
    }
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    try {
      server.stopNow();
      log.info("embedded Redis stopped port={}", port);
    } catch (IOException e) {
      log.warn("embedded Redis did not stop cleanly: {}", e.getMessage());
    }
    if (guard != null) {
      guard.serverStopped();
    }
  }
}
