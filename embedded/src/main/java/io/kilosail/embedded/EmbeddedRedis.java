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

  private final RedisServer server;
  private final int port;

  private EmbeddedRedis(RedisServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /** @param port 0 for any free port */
  public static EmbeddedRedis start(Path dataDir, int port) {
    int actualPort = FreePort.orPick(port);
    try {
      Files.createDirectories(dataDir);
      RedisServer server = RedisServer.newRedisServer()
          .bind("127.0.0.1")
          .port(actualPort)
          .setting("dir " + dataDir.toAbsolutePath())
          .setting("appendonly yes")
          .setting("appendfsync everysec")
          .setting("save \"\"")
          .build();
      server.start();
      log.info("embedded Redis up port={} dataDir={}", actualPort, dataDir);
      return new EmbeddedRedis(server, actualPort);
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
      server.stop();
      log.info("embedded Redis stopped port={}", port);
    } catch (IOException e) {
      log.warn("embedded Redis did not stop cleanly: {}", e.getMessage());
    }
  }
}
