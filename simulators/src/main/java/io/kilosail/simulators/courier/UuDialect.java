package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * UU v3: JSON envelope {@code {appId, timestamp, biz, sign}}, {@code sign = UPPER(MD5(biz + appKey + timestamp))}.
 * Simulator choices (the reference is silent): errors are {@code {"code":<negative>,"msg":..}} with HTTP 400/401/409,
 * callbacks use the request envelope with {@code changeTime} in epoch millis.
 */
final class UuDialect extends PlatformDialect {

  private final String appId;
  private final String appKey;

  UuDialect(JsonObject credentials) {
    this.appId = credentials.getString("appId", "uu-sim-app");
    this.appKey = credentials.getString("appKey", "uu-sim-key");
  }

  @Override
  CourierPlatform platform() {
    return CourierPlatform.UU;
  }

  @Override
  Map<String, SimOperation> operations() {
    return Map.of(
        "/openapi/v3/getOrderPrice", SimOperation.QUOTE,
        "/openapi/v3/addOrder", SimOperation.CREATE,
        "/openapi/v3/cancelOrder", SimOperation.CANCEL);
  }

  @Override
  JsonObject verifiedPayload(Map<String, String> query, String body) {
    JsonObject envelope = parseJson(body, "request body");
    String biz = requireText(envelope, "biz");
    String timestamp = requireText(envelope, "timestamp");
    String sign = requireText(envelope, "sign");
    if (!appId.equals(requireText(envelope, "appId"))) {
      throw refusal(401, "unknown appId");
    }
    if (!SimSignatures.matches(SimSignatures.uu(biz, appKey, timestamp), sign.toUpperCase())) {
      throw refusal(401, "sign error");
    }
    return parseJson(biz, "biz");
  }

  @Override
  String orderIdOfQuote(JsonObject payload) {
    return requireText(payload, "originId");
  }

  @Override
  boolean createNeedsQuoteToken() {
    return true;
  }

  @Override
  String quoteTokenOfCreate(JsonObject payload) {
    return requireText(payload, "priceToken");
  }

  @Override
  String orderIdOfCreate(JsonObject payload) {
    return requireText(payload, "originId");
  }

  @Override
  String platformOrderIdOfCancel(JsonObject payload) {
    return requireText(payload, "orderCode");
  }

  @Override
  String newId(String kind, long sequence) {
    return ("quote".equals(kind) ? "uu-pt-" : "UU") + sequence;
  }

  private static String ok(JsonObject data) {
    return new JsonObject().put("code", 0).put("msg", "ok").put("data", data).encode();
  }

  @Override
  String quoteAnswer(long priceFen, int etaSeconds, String quoteToken) {
    return ok(new JsonObject().put("priceToken", quoteToken).put("orderPrice", priceFen).put("expectedSeconds", etaSeconds));
  }

  @Override
  String createAnswer(SimOrder order) {
    return ok(new JsonObject().put("orderCode", order.platformOrderId).put("orderPrice", order.priceFen));
  }

  @Override
  String cancelAnswer(SimOrder order, long penaltyFen) {
    return ok(new JsonObject().put("orderCode", order.platformOrderId));
  }

  @Override
  SimRefusal refusal(int httpStatus, String reason) {
    int code = switch (httpStatus) {
      case 401 -> -101;
      case 409 -> -103;
      default -> -102;
    };
    return new SimRefusal(httpStatus, new JsonObject().put("code", code).put("msg", reason).encode(), reason);
  }

  private static String state(SimEvent event) {
    return switch (event) {
      case ACCEPTED -> "3";
      case ARRIVED_AT_SHOP -> "4";
      case PICKED_UP -> "5";
      case DELIVERED -> "10";
      case COURIER_GAVE_UP -> "2";
      case NO_COURIER -> "-3";
      case COURIER_CANCELLED -> "-2";
      case CANCELLED_BY_MERCHANT -> "-1";
      case ABNORMAL -> null;
    };
  }

  @Override
  SimCallback callback(SimOrder order, SimEvent event, long nowMillis) {
    String state = state(event);
    if (state == null) {
      return null;
    }
    String biz = new JsonObject()
        .put("orderCode", order.platformOrderId)
        .put("originId", order.orderId)
        .put("state", Integer.parseInt(state))
        .put("driverName", order.courierName)
        .put("driverMobile", order.courierPhone)
        .put("changeTime", nowMillis)
        .encode();
    String timestamp = Long.toString(nowMillis / 1000);
    String body = new JsonObject().put("appId", appId).put("timestamp", timestamp).put("biz", biz)
        .put("sign", SimSignatures.uu(biz, appKey, timestamp)).encode();
    return new SimCallback(event, state, "", "", "application/json", body);
  }
}
