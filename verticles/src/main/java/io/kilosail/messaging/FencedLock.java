package io.kilosail.messaging;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A Redis lease lock that hands out fencing tokens.
 *
 * <p>A lease is a key holding the owner (unique per acquisition) with a TTL. Every successful acquisition also
 * increments a counter that never expires and returns it as the fencing token, so a later holder always has a higher
 * token. A lease can expire while its holder still believes in it (GC pause, slow network); that is why the lock alone
 * protects nothing: the protected write must go through {@link Fencing#check}, which rejects tokens lower than one
 * already seen. Release and extension happen only if the key still holds the caller's owner string, checked and done
 * atomically in a Lua script.
 *
 * <p>If Redis loses the counter (restart without persistence), the script re-seeds it from Redis' clock in
 * microseconds, which is above any token issued before (at fewer than a million acquisitions a second), so tokens
 * stay monotonic and the fenced resources do not lock out every new holder.
 */
public final class FencedLock {

  private static final String ACQUIRE = """
      if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
        if redis.call('EXISTS', KEYS[2]) == 0 then
          local now = redis.call('TIME')
          redis.call('SET', KEYS[2], now[1] .. string.format('%06d', tonumber(now[2])))
        end
        return redis.call('INCR', KEYS[2])
      end
      return false
      """;
  private static final String RELEASE = """
      if redis.call('GET', KEYS[1]) == ARGV[1] then
        return redis.call('DEL', KEYS[1])
      end
      return 0
      """;
  private static final String EXTEND = """
      if redis.call('GET', KEYS[1]) == ARGV[1] then
        return redis.call('PEXPIRE', KEYS[1], ARGV[2])
      end
      return 0
      """;

  /** A held lease: present {@link #token()} with every protected write. */
  public record Lease(String name, String owner, long token, Instant expiresAt) {
  }

  private final RedisAPI redis;
  private final String ownerPrefix;

  /** @param ownerPrefix who is asking (e.g. the node id), for operators reading the lock key */
  public FencedLock(Redis redis, String ownerPrefix) {
    this.redis = RedisAPI.api(redis);
    this.ownerPrefix = ownerPrefix;
  }

  /** The lease on {@code name} for {@code ttl}, or empty when someone else holds it. */
  public Future<Optional<Lease>> tryAcquire(String name, Duration ttl) {
    String owner = ownerPrefix + ":" + UUID.randomUUID();
    Instant requestedAt = Instant.now();
    return redis.eval(List.of(ACQUIRE, "2", lockKey(name), fenceKey(name), owner, String.valueOf(ttl.toMillis())))
        .map(token -> token == null
            ? Optional.<Lease>empty()
            // Expiry counted from before the request: the holder must not believe in its lease longer than Redis does.
            : Optional.of(new Lease(name, owner, token.toLong(), requestedAt.plus(ttl))));
  }

  /** Releases the lease if it is still the caller's; {@code false} when it expired or someone else holds it now. */
  public Future<Boolean> release(Lease lease) {
    return redis.eval(List.of(RELEASE, "1", lockKey(lease.name()), lease.owner())).map(FencedLock::isOne);
  }

  /** Extends the caller's lease; the token stays the same. {@code false} when the lease is already lost. */
  public Future<Optional<Lease>> extend(Lease lease, Duration ttl) {
    Instant requestedAt = Instant.now();
    return redis.eval(List.of(EXTEND, "1", lockKey(lease.name()), lease.owner(), String.valueOf(ttl.toMillis())))
        .map(extended -> isOne(extended)
            ? Optional.of(new Lease(lease.name(), lease.owner(), lease.token(), requestedAt.plus(ttl)))
            : Optional.empty());
  }

  // The {hash tag} keeps the lock and its counter in one slot, as a Lua script on Redis Cluster requires.
  static String lockKey(String name) {
    return "kilosail:lock:{" + name + "}";
  }

  static String fenceKey(String name) {
    return "kilosail:lock:{" + name + "}:fence";
  }

  private static boolean isOne(Response response) {
    return response != null && response.toLong() == 1L;
  }
}
