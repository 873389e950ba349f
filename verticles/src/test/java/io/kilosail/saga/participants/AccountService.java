package io.kilosail.saga.participants;

import io.kilosail.contracts.saga.SagaStep;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Seed 003's account service: reserves credit for an order, releases it on compensation. */
@ProxyGen
@VertxGen
public interface AccountService {

  String ADDRESS = "test.account";
  int CUSTOMER_NOT_FOUND = 2001;
  int CREDIT_LIMIT_EXCEEDED = 2002;

  static AccountService createProxy(Vertx vertx) {
    return new AccountServiceVertxEBProxy(vertx, ADDRESS);
  }

  Future<Void> reserveCredit(SagaStep step, String customerId, long amount);

  Future<Void> releaseCredit(SagaStep step, String customerId, long amount);
}
