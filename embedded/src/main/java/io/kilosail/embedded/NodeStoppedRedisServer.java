package io.kilosail.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.Redis;
import redis.embedded.RedisInstance;

import java.io.IOException;
import java.util.List;

/**
 * redis-server as embedded-redis starts it, but stopped only by its node. embedded-redis registers a JVM shutdown hook
 * for every server it starts ("RedisInstanceCleaner") that stops the server as soon as the JVM is asked to exit: on a
 * SIGTERM the server went away while the node was still draining its work into Redis. Here the hook's stop does
 * nothing; the node stops the server last ({@link #stopNow}), and the {@link NodeDeathWatchdog} stops it if the JVM
 * dies without doing so.
 */
final class NodeStoppedRedisServer extends RedisInstance {

  private static final Logger log = LoggerFactory.getLogger(NodeStoppedRedisServer.class);

  private volatile boolean stopRequested;

  /** @param args the command line as embedded-redis builds it ({@code RedisServerBuilder.buildCommandArgs()}) */
  NodeStoppedRedisServer(int port, List<String> args) {
    super(port, args, Redis.SERVER_READY_PATTERN, false, line -> log.debug("redis-server: {}", line),
        line -> log.debug("redis-server (stderr): {}", line));
  }

  /** Stops the server only once its node asked for it: a JVM shutdown hook calling this changes nothing. */
  @Override
  public synchronized void stop() throws IOException {
    if (stopRequested) {
      super.stop();
    }
  }

  /** Stops the server (SIGTERM: Redis flushes its append-only file and exits). */
  void stopNow() throws IOException {
    stopRequested = true;
    stop();
  }
}
