package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * SF same-city: JSON bodies with {@code ?sign=Base64(hexMD5(body&devId&devKey))}. Callbacks go to one URL per kind
 * (status, complete, cancel, rider withdrew, exception), signed the same way. Simulator choices: errors are
 * {@code {"error_code":<code>,"error_msg":..}} with HTTP 400/401/409; {@code push_time} in epoch seconds.
 */
final class SfDialect extends PlatformDialect {

  private final String devId;
  private final String devKey;

  SfDialect(JsonObject credentials) {
    this.devId = credentials.getString("devId", "sf-sim-dev");
    this.devKey = credentials.getString("devKey", "sf-sim-key");
  }

  @Override
  CourierPlatform platform() {
    return CourierPlatform.SF;
  }

  @Override
  Map<String, SimOperation> operations() {
    return Map.of(
        "/open/api/external/precreateorder", SimOperation.QUOTE,
        "/open/api/external/createorder", SimOperation.CREATE,
        "/open/api/external/cancelorder", SimOperation.CANCEL);
  }

  @Override
  JsonObject verifiedPayload(Map<String, String> query, String body) {
    String sign = query.get("sign");
    if (sign == null || sign.isBlank()) {
      throw refusal(401, "missing sign");
    }
    if (!SimSignatures.matches(SimSignatures.sf(body == null ? "" : body, devId, devKey), sign)) {
      throw refusal(401, "sign error");
    }
    JsonObject payload = parseJson(body, "request body");
    if (!devId.equals(requireText(payload, "dev_id"))) {
      throw refusal(401, "unknown dev_id");
    }
    return payload;
  }

  @Override
  String orderIdOfQuote(JsonObject payload) {
    return payload.getValue("shop_order_id") == null ? null : payload.getValue("shop_order_id").toString();
  }

  @Override
  boolean createNeedsQuoteToken() {
    return false;
  }

  @Override
  String orderIdOfCreate(JsonObject payload) {
    return requireText(payload, "shop_order_id");
  }

  @Override
  String platformOrderIdOfCancel(JsonObject payload) {
    return requireText(payload, "order_id");
  }

  @Override
  String newId(String kind, long sequence) {
    return "SF" + sequence;
  }

  private static String ok(JsonObject result) {
    return new JsonObject().put("error_code", 0).put("error_msg", "success").put("result", result).encode();
  }

  @Override
  String quoteAnswer(long priceFen, int etaSeconds, String quoteToken) {
    return ok(new JsonObject().put("total_price", priceFen).put("expect_seconds", etaSeconds)
        .put("delivery_distance_meter", 2300));
  }

  @Override
  String createAnswer(SimOrder order) {
    return ok(new JsonObject().put("sf_order_id", order.platformOrderId).put("sf_bill_id", "JS" + order.platformOrderId)
        .put("shop_order_id", order.orderId).put("total_price", order.priceFen));
  }

  @Override
  String cancelAnswer(SimOrder order, long penaltyFen) {
    return ok(new JsonObject().put("sf_order_id", order.platformOrderId).put("shop_order_id", order.orderId));
  }

  @Override
  SimRefusal refusal(int httpStatus, String reason) {
    int code = switch (httpStatus) {
      case 401 -> 1002;
      case 409 -> 1003;
      default -> 1001;
    };
    return new SimRefusal(httpStatus, new JsonObject().put("error_code", code).put("error_msg", reason).encode(), reason);
  }

  @Override
  SimCallback callback(SimOrder order, SimEvent event, long nowMillis) {
    String status;
    String suffix;
    String urlIndex;
    switch (event) {
      case ACCEPTED -> { status = "10"; suffix = "/status"; urlIndex = "rider_status"; }
      case ARRIVED_AT_SHOP -> { status = "12"; suffix = "/status"; urlIndex = "rider_status"; }
      case PICKED_UP -> { status = "15"; suffix = "/status"; urlIndex = "rider_status"; }
      case DELIVERED -> { status = "17"; suffix = "/complete"; urlIndex = "order_complete"; }
      case COURIER_GAVE_UP -> { status = "22"; suffix = "/rider-withdrew"; urlIndex = "rider_recall"; }
      case NO_COURIER, COURIER_CANCELLED, CANCELLED_BY_MERCHANT -> { status = "2"; suffix = "/cancel"; urlIndex = "sf_cancel"; }
      case ABNORMAL -> { status = "91"; suffix = "/exception"; urlIndex = "order_exception"; }
      default -> throw new IllegalStateException("unhandled event " + event);
    }
    JsonObject body = new JsonObject()
        .put("sf_order_id", order.platformOrderId)
        .put("shop_order_id", order.orderId)
        .put("url_index", urlIndex)
        .put("order_status", Integer.parseInt(status))
        .put("status_desc", event.name().toLowerCase())
        .put("operator_name", order.courierName)
        .put("operator_phone", order.courierPhone)
        .put("rider_lng", 116.46)
        .put("rider_lat", 39.91)
        .put("push_time", nowMillis / 1000);
    if (event == SimEvent.ABNORMAL) {
      body.put("ex_id", 2001).put("ex_content", "simulated exception");
    }
    String json = body.encode();
    String query = "?sign=" + URLEncoder.encode(SimSignatures.sf(json, devId, devKey), StandardCharsets.UTF_8);
    return new SimCallback(event, status, suffix, query, "application/json", json);
  }
}
