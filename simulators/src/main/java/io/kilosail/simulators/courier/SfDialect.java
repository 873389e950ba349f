package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * SF same-city, from the reference (third-parties.md; sfopenic's Base.php and README, meiquan's Shunfeng library):
 * JSON bodies with {@code dev_id}, {@code push_time} (seconds) and {@code version}, signed
 * {@code ?sign=Base64(hexMD5(body&devId&devKey))}; answers {@code {"error_code":0,"error_msg":..,"result":{..}}} with
 * the list price {@code total_price} and the charged {@code real_pay_money}; a cancel states its deduction in
 * {@code result.deduction_detail.deduction_fee}; {@code getorderstatus} answers by SF's order id (order_type 1) or by
 * the merchant's (order_type 2). Callbacks go to one URL per kind (status, complete, cancel, rider withdrew,
 * exception), signed the same way, with the rider's coordinates; the complete callback's {@code receipt_type} is 1
 * (signed for) or 2 (returned to the merchant: behaviour {@code returnProbability}).
 *
 * <p>Simulator choices where the reference is silent: errors are {@code {"error_code":<code>,"error_msg":..}} with HTTP
 * 400/401/404/409; the list price is the charged price plus 100 fen (a discount SF applied); an order no rider has
 * taken yet has status 1; the order-detail result repeats the callback's fields ({@code rider_name},
 * {@code rider_phone}, {@code rider_lng}, {@code rider_lat}).
 */
final class SfDialect extends PlatformDialect {

  /** What SF's list price exceeds the charged one by, so a reader of the wrong field gets the wrong amount. */
  static final long LIST_PRICE_MARKUP_FEN = 100;
  /** Where the simulated rider is (GCJ-02, Beijing CBD): lbs_type 2 is the system every request declares. */
  static final double RIDER_LAT = 39.9087;
  static final double RIDER_LNG = 116.4605;

  private final String devId;
  private final String devKey;

  SfDialect(JsonObject credentials) {
    this.devId = credentials.getString("devId", "sf-sim-dev");
    this.devKey = credentials.getString("devKey", "sf-sim-key");
  }

  @Override
  String accountOf(JsonObject payload) {
    return payload.getString("shop_id");
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
        "/open/api/external/cancelorder", SimOperation.CANCEL,
        "/open/api/external/getorderstatus", SimOperation.DETAIL,
        "/open/api/external/getshopaccountbalance", SimOperation.BALANCE);
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
    requireText(payload, "push_time");
    requireText(payload, "version");
    return payload;
  }

  /**
   * Quote and order name the city and declare their coordinate system, as the reference says SF wants: the quote at
   * its top level, the order in {@code receive} (as meiquan sends it) or at its top level.
   */
  private void requireOrderFields(JsonObject payload) {
    requireText(payload, "shop_id");
    JsonObject receive = payload.getValue("receive") instanceof JsonObject r ? r : null;
    if (payload.getValue("city_name") == null && receive != null) {
      requireText(receive, "city_name");
    } else {
      requireText(payload, "city_name");
    }
    String lbsType = requireText(payload, "lbs_type");
    if (!"1".equals(lbsType) && !"2".equals(lbsType)) {
      throw refusal(400, "lbs_type must be 1 (Baidu) or 2 (AMap), got " + lbsType);
    }
  }

  @Override
  String orderIdOfQuote(JsonObject payload) {
    requireOrderFields(payload);
    Object id = payload.getValue("shop_order_id");
    return id == null ? null : id.toString();
  }

  @Override
  boolean createNeedsQuoteToken() {
    return false;
  }

  @Override
  String orderIdOfCreate(JsonObject payload) {
    requireOrderFields(payload);
    if (!(payload.getValue("receive") instanceof JsonObject receive)) {
      throw refusal(400, "missing field receive");
    }
    requireText(receive, "user_phone");
    return requireText(payload, "shop_order_id");
  }

  @Override
  String platformOrderIdOfCancel(JsonObject payload) {
    if (!"1".equals(requireText(payload, "order_type"))) {
      throw refusal(400, "this simulator cancels by SF's order id (order_type 1) only");
    }
    return requireText(payload, "order_id");
  }

  @Override
  String platformOrderIdOfDetail(JsonObject payload) {
    return "1".equals(requireText(payload, "order_type")) ? requireText(payload, "order_id") : null;
  }

  @Override
  String orderIdOfDetail(JsonObject payload) {
    String type = requireText(payload, "order_type");
    if (!"1".equals(type) && !"2".equals(type)) {
      throw refusal(400, "order_type must be 1 (SF's order id) or 2 (the merchant's), got " + type);
    }
    if ("2".equals(type)) {
      requireText(payload, "shop_id");
      requireText(payload, "shop_type");
      return requireText(payload, "order_id");
    }
    return null;
  }

  @Override
  String newId(String kind, long sequence) {
    return "JS" + (4_091_280_000L + sequence);
  }

  /** {@code getshopaccountbalance} of the store named by {@code shop_id} (sfopenic, meiquan); as {@code result.balance}. */
  @Override
  String balanceAnswer(long balanceFen) {
    return ok(new JsonObject().put("balance", balanceFen));
  }

  private static String ok(JsonObject result) {
    return new JsonObject().put("error_code", 0).put("error_msg", "success").put("result", result).encode();
  }

  @Override
  String quoteAnswer(long priceFen, int etaSeconds, String quoteToken) {
    return ok(new JsonObject().put("total_price", priceFen + LIST_PRICE_MARKUP_FEN).put("real_pay_money", priceFen)
        .put("delivery_distance_meter", 2300).put("charge_price_list", new JsonObject()
            .put("shop_pay_price", priceFen + LIST_PRICE_MARKUP_FEN).put("coupons_total_fee", LIST_PRICE_MARKUP_FEN)));
  }

  @Override
  String createAnswer(SimOrder order) {
    return ok(new JsonObject().put("sf_order_id", order.platformOrderId).put("sf_bill_id", "XJ" + order.platformOrderId)
        .put("shop_order_id", order.orderId).put("push_time", System.currentTimeMillis() / 1000)
        .put("total_price", order.priceFen + LIST_PRICE_MARKUP_FEN).put("real_pay_money", order.priceFen));
  }

  @Override
  String cancelAnswer(SimOrder order, long penaltyFen) {
    return ok(new JsonObject().put("sf_order_id", order.platformOrderId).put("shop_order_id", order.orderId)
        .put("push_time", System.currentTimeMillis() / 1000)
        .put("deduction_detail", new JsonObject().put("deduction_fee", penaltyFen)));
  }

  @Override
  String detailAnswer(SimOrder order) {
    JsonObject result = new JsonObject()
        .put("sf_order_id", order.platformOrderId)
        .put("shop_order_id", order.orderId)
        .put("order_status", order.lastEvent == null ? 1 : Integer.parseInt(status(order, order.lastEvent)))
        .put("real_pay_money", order.priceFen)
        .put("rider_name", order.courierName)
        .put("rider_phone", order.courierPhone);
    if (order.courierName != null) {
      result.put("rider_lng", RIDER_LNG).put("rider_lat", RIDER_LAT);
    }
    if (order.lastEvent == SimEvent.DELIVERED) {
      result.put("receipt_type", order.returnedToMerchant ? 2 : 1);
    }
    return ok(result);
  }

  @Override
  SimRefusal refusal(int httpStatus, String reason) {
    int code = switch (httpStatus) {
      case 401 -> 1002;
      case 404 -> 1004;
      case 409 -> 1003;
      default -> 1001;
    };
    return new SimRefusal(httpStatus, new JsonObject().put("error_code", code).put("error_msg", reason).encode(), reason);
  }

  private static String status(SimOrder order, SimEvent event) {
    return switch (event) {
      case ACCEPTED -> "10";
      case ARRIVED_AT_SHOP -> "12";
      case PICKED_UP -> "15";
      case DELIVERED -> "17";
      case COURIER_GAVE_UP -> "22";
      case NO_COURIER, COURIER_CANCELLED, CANCELLED_BY_MERCHANT -> "2";
      case ABNORMAL -> "91";
    };
  }

  @Override
  SimCallback callback(SimOrder order, SimEvent event, long nowMillis) {
    String status = status(order, event);
    String suffix;
    String urlIndex;
    switch (event) {
      case ACCEPTED, ARRIVED_AT_SHOP, PICKED_UP -> { suffix = "/status"; urlIndex = "rider_status"; }
      case DELIVERED -> { suffix = "/complete"; urlIndex = "order_complete"; }
      case COURIER_GAVE_UP -> { suffix = "/rider-withdrew"; urlIndex = "rider_recall"; }
      case NO_COURIER, COURIER_CANCELLED, CANCELLED_BY_MERCHANT -> { suffix = "/cancel"; urlIndex = "sf_cancel"; }
      case ABNORMAL -> { suffix = "/exception"; urlIndex = "order_exception"; }
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
        .put("push_time", nowMillis / 1000);
    if (order.courierName != null) {
      body.put("rider_lng", RIDER_LNG).put("rider_lat", RIDER_LAT);
    }
    if (event == SimEvent.DELIVERED) {
      body.put("receipt_type", order.returnedToMerchant ? 2 : 1);
    }
    if (event == SimEvent.ABNORMAL) {
      body.put("ex_id", 2001).put("ex_content", "simulated exception");
    }
    String json = body.encode();
    String query = "?sign=" + URLEncoder.encode(SimSignatures.sf(json, devId, devKey), StandardCharsets.UTF_8);
    return new SimCallback(event, status, suffix, query, "application/json", json);
  }
}
