package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * Fengniao v3: JSON envelope {@code {app_id, timestamp, business_data, signature}}, the signature a hex SHA-256 of
 * appSecret + the other fields sorted as {@code k=v&k=v}. Simulator choices: answers are
 * {@code {"code":"200","msg":..,"business_data":"{..}"}}, errors {@code {"code":"B01xx","msg":..}} with HTTP
 * 400/401/409; callbacks reuse the envelope with business data {@code {callback_business_type, param}}.
 */
final class FengniaoDialect extends PlatformDialect {

  private final String appId;
  private final String appSecret;

  FengniaoDialect(JsonObject credentials) {
    this.appId = credentials.getString("appId", "fn-sim-app");
    this.appSecret = credentials.getString("appSecret", "fn-sim-secret");
  }

  @Override
  CourierPlatform platform() {
    return CourierPlatform.FENGNIAO;
  }

  @Override
  Map<String, SimOperation> operations() {
    return Map.of(
        "/anubis-webapi/v3/invoke/preCreateOrder", SimOperation.QUOTE,
        "/anubis-webapi/v3/invoke/createOrder", SimOperation.CREATE,
        "/anubis-webapi/v3/invoke/cancelOrder", SimOperation.CANCEL);
  }

  @Override
  JsonObject verifiedPayload(Map<String, String> query, String body) {
    JsonObject envelope = parseJson(body, "request body");
    String signature = requireText(envelope, "signature");
    String business = requireText(envelope, "business_data");
    requireText(envelope, "timestamp");
    if (!appId.equals(requireText(envelope, "app_id"))) {
      throw refusal(401, "unknown app_id");
    }
    Map<String, String> fields = new HashMap<>();
    envelope.forEach(field -> fields.put(field.getKey(), String.valueOf(field.getValue())));
    if (!SimSignatures.matches(SimSignatures.fengniao(appSecret, fields), signature.toLowerCase())) {
      throw refusal(401, "signature error");
    }
    return parseJson(business, "business_data");
  }

  @Override
  String orderIdOfQuote(JsonObject payload) {
    return requireText(payload, "partner_order_code");
  }

  @Override
  boolean createNeedsQuoteToken() {
    return false;
  }

  @Override
  String orderIdOfCreate(JsonObject payload) {
    return requireText(payload, "partner_order_code");
  }

  @Override
  String platformOrderIdOfCancel(JsonObject payload) {
    return requireText(payload, "order_id");
  }

  @Override
  String newId(String kind, long sequence) {
    return "FN" + sequence;
  }

  private static String ok(JsonObject business) {
    return new JsonObject().put("code", "200").put("msg", "success").put("business_data", business.encode()).encode();
  }

  @Override
  String quoteAnswer(long priceFen, int etaSeconds, String quoteToken) {
    return ok(new JsonObject().put("actual_delivery_amount_cent", priceFen).put("estimate_delivery_seconds", etaSeconds));
  }

  @Override
  String createAnswer(SimOrder order) {
    return ok(new JsonObject().put("order_id", order.platformOrderId).put("actual_delivery_amount_cent", order.priceFen));
  }

  @Override
  String cancelAnswer(SimOrder order, long penaltyFen) {
    return ok(new JsonObject().put("order_id", order.platformOrderId));
  }

  @Override
  SimRefusal refusal(int httpStatus, String reason) {
    String code = switch (httpStatus) {
      case 401 -> "B0102";
      case 409 -> "B0103";
      default -> "B0101";
    };
    return new SimRefusal(httpStatus, new JsonObject().put("code", code).put("msg", reason).encode(), reason);
  }

  private static String status(SimEvent event) {
    return switch (event) {
      case ACCEPTED -> "20";
      case ARRIVED_AT_SHOP -> "80";
      case PICKED_UP -> "2";
      case DELIVERED -> "3";
      // Fengniao lists no "rider gave up" status; the order goes back to "accepted by system, no rider".
      case COURIER_GAVE_UP -> "1";
      case NO_COURIER, COURIER_CANCELLED, CANCELLED_BY_MERCHANT -> "4";
      case ABNORMAL -> "5";
    };
  }

  @Override
  SimCallback callback(SimOrder order, SimEvent event, long nowMillis) {
    String status = status(event);
    String business = new JsonObject()
        .put("callback_business_type", "orderStatusNotify")
        .put("param", new JsonObject()
            .put("order_id", order.platformOrderId)
            .put("partner_order_code", order.orderId)
            .put("order_status", Integer.parseInt(status))
            .put("carrier_driver_name", order.courierName)
            .put("carrier_driver_phone", order.courierPhone)
            .put("push_time", nowMillis))
        .encode();
    String timestamp = Long.toString(nowMillis);
    String signature = SimSignatures.fengniao(appSecret,
        Map.of("app_id", appId, "timestamp", timestamp, "business_data", business));
    String body = new JsonObject().put("app_id", appId).put("timestamp", timestamp).put("business_data", business)
        .put("signature", signature).encode();
    return new SimCallback(event, status, "", "", "application/json", body);
  }
}
