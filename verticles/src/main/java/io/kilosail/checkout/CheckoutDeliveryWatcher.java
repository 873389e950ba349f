package io.kilosail.checkout;

import io.kilosail.infra.Clients;
import io.kilosail.infra.NodeConfig;
import io.kilosail.intake.OrderRepository;
import io.kilosail.messaging.ConsumerSettings;
import io.kilosail.messaging.Envelope;
import io.kilosail.messaging.IdempotentConsumer;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.saga.SagaSignals;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

/**
 * Tells a checkout saga how its delivery ended. A shop order's delivery is kept for its saga where it happens, in the
 * courier webhook's transaction ({@link #delivered}); a cancelled one ({@code order.cancelled}, by anyone: the food
 * platform, the system, a courier) arrives here on {@code kilosail.order-events} and becomes a fact for the
 * {@code checkout} saga of the same order id in the inbox transaction, so it is kept once and never lost.
 */
public class CheckoutDeliveryWatcher extends VerticleBase {

  private IdempotentConsumer consumer;
  private Pool pool;
  private CheckoutSettings settings;

  @Override
  public Future<?> start() {
    settings = CheckoutSettings.fromJson(config());
    InfraSettings infra = InfraSettings.fromJson(config());
    pool = Clients.mysqlPool(vertx, infra.mysql());
    consumer = IdempotentConsumer.create(vertx, pool, infra, NodeConfig.fromJson(config()),
        ConsumerSettings.of("checkout-delivery", OrderRepository.ORDER_EVENTS_TOPIC)
            .onlyTypes(OrderRepository.ORDER_CANCELLED),
        this::cancelled);
    return consumer.start();
  }

  @Override
  public Future<?> stop() {
    return consumer.stop().eventually(() -> pool.close());
  }

  private Future<Void> cancelled(SqlConnection conn, Envelope event) {
    JsonObject p = event.payload();
    return settings.platform().equals(p.getString("platform"))
        ? signal(conn, event.aggregateId(), CheckoutSaga.DELIVERY_CANCELLED, new JsonObject()
            .put("reason", "delivery cancelled by " + p.getString("cancelledBy", "?").toLowerCase()
                + (p.getString("reason") == null ? "" : ": " + p.getString("reason"))))
        : Future.succeededFuture();
  }

  /**
   * The delivery of {@code orderId} ended DELIVERED by {@code courierPlatform}, in the transaction {@code conn} is in:
   * when the order is one of our shop's ({@code foodPlatform} is the shop's platform), its checkout saga is told.
   */
  public static Future<Void> delivered(SqlConnection conn, CheckoutSettings settings, String foodPlatform,
                                       String orderId, String courierPlatform) {
    return settings.platform().equals(foodPlatform)
        ? signal(conn, orderId, CheckoutSaga.DELIVERY_DELIVERED, new JsonObject().put("courierPlatform", courierPlatform))
        : Future.succeededFuture();
  }

  private static Future<Void> signal(SqlConnection conn, String orderId, String type, JsonObject payload) {
    return SagaSignals.keep(conn, CheckoutSaga.TYPE, orderId, type, payload.put("orderId", orderId));
  }
}
