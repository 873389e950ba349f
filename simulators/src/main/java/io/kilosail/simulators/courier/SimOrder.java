package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** One order on a simulated platform. Touched only on the simulator's event loop. */
final class SimOrder {

  final CourierPlatform platform;
  final String platformOrderId;
  final String orderId;
  final long priceFen;
  /** The account the order was placed under (UU openId, Shansong shopId, SF shop_id, Fengniao store code). */
  String account;
  SimEvent lastEvent;
  boolean finished;
  int giveUps;
  String courierName;
  String courierPhone;
  long penaltyFen;
  /** The courier brought the goods back to the merchant instead of delivering them (SF reports it; see SimBehaviour). */
  boolean returnedToMerchant;
  /** The tips added to the order, in total, and each one with the caller's key (null when it gave none). */
  long tipsFen;
  final JsonArray tips = new JsonArray();
  /** No courier takes the order until its tips reach the behaviour's acceptOnlyWithTipFen. */
  boolean waitingForTip;
  /** A callback held back to be sent after the next one, when out-of-order delivery is on. */
  SimCallback heldBack;
  final JsonArray sent = new JsonArray();
  /** The last callback delivery in flight: the next one waits for it, so an order's callbacks arrive in order. */
  Future<Void> deliveries = Future.succeededFuture();

  SimOrder(CourierPlatform platform, String platformOrderId, String orderId, long priceFen) {
    this.platform = platform;
    this.platformOrderId = platformOrderId;
    this.orderId = orderId;
    this.priceFen = priceFen;
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("platform", platform.id())
        .put("platformOrderId", platformOrderId)
        .put("orderId", orderId)
        .put("priceFen", priceFen)
        .put("account", account)
        .put("lastEvent", lastEvent == null ? null : lastEvent.name())
        .put("finished", finished)
        .put("penaltyFen", penaltyFen)
        .put("returnedToMerchant", returnedToMerchant)
        .put("tipsFen", tipsFen)
        .put("tips", tips.copy())
        .put("callbacks", sent.copy());
  }
}
