package io.kilosail.saga;

import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.saga.participants.AccountService;
import io.kilosail.saga.participants.GoodsService;
import io.kilosail.saga.participants.Participants;
import io.vertx.core.Future;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;

/** Seed 003's CreateOrderSaga, written with the DSL. Local steps write {@code test_order}; participants do the rest. */
public final class CreateOrderSaga {

  public static final String TYPE = "create-order";
  public static final String PARALLEL_TYPE = "create-order-parallel";
  public static final String PAYMENT_TYPE = "create-order-paid";

  /** The saga's data: what the order is, and why it was rejected if it was. */
  public static class Data {
    public String orderId;
    public String customerId;
    public long goodsId;
    public int quantity;
    public long amount;
    public String rejectionReason;

    public Data() {
    }

    public Data(String orderId, String customerId, long goodsId, int quantity, long amount) {
      this.orderId = orderId;
      this.customerId = customerId;
      this.goodsId = goodsId;
      this.quantity = quantity;
      this.amount = amount;
    }
  }

  private final Pool pool;
  private final GoodsService goods;
  private final AccountService account;
  private final Duration participantTimeout;

  public CreateOrderSaga(Pool pool, GoodsService goods, AccountService account, Duration participantTimeout) {
    this.pool = pool;
    this.goods = goods;
    this.account = account;
    this.participantTimeout = participantTimeout;
  }

  public SagaDefinition<Data> definition() {
    return Saga.define(TYPE, Data.class)
        .step("create").invokeLocal(this::create).withCompensation(this::reject)
        .step("reserve-goods").invokeParticipant(this::reserveGoods)
            .onFailure(GoodsService.GOODS_STOCK_LIMIT, this::handleGoodsLimit)
            .onFailure(GoodsService.GOODS_NOT_FOUND, this::handleGoodsNotFound)
            .withCompensation(this::releaseGoods)
            .timeout(participantTimeout)
            .retry(RetryPolicy.attempts(3, Duration.ofMillis(20)))
        .step("reserve-credit").invokeParticipant(this::reserveCredit)
            .onFailure(AccountService.CUSTOMER_NOT_FOUND, this::handleCustomerNotFound)
            .onFailure(AccountService.CREDIT_LIMIT_EXCEEDED, this::handleCreditLimitExceeded)
            .timeout(participantTimeout)
            // No compensation (as in the seed), so an attempt that timed out must be retried until the barrier
            // answers for it: a late first attempt and its retry converge on one reservation.
            .retry(RetryPolicy.attempts(5, Duration.ofMillis(50)))
        // Undoable, behind the saga barrier: an operator's compensation can land while approve runs (it won the race
        // against the payment's signal a moment too late); either it undoes approve, or approve, arriving after its
        // compensation, does nothing. A compensated saga leaves nothing approved behind.
        .step("approve").invokeLocal(this::approve).withCompensation(this::revokeApproval)
        .build();
  }

  /** The same order, with goods and credit reserved in parallel branches joined before approval. */
  public SagaDefinition<Data> parallelDefinition() {
    return Saga.define(PARALLEL_TYPE, Data.class)
        .step("create").invokeLocal(this::create).withCompensation(this::reject)
        .parallel("reserve")
            .branch("reserve-goods").invokeParticipant(this::reserveGoods)
                .onFailure(GoodsService.GOODS_NOT_FOUND, this::handleGoodsNotFound)
                .withCompensation(this::releaseGoods).timeout(participantTimeout)
            .branch("reserve-credit").invokeParticipant(this::reserveCredit)
                .onFailure(AccountService.CREDIT_LIMIT_EXCEEDED, this::handleCreditLimitExceeded)
                .withCompensation(this::releaseCredit).timeout(participantTimeout)
        .join()
        .step("approve").invokeLocal(this::approve)
        .build();
  }

  /** An order that waits for its payment (an external event) before approval; unpaid within the timeout, rejected. */
  public SagaDefinition<Data> awaitingPaymentDefinition(Duration paymentTimeout) {
    return Saga.define(PAYMENT_TYPE, Data.class)
        .step("create").invokeLocal(this::create).withCompensation(this::reject)
        .step("await-payment").awaitEvent("payment.succeeded", paymentTimeout,
            (data, payment) -> data.amount = payment.getLong("amount", data.amount))
            .failOn("payment.failed")
        .step("approve").invokeLocal(this::approve)
        .build();
  }

  private Future<?> create(Data data, SagaStep step) {
    return pool.withTransaction(conn -> conn.preparedQuery("INSERT IGNORE INTO test_order (id, state) VALUES (?, ?)")
        .execute(Tuple.of(data.orderId, "PENDING"))
        .compose(rows -> rows.rowCount() == 1 ? Participants.log(conn, step.getSagaId(), "create") : Future.succeededFuture()));
  }

  private Future<?> reject(Data data, SagaStep step) {
    return setState(data, step, "PENDING", "REJECTED", "reject");
  }

  private Future<?> revokeApproval(Data data, SagaStep step) {
    return pool.withTransaction(conn -> SagaBarrier.compensation(conn, step,
        () -> setState(conn, data, step, "APPROVED", "REJECTED", "reject")));
  }

  private Future<?> approve(Data data, SagaStep step) {
    return pool.withTransaction(conn -> SagaBarrier.action(conn, step,
        () -> setState(conn, data, step, "PENDING", "APPROVED", "approve")));
  }

  private Future<?> setState(Data data, SagaStep step, String from, String to, String effect) {
    return pool.withTransaction(conn -> setState(conn, data, step, from, to, effect));
  }

  private static Future<?> setState(SqlConnection conn, Data data, SagaStep step, String from, String to,
                                    String effect) {
    return conn.preparedQuery("UPDATE test_order SET state = ? WHERE id = ? AND state = ?")
        .execute(Tuple.of(to, data.orderId, from))
        .compose(rows -> rows.rowCount() == 1 ? Participants.log(conn, step.getSagaId(), effect) : Future.succeededFuture());
  }

  private Future<?> reserveGoods(Data data, SagaStep step) {
    return goods.reserve(step, data.goodsId, data.quantity);
  }

  private Future<?> releaseGoods(Data data, SagaStep step) {
    return goods.release(step, data.goodsId, data.quantity);
  }

  private Future<?> reserveCredit(Data data, SagaStep step) {
    return account.reserveCredit(step, data.customerId, data.amount);
  }

  private Future<?> releaseCredit(Data data, SagaStep step) {
    return account.releaseCredit(step, data.customerId, data.amount);
  }

  private void handleGoodsLimit(Data data, ServiceException failure) {
    data.rejectionReason = "GOODS_STOCK_LIMIT";
  }

  private void handleGoodsNotFound(Data data, ServiceException failure) {
    data.rejectionReason = "GOODS_NOT_FOUND";
  }

  private void handleCustomerNotFound(Data data, ServiceException failure) {
    data.rejectionReason = "CUSTOMER_NOT_FOUND";
  }

  private void handleCreditLimitExceeded(Data data, ServiceException failure) {
    data.rejectionReason = "CREDIT_LIMIT_EXCEEDED";
  }
}
