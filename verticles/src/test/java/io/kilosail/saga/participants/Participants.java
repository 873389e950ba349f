package io.kilosail.saga.participants;

import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.saga.SagaBarrier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Goods and account participants on real tables, each effect in one transaction with its saga barrier row and a
 * line in {@code test_effect_log}, so a test can see which effects ran, in which order, how often.
 *
 * <p>Test behaviours by goods id: {@link #HANGING_GOODS} never answers; {@link #FLAKY_GOODS} fails twice per saga,
 * then works. {@link #delayMs} slows every call (to have sagas in flight when a coordinator is killed).
 */
public final class Participants implements GoodsService, AccountService {

  public static final long HANGING_GOODS = 999;
  public static final long FLAKY_GOODS = 777;

  private final Vertx vertx;
  private final Pool pool;
  private final Map<String, AtomicInteger> flakyCalls = new ConcurrentHashMap<>();
  public volatile long delayMs;

  public Participants(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  public static Future<Void> createTables(Pool pool) {
    return pool.query("CREATE TABLE IF NOT EXISTS test_goods (id BIGINT PRIMARY KEY, stock INT NOT NULL)").execute()
        .compose(x -> pool.query("CREATE TABLE IF NOT EXISTS test_account (customer_id VARCHAR(64) PRIMARY KEY,"
            + " credit_limit BIGINT NOT NULL, reserved BIGINT NOT NULL)").execute())
        .compose(x -> pool.query("CREATE TABLE IF NOT EXISTS test_order (id VARCHAR(64) PRIMARY KEY,"
            + " state VARCHAR(16) NOT NULL)").execute())
        .compose(x -> pool.query("CREATE TABLE IF NOT EXISTS test_effect_log (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
            + " saga_id CHAR(36) NOT NULL, effect VARCHAR(32) NOT NULL, KEY (saga_id, id))").execute())
        .mapEmpty();
  }

  public Future<Void> register() {
    ServiceBinder binder = new ServiceBinder(vertx);
    return Future.all(
        binder.setAddress(GoodsService.ADDRESS).register(GoodsService.class, this).completion(),
        binder.setAddress(AccountService.ADDRESS).register(AccountService.class, this).completion()).mapEmpty();
  }

  public static Future<Void> log(SqlConnection conn, String sagaId, String effect) {
    return conn.preparedQuery("INSERT INTO test_effect_log (saga_id, effect) VALUES (?, ?)")
        .execute(Tuple.of(sagaId, effect)).mapEmpty();
  }

  private Future<Void> delayed() {
    return delayMs > 0 ? vertx.timer(delayMs).mapEmpty() : Future.succeededFuture();
  }

  @Override
  public Future<Void> reserve(SagaStep step, long goodsId, int quantity) {
    if (goodsId == HANGING_GOODS) {
      return Future.future(promise -> { });
    }
    if (goodsId == FLAKY_GOODS && flakyCalls.computeIfAbsent(step.getSagaId(), k -> new AtomicInteger())
        .incrementAndGet() <= 2) {
      return Future.failedFuture(new IllegalStateException("goods database hiccup"));
    }
    return delayed().compose(d -> pool.withTransaction(conn -> SagaBarrier.action(conn, step, () ->
        conn.preparedQuery("SELECT stock FROM test_goods WHERE id = ? FOR UPDATE").execute(Tuple.of(goodsId))
            .compose(rows -> {
              if (rows.size() == 0) {
                return ServiceException.fail(GOODS_NOT_FOUND, "no goods " + goodsId);
              }
              if (rows.iterator().next().getInteger("stock") < quantity) {
                return ServiceException.fail(GOODS_STOCK_LIMIT, "not enough stock of goods " + goodsId);
              }
              return conn.preparedQuery("UPDATE test_goods SET stock = stock - ? WHERE id = ?")
                  .execute(Tuple.of(quantity, goodsId))
                  .compose(x -> log(conn, step.getSagaId(), "reserve-goods"));
            }))).mapEmpty());
  }

  @Override
  public Future<Void> release(SagaStep step, long goodsId, int quantity) {
    return delayed().compose(d -> pool.withTransaction(conn -> SagaBarrier.compensation(conn, step, () ->
        conn.preparedQuery("UPDATE test_goods SET stock = stock + ? WHERE id = ?").execute(Tuple.of(quantity, goodsId))
            .compose(x -> log(conn, step.getSagaId(), "release-goods")))).mapEmpty());
  }

  @Override
  public Future<Void> reserveCredit(SagaStep step, String customerId, long amount) {
    return delayed().compose(d -> pool.withTransaction(conn -> SagaBarrier.action(conn, step, () ->
        conn.preparedQuery("SELECT credit_limit, reserved FROM test_account WHERE customer_id = ? FOR UPDATE")
            .execute(Tuple.of(customerId))
            .compose(rows -> {
              if (rows.size() == 0) {
                return ServiceException.fail(CUSTOMER_NOT_FOUND, "no customer " + customerId);
              }
              var row = rows.iterator().next();
              if (row.getLong("reserved") + amount > row.getLong("credit_limit")) {
                return ServiceException.fail(CREDIT_LIMIT_EXCEEDED, "credit limit of " + customerId + " exceeded");
              }
              return conn.preparedQuery("UPDATE test_account SET reserved = reserved + ? WHERE customer_id = ?")
                  .execute(Tuple.of(amount, customerId))
                  .compose(x -> log(conn, step.getSagaId(), "reserve-credit"));
            }))).mapEmpty());
  }

  @Override
  public Future<Void> releaseCredit(SagaStep step, String customerId, long amount) {
    return delayed().compose(d -> pool.withTransaction(conn -> SagaBarrier.compensation(conn, step, () ->
        conn.preparedQuery("UPDATE test_account SET reserved = reserved - ? WHERE customer_id = ?")
            .execute(Tuple.of(amount, customerId))
            .compose(x -> log(conn, step.getSagaId(), "release-credit")))).mapEmpty());
  }
}
