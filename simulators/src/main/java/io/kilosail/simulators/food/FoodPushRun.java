package io.kilosail.simulators.food;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * One {@code POST /_control/food/push}: how far it got. {@code pushed} counts requests sent, {@code accepted} the 2xx
 * answers (202 new, 200 already known), {@code failed} everything else (non-2xx or no answer); the run is done when
 * {@code accepted + failed == count}. Touched only on the simulator's event loop.
 */
final class FoodPushRun {

  /** Enough to see what went wrong without a failing run of 100,000 orders filling the answer. */
  static final int MAX_ERRORS = 5;
  private static final int MAX_ERROR_BODY = 1000;

  final String runId;
  final String platform;
  final FoodOrders.City city;
  final int count;
  final double ratePerSecond;
  final Instant startedAt;
  final long startedNanos;
  /** Prefix of this run's platform order ids, e.g. {@code MT-mbx3k2a1qz-}; the number follows. */
  final String idPrefix;
  /** The pacing timer, -1 once every order is sent. */
  long timerId = -1;
  Instant finishedAt;
  int pushed;
  int accepted;
  int failed;
  int inFlight;
  final JsonArray errors = new JsonArray();
  final JsonArray orders = new JsonArray();

  FoodPushRun(String runId, String platform, FoodOrders.City city, int count, double ratePerSecond, Instant startedAt,
              long startedNanos, String idPrefix) {
    this.runId = runId;
    this.platform = platform;
    this.city = city;
    this.count = count;
    this.ratePerSecond = ratePerSecond;
    this.startedAt = startedAt;
    this.startedNanos = startedNanos;
    this.idPrefix = idPrefix;
  }

  boolean done() {
    return accepted + failed == count;
  }

  void accepted(String platformOrderId, String orderId) {
    accepted++;
    orders.add(new JsonObject().put("platformOrderId", platformOrderId).put("orderId", orderId));
  }

  void failed(String platformOrderId, Integer status, String detail) {
    failed++;
    if (errors.size() < MAX_ERRORS) {
      String text = detail == null ? "" : detail;
      errors.add(new JsonObject().put("platformOrderId", platformOrderId).put("status", status)
          .put("body", text.length() > MAX_ERROR_BODY ? text.substring(0, MAX_ERROR_BODY) + "…" : text));
    }
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("runId", runId)
        .put("platform", platform)
        .put("city", city.key())
        .put("cityCode", city.code())
        .put("count", count)
        .put("ratePerSecond", ratePerSecond)
        .put("state", done() ? "DONE" : "RUNNING")
        .put("startedAt", startedAt.toString())
        .put("finishedAt", finishedAt == null ? null : finishedAt.toString())
        .put("pushed", pushed)
        .put("inFlight", inFlight)
        .put("accepted", accepted)
        .put("failed", failed)
        .put("errors", errors.copy())
        .put("orders", orders.copy());
  }
}
