package io.kilosail.shop;

import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.Proxies;
import io.kilosail.messaging.FencedLock;
import io.kilosail.messaging.Fencing;
import io.kilosail.platform.settings.ConfigSection;
import io.kilosail.platform.settings.InfraSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Redis;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Corrects the prepaid balances we keep ({@code courier_account.balance_fen}) from the courier platforms' own balance
 * queries ({@link CourierGateway#accountBalance}): every {@code balances.checkIntervalMs} (300000 by default; 0 turns it
 * off) one node asks each platform about each account with a row, records the answer ({@code platform_balance_fen},
 * {@code checked_at}) and moves our balance to it. The platform's number is the truth of what it will let us spend;
 * ours drifts from it through charges we cannot see (a price the platform changed, a fee it took, a top-up recorded
 * late or twice).
 *
 * <p>The correction is the answer less our balance read just before asking, added to the balance as it is at the write:
 * a placement charged while the question was out is kept. One placement the platform had charged before it answered
 * but whose charge we commit after our read is counted twice; the next check takes it back. A failed answer, or a
 * platform without a balance query (Shansong: {@link CourierGateway#NOT_SUPPORTED}), changes nothing; it is logged at
 * WARN once per account until that account answers again.
 *
 * <p>One node at a time: each round takes the {@link FencedLock} lease {@value #LOCK} for most of an interval and keeps
 * it (so the cluster asks once per interval, not once per node), and every write checks the lease's fencing token
 * ({@link Fencing}), so a node whose round outlived its lease cannot write over a newer holder's answers.
 *
 * <p>Meters: {@code kilosail.courier.balance.corrections} (platform; a check that moved a balance) and
 * {@code kilosail.courier.balance.correction.fen} (platform, account; the last difference, platform − ours, 0 when
 * they agreed).
 */
public final class CourierBalanceCheckVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(CourierBalanceCheckVerticle.class);

  static final String LOCK = "courier-balance-check";
  static final int DEFAULT_INTERVAL_MS = 300_000;

  private long intervalMs;
  private long timer = -1;
  private boolean running;
  private boolean stopped;
  private Pool pool;
  private Redis redis;
  private FencedLock lock;
  private CourierGateway gateway;
  private MeterRegistry registry;
  /** Accounts ({@code platform/account}) whose last question failed: logged at WARN once, until they answer. */
  private final Set<String> failing = new HashSet<>();
  private final Map<String, AtomicLong> lastDifference = new ConcurrentHashMap<>();

  @Override
  public Future<?> start() {
    intervalMs = new ConfigSection(config(), "balances").integer("checkIntervalMs", DEFAULT_INTERVAL_MS, 0,
        86_400_000);
    if (intervalMs == 0) {
      log.info("courier balance check off (balances.checkIntervalMs = 0)");
      return Future.succeededFuture();
    }
    NodeConfig node = NodeConfig.fromJson(config());
    InfraSettings infra = InfraSettings.fromJson(config());
    registry = Meters.registry(node);
    pool = Clients.mysqlPool(vertx, infra.mysql());
    redis = Clients.redis(vertx, infra.redisUrl());
    lock = new FencedLock(redis, node.id());
    gateway = Proxies.courierGateway(vertx, config());
    timer = vertx.setPeriodic(intervalMs, id -> round());
    log.info("courier balance check every {} ms", intervalMs);
    return Future.succeededFuture();
  }

  /** A round unless one is still running here; the lease decides whether this node's turn it is. */
  private void round() {
    if (running || stopped) {
      return;
    }
    running = true;
    // Held for most of an interval and not released: the next round, on whichever node, starts after it expires.
    Duration lease = Duration.ofMillis(Math.max(1, intervalMs * 9 / 10));
    lock.tryAcquire(LOCK, lease)
        .compose(held -> held.isEmpty() ? Future.succeededFuture() : checkAll(held.get()))
        .onComplete(ar -> {
          running = false;
          if (ar.failed()) {
            log.warn("courier balance check round failed: {}", ar.cause().toString());
          }
        });
  }

  private Future<Void> checkAll(FencedLock.Lease lease) {
    return CourierAccountRepository.list(pool).compose(accounts -> checkEach(lease, accounts, 0));
  }

  /** One account after the other: a handful of small calls per interval, never a burst at the platforms. */
  private Future<Void> checkEach(FencedLock.Lease lease, List<CourierAccountRepository.Stored> accounts, int i) {
    if (i >= accounts.size() || stopped) {
      return Future.succeededFuture();
    }
    CourierAccountRepository.Stored account = accounts.get(i);
    return check(lease, account.platform(), account.accountId())
        .compose(x -> checkEach(lease, accounts, i + 1));
  }

  /** Asks, then corrects; only a stale lease fails the round (a newer holder is asking now). */
  private Future<Void> check(FencedLock.Lease lease, String platform, String accountId) {
    String key = platform + "/" + accountId;
    return CourierAccountRepository.find(pool, platform, accountId).compose(before -> {
      if (before == null) {
        return Future.succeededFuture();
      }
      return gateway.accountBalance(platform, accountId).transform(asked -> {
        if (asked.failed()) {
          unanswered(key, asked.cause());
          return Future.succeededFuture();
        }
        if (failing.remove(key)) {
          log.info("courier balance check: {} answers again", key);
        }
        long platformFen = asked.result();
        long difference = platformFen - before.balanceFen();
        return pool.withTransaction(conn -> Fencing.check(conn, LOCK, lease.token())
                .compose(ok -> CourierAccountRepository.correct(conn, platform, accountId, platformFen, difference,
                    Instant.now())))
            .onSuccess(x -> corrected(platform, accountId, before.balanceFen(), platformFen, difference));
      });
    });
  }

  private void unanswered(String key, Throwable cause) {
    if (failing.add(key)) {
      String why = cause instanceof ServiceException e && e.failureCode() == CourierGateway.NOT_SUPPORTED
          ? "the platform has no balance query" : cause.getMessage();
      log.warn("courier balance check: no answer for {}, balance left as it is: {}", key, why);
    } else {
      log.debug("courier balance check: still no answer for {}: {}", key, cause.getMessage());
    }
  }

  private void corrected(String platform, String accountId, long ours, long platformFen, long difference) {
    lastDifference.computeIfAbsent(platform + "/" + accountId, k -> {
      AtomicLong value = new AtomicLong();
      Gauge.builder("kilosail.courier.balance.correction.fen", value, AtomicLong::doubleValue)
          .description("last difference between a courier platform's balance answer and ours, fen (platform - ours)")
          .tag("platform", platform).tag("account", accountId).strongReference(true).register(registry);
      return value;
    }).set(difference);
    if (difference != 0) {
      Counter.builder("kilosail.courier.balance.corrections")
          .description("courier account balances moved to the platform's own answer").tag("platform", platform)
          .register(registry).increment();
      log.info("courier balance corrected platform={} account={} oursFen={} platformFen={} differenceFen={}", platform,
          accountId, ours, platformFen, difference);
      CourierBalanceGauges.publishChanged(vertx, platform, accountId);
    }
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (pool == null) {
      return Future.succeededFuture();
    }
    redis.close();
    return pool.close();
  }
}
