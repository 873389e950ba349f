package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Shansong merchants API v5 as the corrected reference describes it (shared/reference/third-parties.md, from
 * Shansong's own CLI shansongtech/iss-open-cli and the meiquan aggregator): form POSTs of
 * {@code clientId, shopId, timestamp (ms), data, sign}, {@code sign = UPPER(MD5(appSecret + "clientId" + clientId +
 * ["data" + data] + "shopId" + shopId + "timestamp" + timestamp))}; answers {@code {status: 200, msg, data}}. The quote
 * answers {@code orderNumber, totalAmount, totalFeeAfterSave, estimateGrabSecond, estimateReceiveSecond}; placing
 * quotes back the order number, which becomes the order's id; {@code abortOrder} states {@code deductAmount};
 * {@code orderInfo} answers by {@code issOrderNo} or {@code thirdOrderNo}. Coordinates are BD-09.
 *
 * <p>Callbacks are unsigned JSON POSTs: {@code issOrderNo, orderNo, status, statusDesc, subStatus,
 * courier {name, mobile, latitude, longitude (BD-09)}}, and on cancellation {@code abortType, deductAmount}; the
 * expected reply is {@code {"status":200,"msg":"","data":""}}. Shansong has no "at shop" status.
 *
 * <p>Simulator choices where the reference is silent: errors are {@code {"status": <code>, "msg"}} with HTTP
 * 400/401/404/409; {@code totalAmount} is the price before a simulated 200-fen coupon, {@code totalFeeAfterSave} the
 * behaviour's price, and the place answer restates both; a courier giving an order up sends it back to 20; the
 * courier is reported at the shop's position until pickup, then at the customer's.
 */
final class ShansongDialect extends PlatformDialect {

  private final String clientId;
  private final String shopId;
  private final String appSecret;
  /** Where each quoted order's shop and customer are (BD-09, as sent), by our order id, for courier positions. */
  private final Map<String, double[]> places = new java.util.LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
      return size() > 100_000;
    }
  };

  ShansongDialect(JsonObject credentials) {
    this.clientId = credentials.getString("clientId", "ss-sim-client");
    this.shopId = credentials.getString("shopId", "ss-sim-shop");
    loadAccounts(credentials);
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
        "/openapi/merchants/v5/abortOrder", SimOperation.CANCEL,
        "/openapi/merchants/v5/orderInfo", SimOperation.DETAIL);
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
    String store = requireField(form, "shopId");
    if (!clientId.equals(requireField(form, "clientId")) || !shopId.equals(store) && !extraAccounts.contains(store)) {
      throw refusal(401, "unknown clientId or shopId");
    }
    if (!SimSignatures.matches(SimSignatures.shansong(appSecret, clientId, store, data, timestamp), sign)) {
      throw refusal(401, "签名错误 (sign mismatch)");
    }
    return parseJson(data, "data").put(ACCOUNT, store);
  }

  @Override
  String orderIdOfQuote(JsonObject payload) {
    JsonArray receivers = payload.getValue("receiverList") instanceof JsonArray list ? list : null;
    if (receivers == null || receivers.isEmpty() || !(receivers.getValue(0) instanceof JsonObject receiver)) {
      throw refusal(400, "missing field receiverList");
    }
    JsonObject sender = payload.getValue("sender") instanceof JsonObject s ? s : null;
    requireText(payload, "cityName");
    String orderId = requireText(receiver, "orderNo");
    places.put(orderId, new double[] {
        degrees(sender, "fromLatitude"), degrees(sender, "fromLongitude"),
        degrees(receiver, "toLatitude"), degrees(receiver, "toLongitude")});
    return orderId;
  }

  private double degrees(JsonObject json, String field) {
    try {
      return Double.parseDouble(requireText(json, field));
    } catch (NumberFormatException e) {
      throw refusal(400, field + " is not a number");
    }
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
  String platformOrderIdOfDetail(JsonObject payload) {
    Object iss = payload.getValue("issOrderNo");
    if (iss == null || iss.toString().isBlank()) {
      requireText(payload, "thirdOrderNo");
      return null;
    }
    return iss.toString();
  }

  @Override
  String orderIdOfDetail(JsonObject payload) {
    return requireText(payload, "thirdOrderNo");
  }

  @Override
  String newId(String kind, long sequence) {
    return "TDH" + sequence;
  }

  static final long COUPON_FEN = 200;

  private static String ok(JsonObject data) {
    return new JsonObject().put("status", 200).put("msg", "").put("data", data).encode();
  }

  @Override
  String quoteAnswer(long priceFen, int etaSeconds, String quoteToken) {
    return ok(new JsonObject().put("orderNumber", quoteToken).put("totalDistance", 2600)
        .put("totalAmount", priceFen + COUPON_FEN).put("couponSaveFee", COUPON_FEN).put("totalFeeAfterSave", priceFen)
        .put("estimateGrabSecond", Math.min(300, etaSeconds)).put("estimateReceiveSecond", etaSeconds));
  }

  @Override
  String createAnswer(SimOrder order) {
    return ok(new JsonObject().put("orderNumber", order.platformOrderId)
        .put("totalAmount", order.priceFen + COUPON_FEN).put("couponSaveFee", COUPON_FEN)
        .put("totalFeeAfterSave", order.priceFen));
  }

  @Override
  String detailAnswer(SimOrder order) {
    String status = order.lastEvent == null ? "20" : status(order.lastEvent);
    JsonObject data = new JsonObject()
        .put("issOrderNo", order.platformOrderId)
        .put("orderNo", order.orderId)
        .put("orderStatus", Integer.parseInt(status == null ? "30" : status))
        .put("totalAmount", order.priceFen + COUPON_FEN)
        .put("totalFeeAfterSave", order.priceFen);
    if (order.courierName != null) {
      data.put("courier", courier(order));
    }
    return ok(data);
  }

  /** The courier with its position: at the shop until pickup, then at the customer's (BD-09, as Shansong reports). */
  private JsonObject courier(SimOrder order) {
    JsonObject courier = new JsonObject().put("name", orEmpty(order.courierName)).put("mobile", orEmpty(order.courierPhone));
    double[] place = places.get(order.orderId);
    if (place != null) {
      boolean carrying = order.lastEvent == SimEvent.PICKED_UP || order.lastEvent == SimEvent.DELIVERED;
      courier.put("latitude", String.valueOf(carrying ? place[2] : place[0]))
          .put("longitude", String.valueOf(carrying ? place[3] : place[1]));
    }
    return courier;
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
      case COURIER_GAVE_UP -> "20";  // back to dispatching
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
        .put("statusDesc", switch (status) {
          case "20" -> "派单中";
          case "30" -> "待取货";
          case "40" -> "闪送中";
          case "50" -> "已完成";
          default -> "已取消";
        })
        .put("subStatus", 1);
    if (order.courierName != null) {
      data.put("courier", courier(order));
    }
    if (event.isTerminal() && event != SimEvent.DELIVERED) {
      data.put("abortType", event == SimEvent.CANCELLED_BY_MERCHANT ? 1 : 3)
          .put("deductAmount", order.penaltyFen)
          .put("punishType", order.penaltyFen > 0 ? 1 : 0)
          .put("abortReason", event.name().toLowerCase());
    }
    return new SimCallback(event, status, "", "", "application/json", data.encode());
  }

}
