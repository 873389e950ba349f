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
import io.vertx.sqlclient.Tuple;

/**
 * Tells a checkout saga how its delivery ended: a shop order delivered ({@code order.courier-state-changed} to
 * DELIVERED) or cancelled ({@code order.cancelled}, by anyone) becomes a saga signal for the {@code checkout} saga of
 * the same order id, written in the inbox transaction, so it is sent once and never lost.
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
            .onlyTypes(OrderRepository.COURIER_STATE_CHANGED, OrderRepository.ORDER_CANCELLED),
        this::observe);
    return consumer.start();
  }

  @Override
  public Future<?> stop() {
    return consumer.stop().eventually(() -> pool.close());
  }

  private Future<Void> observe(SqlConnection conn, Envelope event) {
    JsonObject p = event.payload();
    if (OrderRepository.ORDER_CANCELLED.equals(event.type())) {
      return settings.platform().equals(p.getString("platform"))
          ? signal(conn, event.aggregateId(), CheckoutSaga.DELIVERY_CANCELLED, new JsonObject()
              .put("reason", "delivery cancelled by " + p.getString("cancelledBy", "?").toLowerCase()
                  + (p.getString("reason") == null ? "" : ": " + p.getString("reason"))))
          : Future.succeededFuture();
    }
    if (!"DELIVERED".equals(p.getString("to"))) {
      return Future.succeededFuture();
    }
    // The courier's event does not name the food platform: a checkout order with this id says it is ours.
    return conn.preparedQuery("SELECT 1 FROM checkout_order WHERE id = ?").execute(Tuple.of(event.aggregateId()))
        .compose(rows -> rows.size() == 0 ? Future.succeededFuture()
            : signal(conn, event.aggregateId(), CheckoutSaga.DELIVERY_DELIVERED,
                new JsonObject().put("courierPlatform", p.getString("platform"))));
  }

  private static Future<Void> signal(SqlConnection conn, String orderId, String type, JsonObject payload) {
    return SagaSignals.keep(conn, CheckoutSaga.TYPE, orderId, type, payload.put("orderId", orderId));
  }
}
