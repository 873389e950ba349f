package io.kilosail.courier.gateway;

import io.kilosail.courier.wire.CourierHttpRequest;
import io.kilosail.courier.wire.CourierRejectedException;
import io.kilosail.courier.wire.FengniaoWire;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

/**
 * Fengniao's OAuth access token for one merchant, shared by every node through Redis.
 *
 * <ul>
 *   <li><b>Fetched once for the cluster.</b> A node that finds no usable token in Redis takes the merchant's token lock
 *   ({@code SET NX PX}), reads again under it (another node may just have renewed), and only then asks the token
 *   endpoint; nodes that find the lock taken wait and re-read until the new token appears (or the lock expires, its
 *   holder having died, and one of them takes it). On one node, concurrent callers share one attempt.</li>
 *   <li><b>Renewed before expiry</b>: once {@link #REFRESH_AT_LIFETIME_FRACTION} of its lifetime has passed (Fengniao's
 *   tokens live 365 days), with the refresh token; a refused refresh falls back to the configured bootstrap grant.</li>
 *   <li><b>Renewed on an auth error</b>: {@link #renewAfterRejection} with the token the platform refused; a node that
 *   finds a different, usable token in Redis takes it instead of fetching again.</li>
 * </ul>
 *
 * <p>Redis holds a cache, not the only copy of the truth: when it is unreachable (or not configured) the node fetches
 * and keeps the token for itself, so Fengniao stays usable; each node may then fetch its own. What cannot be rebuilt
 * without the merchant is the bootstrap grant: a one-time authorisation code works once, so after the token and its
 * refresh token are lost the merchant must authorise again (docs/couriers.md, Fengniao).
 *
 * <p>Everything runs on the owning verticle's event loop; nothing blocks.
 */
public final class FengniaoTokens {

  private static final Logger log = LoggerFactory.getLogger(FengniaoTokens.class);

  /** Renew once this share of the token's lifetime has passed. */
  static final double REFRESH_AT_LIFETIME_FRACTION = 0.9;
  /** The lock outlives a token call (HTTP timeout) so its holder finishes before another node may take it. */
  static final long LOCK_MS = 10_000;
  static final long WAIT_STEP_MS = 50;
  /** A node waiting for another one's token gives up after this long (the lock expiring once included). */
  static final long WAIT_MAX_MS = LOCK_MS + 5_000;

  private static final String RELEASE = """
      if redis.call('GET', KEYS[1]) == ARGV[1] then
        return redis.call('DEL', KEYS[1])
      end
      return 0
      """;

  /** Sends a request to the platform and completes with its answer's body, whatever the HTTP status. */
  public interface Sender extends Function<CourierHttpRequest, Future<String>> {
  }

  /** A token as kept in Redis and on the node: epoch millis on the {@link Clock} given. */
  record Held(String accessToken, String refreshToken, long refreshAt, long expiresAt, long refreshExpiresAt) {

    static Held issued(FengniaoWire.Token token, long now) {
      long lifetime = token.expiresInSeconds() * 1000;
      return new Held(token.accessToken(), token.refreshToken(), now + (long) (lifetime * REFRESH_AT_LIFETIME_FRACTION),
          now + lifetime, now + token.refreshExpiresInSeconds() * 1000);
    }

    JsonObject toJson() {
      return new JsonObject().put("accessToken", accessToken).put("refreshToken", refreshToken)
          .put("refreshAt", refreshAt).put("expiresAt", expiresAt).put("refreshExpiresAt", refreshExpiresAt);
    }

    static Held fromJson(String text) {
      JsonObject json = new JsonObject(text);
      return new Held(json.getString("accessToken"), json.getString("refreshToken"), json.getLong("refreshAt"),
          json.getLong("expiresAt"), json.getLong("refreshExpiresAt"));
    }
  }

  private final Vertx vertx;
  private final RedisAPI redis;
  private final FengniaoWire wire;
  private final FengniaoWire.TokenGrant bootstrap;
  private final Sender sender;
  private final Clock clock;
  private final String owner;
  private final String key;
  private final String lockKey;
  private Held memo;
  private Future<String> inFlight;

  /**
   * @param redis  null when the node has no Redis: the token is then kept on this node only
   * @param wire   the merchant's wire; its bootstrap grant gets the first token
   * @param nodeId who holds the lock, for an operator reading it
   */
  public FengniaoTokens(Vertx vertx, Redis redis, FengniaoWire wire, Sender sender, Clock clock, String nodeId) {
    this.vertx = vertx;
    this.redis = redis == null ? null : RedisAPI.api(redis);
    this.wire = wire;
    this.bootstrap = Objects.requireNonNull(wire.bootstrapGrant(), "bootstrap");
    this.sender = sender;
    this.clock = clock;
    this.owner = nodeId + ":" + UUID.randomUUID();
    // The {hash tag} keeps a merchant's token and its lock in one Redis Cluster slot.
    this.key = "kilosail:fengniao:token:{" + wire.merchantId() + "}";
    this.lockKey = key + ":lock";
  }

  /** A token to call with now: the node's own while it is fresh, else the cluster's, else a new one. */
  public Future<String> accessToken() {
    if (memo != null && clock.millis() < memo.refreshAt()) {
      return Future.succeededFuture(memo.accessToken());
    }
    return once(() -> obtain(null));
  }

  /** The platform refused {@code rejected}: a token other than it (renewed by whoever is first). */
  public Future<String> renewAfterRejection(String rejected) {
    // The refused token stays the node's memo until it is replaced: its refresh token is what renews it.
    if (usable(memo, rejected)) {
      return Future.succeededFuture(memo.accessToken());
    }
    return once(() -> obtain(rejected));
  }

  /** Concurrent callers on this node share one attempt. */
  private Future<String> once(java.util.function.Supplier<Future<String>> attempt) {
    if (inFlight != null) {
      return inFlight;
    }
    Promise<String> result = Promise.promise();
    inFlight = result.future();
    attempt.get().onComplete(ar -> {
      inFlight = null;
      result.handle(ar);
    });
    return result.future();
  }

  private boolean usable(Held held, String rejected) {
    return held != null && !held.accessToken().equals(rejected) && clock.millis() < held.refreshAt();
  }

  private Future<String> use(Held held) {
    memo = held;
    return Future.succeededFuture(held.accessToken());
  }

  private Future<String> obtain(String rejected) {
    if (redis == null) {
      return fetch(memo).compose(this::use);
    }
    long deadline = System.currentTimeMillis() + WAIT_MAX_MS;
    return read().transform(ar -> ar.succeeded() ? fromCluster(ar.result(), rejected, deadline)
        : withoutRedis(ar.cause()));
  }

  private Future<String> fromCluster(Held held, String rejected, long deadline) {
    if (usable(held, rejected)) {
      return use(held);
    }
    return redis.set(List.of(lockKey, owner, "NX", "PX", Long.toString(LOCK_MS))).transform(locked -> {
      if (locked.failed()) {
        return withoutRedis(locked.cause());
      }
      if (locked.result() != null) {
        return underLock(held, rejected);
      }
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture(new IllegalStateException("another node has held the Fengniao token lock of merchant "
            + wire.merchantId() + " for over " + WAIT_MAX_MS + " ms"));
      }
      return vertx.timer(WAIT_STEP_MS).compose(x -> read())
          .compose(again -> fromCluster(again, rejected, deadline), this::withoutRedis);
    });
  }

  /** Holding the lock: read again (the previous holder may just have written), fetch only if still needed. */
  private Future<String> underLock(Held before, String rejected) {
    return read().compose(current -> {
          if (usable(current, rejected)) {
            return Future.succeededFuture(current);
          }
          return fetch(current != null ? current : before)
              .compose(fresh -> write(fresh).map(fresh));
        })
        // A release that fails costs nothing but the lock's expiry; the token is good either way.
        .eventually(() -> redis.eval(List.of(RELEASE, "1", lockKey, owner)).otherwiseEmpty())
        .compose(this::use);
  }

  private Future<String> withoutRedis(Throwable cause) {
    log.warn("Fengniao token kept on this node only: Redis failed merchant={} cause={}", wire.merchantId(),
        cause.toString());
    return fetch(memo).compose(this::use);
  }

  /** A new token: by the refresh token while it lives, else (or when it is refused) by the bootstrap grant. */
  private Future<Held> fetch(Held last) {
    long now = clock.millis();
    if (last != null && last.refreshToken() != null && now < last.refreshExpiresAt()) {
      return fetch(FengniaoWire.TokenGrant.refreshToken(last.refreshToken()))
          .recover(err -> {
            if (!(err instanceof CourierRejectedException)) {
              return Future.failedFuture(err);
            }
            log.warn("Fengniao refused the refresh token merchant={}: {}; using the configured grant",
                wire.merchantId(), err.getMessage());
            return fetch(bootstrap);
          });
    }
    return fetch(bootstrap);
  }

  private Future<Held> fetch(FengniaoWire.TokenGrant grant) {
    log.info("Fengniao token requested merchant={} grant={}", wire.merchantId(), grant.grantType());
    return sender.apply(wire.tokenRequest(grant))
        .compose(body -> {
          try {
            return Future.succeededFuture(Held.issued(wire.readToken(body), clock.millis()));
          } catch (RuntimeException e) {
            return Future.failedFuture(e);
          }
        });
  }

  private Future<Held> read() {
    return redis.get(key).map(response -> response == null ? null : Held.fromJson(response.toString()));
  }

  /** Kept until the refresh token dies: after the access token expires, its refresh token still renews it. */
  private Future<Response> write(Held held) {
    long ttl = Math.max(1_000, Math.max(held.refreshExpiresAt(), held.expiresAt()) - clock.millis());
    return redis.set(List.of(key, held.toJson().encode(), "PX", Long.toString(ttl)));
  }
}
