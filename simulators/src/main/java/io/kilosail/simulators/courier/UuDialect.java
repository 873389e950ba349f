package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * UU open API v3 as the corrected reference describes it (shared/reference/third-parties.md, from UU's own CLI
 * uupt-mcp/uupt-open-cli): JSON POSTs under {@code /openapi/v3/} with header {@code X-App-Id}, body
 * {@code {openId, timestamp (number, seconds), biz (JSON string), sign}}, {@code sign = UPPER(MD5(biz + appSecret +
 * timestamp))}; answers {@code {code: 0, msg, body}}; quote {@code priceToken, totalMoney, needPayMoney, distance}
 * (no ETA); addOrder {@code orderCode}; orderDetail {@code orderCode, state, orderPrice, driverName, driverMobile};
 * v3 states 1, 3, 4, 5, 6, 10, 11, 20.
 *
 * <p>Callbacks as production receives them (v2 shape): a form POST whose {@code data} parameter holds JSON
 * {@code order_code, origin_id, state, state_text, driver_name, driver_mobile, timestamp (ms), sign}, with the v2
 * signature (sorted non-empty {@code k=v} joined by {@code &}, then {@code &key=<appSecret>}, MD5, upper case); the
 * expected reply is {@code {"return_code":"ok"}} (any 2xx ends the retries here).
 *
 * <p>Simulator choices where the reference is silent: our order id arrives as {@code originId} in the price request
 * (callbacks must echo it as {@code origin_id}); refusals are {@code {"code": <non-zero>, "msg"}} with HTTP 400/401/
 * 404/409; {@code totalMoney} is the price before a simulated 200-fen coupon, {@code needPayMoney} the behaviour's
 * price; a courier giving an order up sends it back to state 1; "no courier", a courier's and our cancellation are 11.
 *
 * <p>{@code order/addGratuity} (the tip; named by the reference, its fields by none): {@code order_code}, the tip in
 * fen as {@code gratuityFee} (UU's v3 amounts are fen), an optional {@code requestId} naming the tip so a repeat is not
 * a second one; answers {@code {orderCode, gratuityFee}} with the order's tips in total; refused with 409 once a
 * courier took the order or it ended, 400 for a tip of 0 or less. orderDetail shows {@code gratuityFee} too.
 */
final class UuDialect extends PlatformDialect {

  static final long COUPON_FEN = 200;

  private final String appId;
  private final String appSecret;
  private final String openId;

  UuDialect(JsonObject credentials) {
    this.appId = credentials.getString("appId", "uu-sim-app");
    // kilosail's config names UU's app secret appKey (as MQEnergy/delivery-core does); UU's CLI says appSecret.
    this.appSecret = credentials.getString("appKey", credentials.getString("appSecret", "uu-sim-secret"));
    this.openId = credentials.getString("openId", "uu-sim-open-id");
    loadAccounts(credentials);
  }

  @Override
  CourierPlatform platform() {
    return CourierPlatform.UU;
  }

  @Override
  Map<String, SimOperation> operations() {
    return Map.of(
        "/openapi/v3/order/orderPrice", SimOperation.QUOTE,
        "/openapi/v3/order/addOrder", SimOperation.CREATE,
        "/openapi/v3/order/cancelOrder", SimOperation.CANCEL,
        "/openapi/v3/order/orderDetail", SimOperation.DETAIL,
        "/openapi/v3/order/addGratuity", SimOperation.TIP,
        "/openapi/v3/user/account", SimOperation.BALANCE);
  }

  @Override
  JsonObject verifiedPayload(Map<String, String> query, String body) {
    throw refusal(401, "missing header X-App-Id");
  }

  @Override
  JsonObject verifiedPayload(Map<String, String> headers, Map<String, String> query, String body) {
    if (!appId.equals(headers.get("x-app-id"))) {
      throw refusal(401, "unknown or missing X-App-Id");
    }
    JsonObject envelope = parseJson(body, "request body");
    if (!(envelope.getValue("timestamp") instanceof Number timestamp)) {
      throw refusal(400, "timestamp must be a number");
    }
    if (!openId.equals(envelope.getValue("openId")) && !extraAccounts.contains(envelope.getString("openId"))) {
      throw refusal(401, "openId is not authorised for this app");
    }
    String biz = requireText(envelope, "biz");
    String sign = requireText(envelope, "sign");
    if (!SimSignatures.matches(SimSignatures.uu(biz, appSecret, Long.toString(timestamp.longValue())), sign)) {
      throw refusal(401, "sign error");
    }
    return parseJson(biz, "biz").put(ACCOUNT, envelope.getString("openId"));
  }

  @Override
  String orderIdOfQuote(JsonObject payload) {
    requireText(payload, "fromAddress");
    requireText(payload, "toAddress");
    requireText(payload, "cityName");
    if (!"SEND".equals(payload.getValue("sendType"))) {
      throw refusal(400, "sendType must be SEND");
    }
    return requireText(payload, "originId");
  }

  @Override
  boolean createNeedsQuoteToken() {
    return true;
  }

  @Override
  String quoteTokenOfCreate(JsonObject payload) {
    requireText(payload, "receiver_phone");
    if (!"OPEN_ORDER".equals(payload.getValue("pushType")) || !"BALANCE_PAY".equals(payload.getValue("payType"))) {
      throw refusal(400, "pushType must be OPEN_ORDER and payType BALANCE_PAY");
    }
    return requireText(payload, "priceToken");
  }

  @Override
  String orderIdOfCreate(JsonObject payload) {
    return null; // from the price token's quote
  }

  @Override
  String platformOrderIdOfCancel(JsonObject payload) {
    return requireText(payload, "order_code");
  }

  @Override
  String platformOrderIdOfDetail(JsonObject payload) {
    return requireText(payload, "order_code");
  }

  @Override
  String platformOrderIdOfTip(JsonObject payload) {
    return requireText(payload, "order_code");
  }

  @Override
  long tipFenOf(JsonObject payload) {
    if (!(payload.getValue("gratuityFee") instanceof Number fee) || fee.doubleValue() != Math.floor(fee.doubleValue())
        || fee.longValue() <= 0) {
      throw refusal(400, "gratuityFee must be a whole number of fen above 0");
    }
    return fee.longValue();
  }

  @Override
  String tipKeyOf(JsonObject payload) {
    Object key = payload.getValue("requestId");
    return key == null || key.toString().isBlank() ? null : key.toString();
  }

  @Override
  String tipAnswer(SimOrder order) {
    return ok(new JsonObject().put("orderCode", order.platformOrderId).put("gratuityFee", order.tipsFen));
  }

  /** {@code user/account} (delivery-core's USER_ACCOUNT_URL) of the openId asking; the balance as {@code accountMoney}. */
  @Override
  String balanceAnswer(long balanceFen) {
    return ok(new JsonObject().put("accountMoney", balanceFen));
  }

  @Override
  String newId(String kind, long sequence) {
    return ("quote".equals(kind) ? "uu-pt-" : "UU") + sequence;
  }

  private static String ok(JsonObject body) {
    return new JsonObject().put("code", 0).put("msg", "success").put("body", body).encode();
  }

  @Override
  String quoteAnswer(long priceFen, int etaSeconds, String quoteToken) {
    return ok(new JsonObject().put("priceToken", quoteToken).put("totalMoney", priceFen + COUPON_FEN)
        .put("needPayMoney", priceFen).put("distance", 2600));
  }

  @Override
  String createAnswer(SimOrder order) {
    return ok(new JsonObject().put("orderCode", order.platformOrderId));
  }

  @Override
  String cancelAnswer(SimOrder order, long penaltyFen) {
    return ok(new JsonObject());
  }

  @Override
  String detailAnswer(SimOrder order) {
    String state = order.lastEvent == null ? "1" : state(order.lastEvent);
    return ok(new JsonObject()
        .put("orderCode", order.platformOrderId)
        .put("state", Integer.parseInt(state == null ? "1" : state))
        .put("orderPrice", order.priceFen)
        .put("gratuityFee", order.tipsFen)
        .put("driverName", orEmpty(order.courierName))
        .put("driverMobile", orEmpty(order.courierPhone)));
  }

  @Override
  SimRefusal refusal(int httpStatus, String reason) {
    int code = switch (httpStatus) {
      case 401 -> 88100101;
      case 404 -> 88100104;
      case 409 -> 88100109;
      default -> 88100100;
    };
    return new SimRefusal(httpStatus, new JsonObject().put("code", code).put("msg", reason).encode(), reason);
  }

  private static String state(SimEvent event) {
    return switch (event) {
      case ACCEPTED -> "3";
      case ARRIVED_AT_SHOP -> "4";
      case PICKED_UP -> "5";
      case DELIVERED -> "10";
      case COURIER_GAVE_UP -> "1";
      case NO_COURIER, COURIER_CANCELLED, CANCELLED_BY_MERCHANT -> "11";
      case ABNORMAL -> "20";
    };
  }

  private static String stateText(String state) {
    return switch (state) {
      case "1" -> "下单成功";
      case "3" -> "跑男抢单";
      case "4" -> "已到达";
      case "5" -> "已取件";
      case "10" -> "已完成";
      case "11" -> "订单取消";
      default -> "异常订单";
    };
  }

  @Override
  SimCallback callback(SimOrder order, SimEvent event, long nowMillis) {
    String state = state(event);
    Map<String, String> fields = new TreeMap<>();
    fields.put("order_code", order.platformOrderId);
    fields.put("origin_id", order.orderId);
    fields.put("state", state);
    fields.put("state_text", stateText(state));
    fields.put("driver_name", orEmpty(order.courierName));
    fields.put("driver_mobile", orEmpty(order.courierPhone));
    fields.put("timestamp", Long.toString(nowMillis));
    JsonObject data = new JsonObject();
    fields.forEach(data::put);
    data.put("sign", SimSignatures.uuCallback(fields, appSecret));
    String body = "data=" + URLEncoder.encode(data.encode(), StandardCharsets.UTF_8);
    return new SimCallback(event, state, "", "", "application/x-www-form-urlencoded", body);
  }
}
