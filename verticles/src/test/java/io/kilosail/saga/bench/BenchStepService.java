package io.kilosail.saga.bench;

import io.kilosail.contracts.saga.SagaStep;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** A benchmark participant: its action is one INSERT, its compensation one DELETE, each with the saga barrier. */
@ProxyGen
@VertxGen
public interface BenchStepService {

  static BenchStepService createProxy(Vertx vertx, String address) {
    return new BenchStepServiceVertxEBProxy(vertx, address);
  }

  Future<Void> apply(SagaStep step, String key, long amount);

  Future<Void> undo(SagaStep step, String key, long amount);
}
