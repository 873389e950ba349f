package io.kilosail.contracts.saga;

import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The saga coordinator: starts sagas, feeds them external facts, and lets operators look at and act on them.
 * Failures cross the bus as {@code ServiceException} with one of the codes below; a code 4xxx means HTTP status xxx
 * to the HTTP adapters (4404: not found).
 */
@ProxyGen
@VertxGen
public interface SagaCoordinatorService {

  String ADDRESS = "kilosail.saga.coordinator";

  int UNKNOWN_SAGA_TYPE = 4400;
  int INVALID_SAGA_DATA = 4422;
  int SAGA_NOT_FOUND = 4404;
  int SAGA_NOT_IN_THAT_STATE = 4409;

  static SagaCoordinatorService createProxy(Vertx vertx, String address) {
    return new SagaCoordinatorServiceVertxEBProxy(vertx, address);
  }

  /**
   * Starts a saga of {@code sagaType} for {@code businessKey} (e.g. an order id) with its initial data. Idempotent:
   * starting the same type and key again returns the first saga's id and starts nothing.
   */
  Future<String> start(String sagaType, String businessKey, JsonObject data);

  /**
   * Delivers an external fact (e.g. a webhook event) to the saga of {@code sagaType} and {@code businessKey}. A saga
   * that waits for {@code eventType} resumes; any other saga ignores it (duplicates and late facts change nothing).
   * Answers whether a waiting saga took it.
   */
  Future<Boolean> signal(String sagaType, String businessKey, String eventType, JsonObject payload);

  Future<SagaView> find(String sagaId);

  Future<List<SagaView>> findByBusinessKey(String businessKey);

  /** Resumes a FAILED saga: its compensations (or its failed step) are tried again. */
  Future<SagaView> retry(String sagaId);

  /** Stops a running or waiting saga's forward path and compensates what it has done. */
  Future<SagaView> forceCompensate(String sagaId);
}
