package io.kilosail.saga.participants;

import io.kilosail.contracts.saga.SagaStep;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Seed 003's goods service: reserves stock for an order, releases it on compensation. */
@ProxyGen
@VertxGen
public interface GoodsService {

  String ADDRESS = "test.goods";
  int GOODS_NOT_FOUND = 1001;
  int GOODS_STOCK_LIMIT = 1002;

  static GoodsService createProxy(Vertx vertx) {
    return new GoodsServiceVertxEBProxy(vertx, ADDRESS);
  }

  Future<Void> reserve(SagaStep step, long goodsId, int quantity);

  Future<Void> release(SagaStep step, long goodsId, int quantity);
}
