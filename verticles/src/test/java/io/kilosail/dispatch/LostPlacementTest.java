package io.kilosail.dispatch;

import io.kilosail.order.OrderTransitions;
import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.contracts.courier.CourierCancellation;
import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierOrderLookup;
import io.kilosail.contracts.courier.CourierPlacement;
import io.kilosail.contracts.courier.CourierQuoteResult;
import io.kilosail.contracts.courier.DeliveryRequest;
import io.kilosail.infra.Clients;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.OrderRepository;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A placement whose answer was lost, sent again by dispatch on the real MariaDB with a stand-in gateway: the platform's
 * order detail is asked first; an order it holds is taken as placed at the price it states and no second create is
 * sent; no such order, or no detail query, sends the create again.
 */
@ExtendWith(KilosailInfraExtension.class)
class LostPlacementTest {

  private static Vertx vertx;
  private static Pool pool;

  @BeforeAll
  static void start(TestInfra infra) {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, InfraSettings.fromJson(infra.config()).mysql());
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
  }

  @Test
  void anOrderThePlatformHoldsIsTakenAsPlacedAtItsPriceWithoutASecondCreate() throws Exception {
    StandInGateway gateway = new StandInGateway(orderId -> Future.succeededFuture(new CourierOrderLookup()
        .setPlatform("sf").setOrderId(orderId).setFound(true).setPlatformOrderId("SF-HELD").setState("CREATED")
        .setPriceFen(1_150L)));
    String orderId = placingWithSf();

    sendAgain(gateway, orderId);

    Row placement = awaitPlaced(orderId);
    assertThat(placement.getString("platform_order_id")).isEqualTo("SF-HELD");
    assertThat(placement.getLong("charged_fen")).isEqualTo(1_150L);
    assertThat(gateway.creates.get()).as("creates sent").isZero();
    assertThat(gateway.lookups.get()).isEqualTo(1);
  }

  @Test
  void anOrderThePlatformDoesNotHaveIsPlacedAgain() throws Exception {
    StandInGateway gateway = new StandInGateway(orderId -> Future.succeededFuture(new CourierOrderLookup()
        .setPlatform("sf").setOrderId(orderId).setFound(false)));
    String orderId = placingWithSf();

    sendAgain(gateway, orderId);

    assertThat(awaitPlaced(orderId).getString("platform_order_id")).isEqualTo("SF-NEW");
    assertThat(gateway.creates.get()).isEqualTo(1);
  }

  @Test
  void withoutADetailQueryTheCreateIsRepeatedAsBefore() throws Exception {
    StandInGateway gateway = new StandInGateway(orderId -> ServiceException.fail(CourierGateway.NOT_SUPPORTED,
        "sf has no order-detail query yet"));
    String orderId = placingWithSf();

    sendAgain(gateway, orderId);

    assertThat(awaitPlaced(orderId).getString("platform_order_id")).isEqualTo("SF-NEW");
    assertThat(gateway.creates.get()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- helpers

  /** An order offered to SF alone, its placement sent and its answer never stored (PLACING). */
  private static String placingWithSf() {
    String orderId = UUID.randomUUID().toString();
    Instant now = Instant.now();
    DeliveryOrder order = new DeliveryOrder(orderId, "meituan", "MT-" + orderId.substring(0, 8),
        DeliveryOrder.State.CREATED, "310100", new DeliveryOrder.Shop("shop-1", "Noodles"),
        new DeliveryOrder.Place("Noodles", "021-1", "Rd 1", new BigDecimal("31.2304"), new BigDecimal("121.4737")),
        new DeliveryOrder.Place("Li Lei", "138-1", "Ave 1", new BigDecimal("31.2397"), new BigDecimal("121.4998")),
        1200, 850, null, null, null, null, now, now.plusSeconds(2700), now, now);
    Dispatch dispatch = Dispatch.plan(orderId, DispatchStrategy.SEQUENTIAL,
        List.of(new Dispatch.Offer("sf", 1_000, 900, null)), List.of("sf"), 60_000);
    dispatch.start();
    await(pool.withTransaction(conn -> OrderRepository.inserted(conn, order)
        .compose(x -> OrderRepository.apply(conn, orderId,
            OrderTransitions.dispatching(DeliveryOrder.State.CREATED, now), now))
        .compose(x -> DispatchRepository.insert(conn, dispatch, UUID.randomUUID().toString(),
            new DeliveryRequest().setOrderId(orderId).toJson(), now))));
    return orderId;
  }

  /** What the placement check does when the answer is still missing: the placement sent again. */
  private static void sendAgain(CourierGateway gateway, String orderId) {
    Dispatcher dispatcher = new Dispatcher(vertx, pool, gateway, DispatchSettings.fromJson(new JsonObject()),
        new CancellationPolicy(Map.of(), Map.of()), new SimpleMeterRegistry());
    dispatcher.send(orderId, new DeliveryRequest().setOrderId(orderId).toJson(),
        List.of(new DispatchCommand.Place("sf", null, true)));
  }

  private static Row awaitPlaced(String orderId) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      Row row = await(pool.preparedQuery("SELECT state, platform_order_id, charged_fen FROM courier_placement"
          + " WHERE order_id = ? AND platform = 'sf'").execute(Tuple.of(orderId))).iterator().next();
      if ("PLACED".equals(row.getString("state"))) {
        return row;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("placement still " + row.getString("state"));
      }
      Thread.sleep(25); // the test thread, never an event loop
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** SF as the gateway sees it: its detail answer as given; a create answered SF-NEW at its quote. */
  private static final class StandInGateway implements CourierGateway {

    final AtomicInteger creates = new AtomicInteger();
    final AtomicInteger lookups = new AtomicInteger();
    private final Function<String, Future<CourierOrderLookup>> detail;

    StandInGateway(Function<String, Future<CourierOrderLookup>> detail) {
      this.detail = detail;
    }

    @Override
    public Future<CourierQuoteResult> quote(String platform, DeliveryRequest delivery) {
      return Future.failedFuture("not used");
    }

    @Override
    public Future<CourierPlacement> placeOrder(String platform, DeliveryRequest delivery) {
      creates.incrementAndGet();
      return Future.succeededFuture(new CourierPlacement().setPlatform(platform).setOrderId(delivery.getOrderId())
          .setPlatformOrderId("SF-NEW").setPriceFen(1_000L));
    }

    @Override
    public Future<CourierOrderLookup> orderDetail(String platform, String account, String orderId,
                                                  String platformOrderId) {
      lookups.incrementAndGet();
      return detail.apply(orderId);
    }

    @Override
    public Future<CourierCancellation> cancel(String platform, String orderId, String platformOrderId,
                                              String reason) {
      return Future.failedFuture("not used");
    }

    @Override
    public Future<CourierCancellation> cancelUnder(String platform, String account, String orderId,
                                                   String platformOrderId, String reason) {
      return Future.failedFuture("not used");
    }

    @Override
    public Future<io.kilosail.contracts.courier.CourierTip> addTip(String platform, String account, String orderId,
                                                                   String platformOrderId, long tipFen, String key) {
      return Future.failedFuture("not used");
    }

    @Override
    public Future<Long> accountBalance(String platform, String account) {
      return Future.failedFuture("not used");
    }
  }
}
