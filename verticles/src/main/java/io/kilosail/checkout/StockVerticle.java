package io.kilosail.checkout;

import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.contracts.stock.StockLine;
import io.kilosail.contracts.stock.StockRequest;
import io.kilosail.contracts.stock.StockService;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.saga.SagaBarrier;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;

/**
 * The stock participant of the checkout saga (role {@code stock}): each operation is one transaction through the saga
 * barrier, so a retried or duplicated call moves stock once, and a release that overtakes its reservation makes the
 * late reservation a no-op.
 */
public class StockVerticle extends VerticleBase implements StockService {

  private static final Logger log = LoggerFactory.getLogger(StockVerticle.class);

  private Pool pool;
  private MessageConsumer<JsonObject> consumer;
  private MeterRegistry registry;

  @Override
  public Future<?> start() {
    pool = Clients.mysqlPool(vertx, InfraSettings.fromJson(config()).mysql());
    registry = Meters.registry(NodeConfig.fromJson(config()));
    consumer = new ServiceBinder(vertx).setAddress(ADDRESS).register(StockService.class, this);
    return consumer.completion().onSuccess(x -> log.info("stock service up address={}", ADDRESS));
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister().eventually(() -> pool.close());
  }

  @Override
  public Future<Void> reserve(SagaStep step, StockRequest request) {
    String invalid = invalid(request);
    if (invalid != null) {
      return ServiceException.fail(INVALID_REQUEST, invalid);
    }
    return pool.withTransaction(conn -> SagaBarrier.action(conn, step,
            () -> StockRepository.reserve(conn, request.getOrderId(), request.getLines())))
        .onSuccess(ran -> count("reserve", ran ? "reserved" : "repeated"))
        .onFailure(err -> count("reserve", err instanceof ServiceException e && e.failureCode() == OUT_OF_STOCK
            ? "out_of_stock" : "failed"))
        .mapEmpty();
  }

  @Override
  public Future<Void> commit(SagaStep step, String orderId) {
    return pool.withTransaction(conn -> SagaBarrier.action(conn, step, () -> StockRepository.commit(conn, orderId)))
        .onSuccess(ran -> count("commit", ran ? "committed" : "repeated"))
        .mapEmpty();
  }

  @Override
  public Future<Void> release(SagaStep step, String orderId) {
    return pool.withTransaction(conn -> SagaBarrier.compensation(conn, step,
            () -> StockRepository.release(conn, orderId)
                .onSuccess(n -> log.info("stock released orderId={} lines={} saga={}", orderId, n, step.getSagaId()))))
        .onSuccess(ran -> count("release", ran ? "released" : "repeated"))
        .mapEmpty();
  }

  private void count(String operation, String outcome) {
    registry.counter("kilosail.stock.operations", "operation", operation, "outcome", outcome).increment();
  }

  private static String invalid(StockRequest request) {
    if (request == null || request.getOrderId() == null || request.getLines() == null || request.getLines().isEmpty()) {
      return "a reservation needs an order id and at least one line";
    }
    Set<String> seen = new HashSet<>();
    for (StockLine line : request.getLines()) {
      if (line.getSku() == null || line.getQuantity() < 1) {
        return "every line needs a SKU and a quantity of at least 1";
      }
      if (!seen.add(line.getSku())) {
        return "SKU " + line.getSku() + " appears twice";
      }
    }
    return null;
  }
}
