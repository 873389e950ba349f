package io.kilosail.checkout;

import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.contracts.stock.StockLine;
import io.kilosail.contracts.stock.StockRequest;
import io.kilosail.contracts.stock.StockService;
import io.kilosail.infra.Clients;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The stock participant against real MariaDB, through its service proxy, with the saga barrier. */
@ExtendWith(KilosailInfraExtension.class)
class StockServiceTest {

  private static Vertx vertx;
  private static Pool pool;
  private static StockRepository catalog;
  private static StockService stock;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, infra.settings().mysql());
    catalog = new StockRepository(pool);
    await(vertx.deployVerticle(new StockVerticle(), new DeploymentOptions().setConfig(infra.config()
        .put("node", new JsonObject().put("id", "stock-test")))));
    stock = StockService.createProxy(vertx, StockService.ADDRESS);
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void thousandBuyersOfAHundredItemsLeaveExactlyAHundredReservations() throws Exception {
    String sku = newSku(100);
    List<Future<Void>> attempts = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      attempts.add(stock.reserve(step("reserve-stock"), request(UUID.randomUUID().toString(), sku, 1)));
    }
    await(Future.join(attempts).otherwiseEmpty());

    long reserved = attempts.stream().filter(Future::succeeded).count();
    List<Throwable> refused = attempts.stream().filter(Future::failed).map(Future::cause).toList();
    assertThat(reserved).isEqualTo(100);
    assertThat(refused).hasSize(900).allSatisfy(err -> assertThat(((ServiceException) err).failureCode())
        .isEqualTo(StockService.OUT_OF_STOCK));
    StockRepository.Sku after = await(catalog.find(sku));
    assertThat(after.available()).isZero();
    assertThat(after.reserved()).isEqualTo(100);
    assertThat(heldRows(sku)).isEqualTo(100);
  }

  @Test
  void aReservationIsAllOrNothingAndNamesTheMissingSku() throws Exception {
    String plenty = newSku(10);
    String scarce = newSku(1);
    StockRequest request = new StockRequest().setOrderId(UUID.randomUUID().toString())
        .setLines(List.of(new StockLine(plenty, 3), new StockLine(scarce, 2)));

    Throwable refusal = awaitFailure(stock.reserve(step("reserve-stock"), request));

    assertThat(((ServiceException) refusal).failureCode()).isEqualTo(StockService.OUT_OF_STOCK);
    assertThat(refusal.getMessage()).contains(scarce).contains("2 wanted, 1 available");
    assertThat(await(catalog.find(plenty)).available()).as("nothing held of the other line").isEqualTo(10);
  }

  @Test
  void commitSellsReleaseRestocksAndRepeatsChangeNothing() throws Exception {
    String sku = newSku(5);
    String order = UUID.randomUUID().toString();
    SagaStep reserve = step("reserve-stock");
    await(stock.reserve(reserve, request(order, sku, 2)));
    await(stock.reserve(reserve, request(order, sku, 2)));
    assertThat(await(catalog.find(sku))).extracting("available", "reserved", "sold").containsExactly(3, 2, 0);

    SagaStep commit = new SagaStep().setSagaId(reserve.getSagaId()).setStep("commit-stock").setAttempt(1);
    await(stock.commit(commit, order));
    await(stock.commit(commit, order));
    assertThat(await(catalog.find(sku))).extracting("available", "reserved", "sold").containsExactly(3, 0, 2);

    // Refunded after payment: the sold goods go back on sale, once.
    await(stock.release(reserve, order));
    await(stock.release(reserve, order));
    assertThat(await(catalog.find(sku))).extracting("available", "reserved", "sold").containsExactly(5, 0, 0);
  }

  @Test
  void aReleaseThatOvertakesItsReservationMakesTheLateReservationANoOp() throws Exception {
    String sku = newSku(5);
    String order = UUID.randomUUID().toString();
    SagaStep reserve = step("reserve-stock");
    await(stock.release(reserve, order));
    await(stock.reserve(reserve, request(order, sku, 2)));
    assertThat(await(catalog.find(sku))).extracting("available", "reserved").containsExactly(5, 0);
  }

  @Test
  void anUnknownSkuIsRefusedAsSuch() throws Exception {
    Throwable refusal = awaitFailure(stock.reserve(step("reserve-stock"),
        request(UUID.randomUUID().toString(), "no-such-" + UUID.randomUUID(), 1)));
    assertThat(((ServiceException) refusal).failureCode()).isEqualTo(StockService.UNKNOWN_SKU);
  }

  private static StockRequest request(String order, String sku, int quantity) {
    return new StockRequest().setOrderId(order).setLines(List.of(new StockLine(sku, quantity)));
  }

  private static SagaStep step(String name) {
    return new SagaStep().setSagaId(UUID.randomUUID().toString()).setStep(name).setAttempt(1);
  }

  private static String newSku(int available) throws Exception {
    String sku = "sku-" + UUID.randomUUID();
    await(catalog.upsert(sku, "test item", 1_000, "CNY", available));
    return sku;
  }

  private static long heldRows(String sku) throws Exception {
    return await(pool.preparedQuery("SELECT COUNT(*) FROM stock_reservation WHERE sku = ? AND state = 'RESERVED'")
        .execute(Tuple.of(sku))).iterator().next().getLong(0);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  static Throwable awaitFailure(Future<?> future) throws Exception {
    try {
      await(future);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }
}
