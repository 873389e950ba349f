package io.kilosail.delivery;

import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.infra.Clients;
import io.kilosail.infra.NodeConfig;
import io.kilosail.intake.OrderRepository;
import io.kilosail.messaging.ConsumerSettings;
import io.kilosail.messaging.Envelope;
import io.kilosail.messaging.IdempotentConsumer;
import io.kilosail.platform.settings.InfraSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.SqlConnection;

/**
 * Starts a delivery saga for every order intake committed ({@code order.received}). Starting is idempotent per order,
 * so a record delivered twice, or a start whose inbox write failed and is retried, starts one saga.
 */
public class DeliveryStarterVerticle extends VerticleBase {

  private IdempotentConsumer consumer;
  private SagaCoordinatorService coordinator;

  @Override
  public Future<?> start() {
    InfraSettings infra = InfraSettings.fromJson(config());
    coordinator = SagaCoordinatorService.createProxy(vertx, SagaCoordinatorService.ADDRESS);
    consumer = IdempotentConsumer.create(vertx, Clients.mysqlPool(vertx, infra.mysql()), infra,
        NodeConfig.fromJson(config()), ConsumerSettings.of("delivery-starter", OrderRepository.ORDER_EVENTS_TOPIC),
        this::received);
    return consumer.start();
  }

  @Override
  public Future<?> stop() {
    return consumer.stop();
  }

  private Future<Void> received(SqlConnection conn, Envelope event) {
    if (!OrderRepository.ORDER_RECEIVED.equals(event.type())) {
      return Future.succeededFuture();
    }
    return coordinator.start(DeliverySaga.TYPE, event.aggregateId(), DeliverySaga.dataOf(event.payload())).mapEmpty();
  }
}
