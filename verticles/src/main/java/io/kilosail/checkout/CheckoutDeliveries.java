package io.kilosail.checkout;

import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.saga.SagaSignals;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;

/**
 * Tells a checkout saga how its delivery ended, where that happens and in the same transaction: the courier webhook's
 * for a delivery ({@link #delivered}), the cancellation's for a cancel ({@link #cancelled}). The fact is kept for the
 * {@code checkout} saga of the same order id ({@link SagaSignals#keep}), so it is recorded once, with the change that
 * caused it, and never lost. Orders of the food platforms are not ours: nothing is written for them.
 */
public final class CheckoutDeliveries {

  private CheckoutDeliveries() {
  }

  /**
   * The delivery of {@code orderId} was cancelled by {@code by}, in the transaction {@code conn} is in: when the order
   * is one of our shop's, its checkout saga is told.
   */
  public static Future<Void> cancelled(SqlConnection conn, CheckoutSettings settings, String foodPlatform,
                                       String orderId, CancellationPolicy.By by, String reason) {
    return settings.platform().equals(foodPlatform)
        ? signal(conn, orderId, CheckoutSaga.DELIVERY_CANCELLED, new JsonObject().put("reason",
            "delivery cancelled by " + by.name().toLowerCase() + (reason == null ? "" : ": " + reason)))
        : Future.succeededFuture();
  }

  /**
   * The delivery of {@code orderId} ended DELIVERED by {@code courierPlatform}, in the transaction {@code conn} is in:
   * when the order is one of our shop's ({@code foodPlatform} is the shop's platform), its checkout saga is told.
   */
  public static Future<Void> delivered(SqlConnection conn, CheckoutSettings settings, String foodPlatform,
                                       String orderId, String courierPlatform) {
    return settings.platform().equals(foodPlatform)
        ? signal(conn, orderId, CheckoutSaga.DELIVERY_DELIVERED, new JsonObject().put("courierPlatform", courierPlatform))
        : Future.succeededFuture();
  }

  private static Future<Void> signal(SqlConnection conn, String orderId, String type, JsonObject payload) {
    return SagaSignals.keep(conn, CheckoutSaga.TYPE, orderId, type, payload.put("orderId", orderId));
  }
}
