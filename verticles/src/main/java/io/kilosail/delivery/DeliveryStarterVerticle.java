package io.kilosail.delivery;

import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.contracts.saga.SagaView;
import io.kilosail.infra.Clients;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.Proxies;
import io.kilosail.intake.OrderRepository;
import io.kilosail.messaging.ConsumerSettings;
import io.kilosail.messaging.Envelope;
import io.kilosail.messaging.IdempotentConsumer;
import io.kilosail.platform.settings.InfraSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls an order's delivery saga off when its food platform cancels the order ({@code order.cancelled} by PLATFORM);
 * idempotent per order, so a record delivered twice has one effect. (The saga itself starts in the intake transaction,
 * with its order: see {@code OrderRepository.receive}.)
 */
public class DeliveryStarterVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(DeliveryStarterVerticle.class);

  private IdempotentConsumer consumer;
  private SagaCoordinatorService coordinator;

  @Override
  public Future<?> start() {
    InfraSettings infra = InfraSettings.fromJson(config());
    coordinator = Proxies.sagaCoordinator(vertx);
    consumer = IdempotentConsumer.create(vertx, Clients.mysqlPool(vertx, infra.mysql()), infra,
        NodeConfig.fromJson(config()), ConsumerSettings.of("delivery-starter", OrderRepository.ORDER_EVENTS_TOPIC)
            .onlyTypes(OrderRepository.ORDER_CANCELLED),
        this::cancelled);
    return consumer.start();
  }

  @Override
  public Future<?> stop() {
    return consumer.stop();
  }

  private Future<Void> cancelled(Envelope event) {
    if (CancellationPolicy.By.PLATFORM.name().equals(event.payload().getString("cancelledBy"))) {
      return callOff(event.aggregateId());
    }
    return Future.succeededFuture();
  }

  /**
   * The food platform cancelled: the saga stops and compensates (every courier is called off). A saga that has ended
   * or is compensating already, or has not started (its first step will find the order cancelled), needs nothing.
   */
  private Future<Void> callOff(String orderId) {
    return coordinator.findByBusinessKey(orderId).compose(sagas -> {
      Future<Void> all = Future.succeededFuture();
      for (SagaView saga : sagas) {
        if (DeliverySaga.TYPE.equals(saga.getSagaType())
            && ("RUNNING".equals(saga.getState()) || "WAITING".equals(saga.getState()))) {
          all = all.compose(x -> coordinator.forceCompensate(saga.getId())
              .onSuccess(v -> log.info("delivery saga called off id={} orderId={}: the food platform cancelled",
                  saga.getId(), orderId))
              .<Void>mapEmpty()
              .recover(err -> err instanceof ServiceException e
                  && e.failureCode() == SagaCoordinatorService.SAGA_NOT_IN_THAT_STATE
                  ? Future.succeededFuture() : Future.failedFuture(err)));
        }
      }
      return all;
    });
  }
}
