package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Shansong: form POSTs of {@code clientId, shopId, timestamp, data, sign}. Placing an order quotes back the order
 * number of its price calculation, which becomes the order's id. Simulator choices: errors are
 * {@code {"status":<code>,"msg":..}} with HTTP 400/401/409; callbacks are form POSTs signed like requests, the
 * callback JSON in {@code data}, {@code timestamp} in epoch millis; Shansong has no "at shop" status.
 */
final class ShansongDialect extends PlatformDialect {

  private final String clientId;
  private final String shopId;
  private final String appSecret;

  ShansongDialect(JsonObject credentials) {
    this.clientId = credentials.getString("clientId", "ss-sim-client");
    this.shopId = credentials.getString("shopId", "ss-sim-shop");
    this.appSecret = credentials.getString("appSecret", "ss-sim-secret");
  }

  @Override
  CourierPlatform platform() {
    return CourierPlatform.SHANSONG;
  }

  @Override
  Map<String, SimOperation> operations() {
    return Map.of(
        "/openapi/merchants/v5/orderCalculate", SimOperation.QUOTE,
        "/openapi/merchants/v5/orderPlace", SimOperation.CREATE,
        "/openapi/merchants/v5/abortOrder", SimOperation.CANCEL);
  }

  private Map<String, String> form(String body) {
    Map<String, String> fields = new HashMap<>();
    if (body == null || body.isBlank()) {
      throw refusal(400, "empty form body");
    }
    for (String pair : body.split("&")) {
      String[] kv = pair.split("=", 2);
      try {
        fields.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
            kv.length < 2 ? "" : URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw refusal(400, "bad form encoding");
      }
    }
    return fields;
  }

  private String requireField(Map<String, String> form, String field) {
    String value = form.get(field);
    if (value == null || value.isBlank()) {
      throw refusal(400, "missing field " + field);
    }
    return value;
  }

  @Override
  JsonObject verifiedPayload(Map<String, String> query, String body) {
    Map<String, String> form = form(body);
    String data = requireField(form, "data");
    String timestamp = requireField(form, "timestamp");
    String sign = requireField(form, "sign");
    if (!clientId.equals(requireField(form, "clientId")) || !shopId.equals(requireField(form, "shopId"))) {
      throw refusal(401, "unknown clientId or shopId");
    }
    if (!SimSignatures.matches(SimSignatures.shansong(appSecret, clientId, shopId, data, timestamp), sign.toUpperCase())) {
      throw refusal(401, "签名错误 (sign mismatch)");
    }
    return parseJson(data, "data");
  }

  @Override
  String orderIdOfQuote(JsonObject payload) {
    JsonArray receivers = payload.getValue("receiverList") instanceof JsonArray list ? list : null;
    if (receivers == null || receivers.isEmpty() || !(receivers.getValue(0) instanceof JsonObject receiver)) {
      throw refusal(400, "missing field receiverList");
    }
    return requireText(receiver, "orderNo");
  }

  @Override
  boolean createNeedsQuoteToken() {
    return true;
  }

  @Override
  String quoteTokenOfCreate(JsonObject payload) {
    return requireText(payload, "issOrderNo");
  }

  @Override
  String orderIdOfCreate(JsonObject payload) {
    return null;
  }

  @Override
  boolean quoteTokenIsPlatformOrderId() {
    return true;
  }

  @Override
  String platformOrderIdOfCancel(JsonObject payload) {
    return requireText(payload, "issOrderNo");
  }

  @Override
  String newId(String kind, long sequence) {
    return "TDH" + sequence;
  }

  private static String ok(JsonObject data) {
    return new JsonObject().put("status", 200).put("msg", "OK").put("data", data).encode();
  }

  @Override
  String quoteAnswer(long priceFen, int etaSeconds, String quoteToken) {
    return ok(new JsonObject().put("orderNumber", quoteToken).put("totalAmount", priceFen)
        .put("estimateDeliverySeconds", etaSeconds));
  }

  @Override
  String createAnswer(SimOrder order) {
    return ok(new JsonObject().put("orderNumber", order.platformOrderId).put("totalAmount", order.priceFen));
  }

  @Override
  String cancelAnswer(SimOrder order, long penaltyFen) {
    return ok(new JsonObject()
        .put("issOrderNo", order.platformOrderId)
        .put("deductAmount", penaltyFen)
        .put("abortType", 1)
        .put("punishType", penaltyFen > 0 ? 1 : 0)
        .put("sendBackFee", 0));
  }

  @Override
  SimRefusal refusal(int httpStatus, String reason) {
    return new SimRefusal(httpStatus, new JsonObject().put("status", httpStatus).put("msg", reason).encode(), reason);
  }

  private static String status(SimEvent event) {
    return switch (event) {
      case ACCEPTED -> "30";
      case PICKED_UP -> "40";
      case DELIVERED -> "50";
      case COURIER_GAVE_UP -> "20";
      case NO_COURIER, COURIER_CANCELLED, CANCELLED_BY_MERCHANT -> "60";
      case ARRIVED_AT_SHOP, ABNORMAL -> null;
    };
  }

  @Override
  SimCallback callback(SimOrder order, SimEvent event, long nowMillis) {
    String status = status(event);
    if (status == null) {
      return null;
    }
    JsonObject data = new JsonObject()
        .put("issOrderNo", order.platformOrderId)
        .put("orderNo", order.orderId)
        .put("status", Integer.parseInt(status))
        .put("subStatus", 1)
        .put("courier", new JsonObject().put("name", order.courierName).put("mobile", order.courierPhone)
            .put("latitude", 39.91).put("longitude", 116.46));
    if (event.isTerminal() && event != SimEvent.DELIVERED) {
      data.put("deductAmount", order.penaltyFen)
          .put("punishType", order.penaltyFen > 0 ? 1 : 0)
          .put("abortReason", event.name().toLowerCase())
          .put("drawback", Math.max(0, order.priceFen - order.penaltyFen));
    }
    String json = data.encode();
    String timestamp = Long.toString(nowMillis);
    String sign = SimSignatures.shansong(appSecret, clientId, shopId, json, timestamp);
    String body = "clientId=" + enc(clientId) + "&shopId=" + enc(shopId) + "&timestamp=" + timestamp
        + "&data=" + enc(json) + "&sign=" + sign;
    return new SimCallback(event, status, "", "", "application/x-www-form-urlencoded", body);
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
