package io.kilosail.access;

import io.kilosail.access.FixedWindow.Decision;
import io.kilosail.web.Problems;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Per-caller request budgets held in Redis, so every node of the cluster draws on the same budget: a fixed window per
 * caller, counted by one Lua script (INCR, and PEXPIRE on the window's first request, answering the count and the time
 * left) so the counter and its expiry can never be split by a crash between two commands. A refused request gets 429
 * problem+json with {@code Retry-After}; meter {@code kilosail.ratelimit.refused{limit}} counts refusals per limit.
 *
 * <p>Redis holds only what may be lost (design.md): when it does not answer, the request passes and
 * {@code kilosail.ratelimit.unavailable{limit}} counts it. Refusing every caller because the limiter's store is down
 * would turn a cache outage into a full outage of intake, which the limits exist to protect.
 */
public final class RateLimiter {

  public enum Kind {
    PLATFORM, OPERATOR, ADDRESS;

    String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static final String KEY_PREFIX = "kilosail:ratelimit:";
  /** How long a request waits for Redis before passing unlimited. */
  private static final long REDIS_TIMEOUT_MS = 200;
  private static final String SCRIPT = """
      local n = redis.call('INCR', KEYS[1])
      if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
      return {n, redis.call('PTTL', KEYS[1])}
      """;
  private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);

  private final RedisAPI redis;
  private final RateLimits limits;
  private final Map<Kind, Counter> refused = new EnumMap<>(Kind.class);
  private final Map<Kind, Counter> unavailable = new EnumMap<>(Kind.class);

  public RateLimiter(RedisAPI redis, RateLimits limits, MeterRegistry registry) {
    this.redis = redis;
    this.limits = limits;
    for (Kind kind : Kind.values()) {
      refused.put(kind, Counter.builder("kilosail.ratelimit.refused").tag("limit", kind.id())
          .description("requests answered 429 because the caller spent its budget").register(registry));
      unavailable.put(kind, Counter.builder("kilosail.ratelimit.unavailable").tag("limit", kind.id())
          .description("requests let through unlimited because Redis did not answer").register(registry));
    }
  }

  /** Counts one request of {@code caller} against its budget; never fails (fails open). */
  public Future<Decision> admit(Kind kind, String caller) {
    int limit = limits.limit(kind);
    if (limit <= 0) {
      return Future.succeededFuture(Decision.ALLOW);
    }
    long windowMs = limits.window().toMillis();
    // The window is in the key: nodes (or tests) configured differently never count into each other's windows.
    String key = KEY_PREFIX + kind.id() + ":" + windowMs + ":" + caller;
    return redis.eval(List.of(SCRIPT, "1", key, String.valueOf(windowMs)))
        .timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(answer -> decide(answer, limit, windowMs))
        .otherwise(err -> {
          unavailable.get(kind).increment();
          log.warn("rate limit not checked, request let through limit={} reason={}", kind.id(), err.toString());
          return Decision.ALLOW;
        })
        .onSuccess(decision -> {
          if (!decision.allowed()) {
            refused.get(kind).increment();
          }
        });
  }

  private static Decision decide(Response answer, int limit, long windowMs) {
    return FixedWindow.decide(answer.get(0).toLong(), answer.get(1).toLong(), limit, windowMs);
  }

  /**
   * Runs {@code next} when {@code caller} is within its budget; otherwise answers 429 with {@code Retry-After}.
   */
  public void guard(RoutingContext ctx, Kind kind, String caller, Runnable next) {
    admit(kind, caller).onSuccess(decision -> {
      if (decision.allowed()) {
        next.run();
      } else {
        tooMany(ctx, kind, decision.retryAfterSeconds());
      }
    });
  }

  static void tooMany(RoutingContext ctx, Kind kind, long retryAfterSeconds) {
    ctx.response().putHeader("Retry-After", String.valueOf(retryAfterSeconds));
    Problems.send(ctx, 429, "rate-limited", "Too Many Requests", "this " + kind.id()
        + " has made more requests than its limit allows; retry in " + retryAfterSeconds + " s",
        new JsonObject().put("limit", kind.id()));
  }
}
