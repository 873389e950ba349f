package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Fengniao open platform v3, from the reference (third-parties.md; delivery-core's core/fn/v3 and routers/fn/v3):
 * <ul>
 *   <li><b>Token first.</b> {@code /anubis-webapi/openapi/token} takes {@code grant_type=authorization_code} with the
 *   merchant's {@code code} (each code works once) or {@code grant_type=refresh_token}, signed over every non-empty
 *   field; it answers {@code access_token} (365 days), {@code refresh_token} and their lifetimes in seconds.</li>
 *   <li><b>Business calls</b> POST {@code /anubis-webapi/v3/invoke/<api>} with
 *   {@code {app_id, merchant_id, timestamp, version, access_token, business_data, signature}}, signed
 *   {@code hex(SHA256(appSecret + sorted non-empty k=v joined by &))}; a token this simulator did not issue (or has
 *   forgotten, see reset) is refused.</li>
 *   <li>Orders name a registered store ({@code out_shop_code} or {@code chain_store_id}) and {@code position_source};
 *   the quote answers {@code goods_infos[]} with {@code actual_delivery_amount_cent}; {@code preCancelOrder} states the
 *   cost ({@code actual_cancel_cost_cent}) and {@code cancelOrder} must repeat it with a reason code and role.</li>
 *   <li>Callbacks {@code {app_id, timestamp, signature, business_data}}, signed over the three.</li>
 * </ul>
 *
 * <p>Simulator choices where the reference is silent: answers {@code {"code":"200","msg":..,"business_data":"{..}"}};
 * errors {@code {"code":..,"msg":..}} with HTTP 400/401/404/409, {@code A0401} for an access token refused and
 * {@code A0402} for a bad grant; callbacks' param carries {@code order_id} and {@code push_time} (ms); a not-yet-taken
 * order has status 1.
 */
final class FengniaoDialect extends PlatformDialect {

  static final String TOKEN_REFUSED = "A0401";
  static final String GRANT_REFUSED = "A0402";
  static final long TOKEN_SECONDS = 365L * 86_400;
  static final long REFRESH_TOKEN_SECONDS = TOKEN_SECONDS + 7 * 86_400;

  private final String appId;
  private final String appSecret;
  /** Null: any merchant id is taken (the demo configures none). */
  private final String merchantId;
  /** Issued access tokens (and refresh tokens) with when they expire, epoch millis. */
  private final Map<String, Long> accessTokens = new HashMap<>();
  private final Map<String, Long> refreshTokens = new HashMap<>();
  private final Set<String> usedCodes = new HashSet<>();

  FengniaoDialect(JsonObject credentials) {
    this.appId = credentials.getString("appId", "fn-sim-app");
    this.appSecret = credentials.getString("appSecret", "fn-sim-secret");
    this.merchantId = credentials.getString("merchantId");
  }

  @Override
  String accountOf(JsonObject payload) {
    Object store = payload.getValue("out_shop_code");
    return store == null ? null : store.toString();
  }

  @Override
  CourierPlatform platform() {
    return CourierPlatform.FENGNIAO;
  }

  @Override
  Map<String, SimOperation> operations() {
    return Map.of(
        "/anubis-webapi/openapi/token", SimOperation.TOKEN,
        "/anubis-webapi/v3/invoke/preCreateOrder", SimOperation.QUOTE,
        "/anubis-webapi/v3/invoke/createOrder", SimOperation.CREATE,
        "/anubis-webapi/v3/invoke/preCancelOrder", SimOperation.PRE_CANCEL,
        "/anubis-webapi/v3/invoke/cancelOrder", SimOperation.CANCEL,
        "/anubis-webapi/v3/invoke/getOrderDetail", SimOperation.DETAIL,
        "/anubis-webapi/v3/invoke/getAmount", SimOperation.BALANCE);
  }

  /** A token request's fields come back as they are; a business call's business_data once its token is good. */
  @Override
  JsonObject verifiedPayload(Map<String, String> query, String body) {
    JsonObject envelope = parseJson(body, "request body");
    String signature = requireText(envelope, "signature");
    requireText(envelope, "timestamp");
    if (!appId.equals(requireText(envelope, "app_id"))) {
      throw refusal(401, "unknown app_id");
    }
    String merchant = requireText(envelope, "merchant_id");
    if (merchantId != null && !merchantId.equals(merchant)) {
      throw refusal(401, "unknown merchant_id");
    }
    Map<String, String> fields = new HashMap<>();
    envelope.forEach(field -> fields.put(field.getKey(), field.getValue() == null ? null : String.valueOf(field.getValue())));
    if (!SimSignatures.matches(SimSignatures.fengniao(appSecret, fields), signature.toLowerCase())) {
      throw refusal(401, "signature error");
    }
    if (envelope.containsKey("grant_type")) {
      return envelope;
    }
    if (!"1.0".equals(requireText(envelope, "version"))) {
      throw refusal(400, "version must be 1.0");
    }
    Long expires = accessTokens.get(requireText(envelope, "access_token"));
    if (expires == null || expires < System.currentTimeMillis()) {
      throw coded(401, TOKEN_REFUSED, "access_token invalid or expired");
    }
    if (!(envelope.getValue("business_data") instanceof String business)) {
      throw refusal(400, "business_data must be a JSON string");
    }
    return parseJson(business, "business_data");
  }

  @Override
  String tokenAnswer(JsonObject payload) {
    String grant = requireText(payload, "grant_type");
    long now = System.currentTimeMillis();
    switch (grant) {
      case "authorization_code" -> {
        if (!usedCodes.add(requireText(payload, "code"))) {
          throw coded(400, GRANT_REFUSED, "code already used");
        }
      }
      case "refresh_token" -> {
        Long expires = refreshTokens.remove(requireText(payload, "refresh_token"));
        if (expires == null || expires < now) {
          throw coded(400, GRANT_REFUSED, "refresh_token invalid or expired");
        }
      }
      default -> throw coded(400, GRANT_REFUSED, "unknown grant_type " + grant);
    }
    String access = "fn-at-" + UUID.randomUUID();
    String refresh = "fn-rt-" + UUID.randomUUID();
    accessTokens.put(access, now + TOKEN_SECONDS * 1000);
    refreshTokens.put(refresh, now + REFRESH_TOKEN_SECONDS * 1000);
    return ok(new JsonObject().put("app_id", appId).put("merchant_id", payload.getString("merchant_id"))
        .put("access_token", access).put("refresh_token", refresh)
        .put("expire_in", TOKEN_SECONDS).put("re_expire_in", REFRESH_TOKEN_SECONDS));
  }

  /** Every token and code forgotten: kilosail's next call is refused and must get a token again. */
  @Override
  void reset() {
    accessTokens.clear();
    refreshTokens.clear();
    usedCodes.clear();
  }

  private void requireOrderFields(JsonObject payload) {
    if (payload.getValue("out_shop_code") == null && payload.getValue("chain_store_id") == null) {
      throw refusal(400, "missing field out_shop_code (or chain_store_id): orders come from a registered store");
    }
    requireText(payload, "position_source");
    requireText(payload, "receiver_primary_phone");
    requireText(payload, "goods_weight");
    requireText(payload, "goods_total_amount_cent");
  }

  @Override
  String orderIdOfQuote(JsonObject payload) {
    requireOrderFields(payload);
    return requireText(payload, "partner_order_code");
  }

  @Override
  boolean createNeedsQuoteToken() {
    return false;
  }

  @Override
  String orderIdOfCreate(JsonObject payload) {
    requireOrderFields(payload);
    return requireText(payload, "partner_order_code");
  }

  @Override
  String platformOrderIdOfCancel(JsonObject payload) {
    requireText(payload, "order_cancel_code");
    return requireText(payload, "order_id");
  }

  /** cancelOrder names who cancels and repeats the cost preCancelOrder stated. */
  @Override
  void checkCancel(JsonObject payload, long penaltyFen) {
    requireText(payload, "order_cancel_role");
    String cost = requireText(payload, "actual_cancel_cost_cent");
    if (!Long.toString(penaltyFen).equals(cost)) {
      throw refusal(409, "actual_cancel_cost_cent " + cost + " is not the cost " + penaltyFen + " stated");
    }
  }

  @Override
  String preCancelAnswer(SimOrder order, long penaltyFen) {
    return ok(new JsonObject().put("order_id", order.platformOrderId).put("actual_cancel_cost_cent", penaltyFen));
  }

  @Override
  String platformOrderIdOfDetail(JsonObject payload) {
    Object id = payload.getValue("order_id");
    return id == null ? null : id.toString();
  }

  @Override
  String orderIdOfDetail(JsonObject payload) {
    return requireText(payload, "partner_order_code");
  }

  @Override
  String detailAnswer(SimOrder order) {
    return ok(new JsonObject()
        .put("order_id", order.platformOrderId)
        .put("partner_order_code", order.orderId)
        .put("order_status", order.lastEvent == null ? 1 : Integer.parseInt(status(order.lastEvent)))
        .put("carrier_driver_name", order.courierName)
        .put("carrier_driver_phone", order.courierPhone));
  }

  @Override
  String newId(String kind, long sequence) {
    return Long.toString(300_000_000L + sequence);
  }

  /**
   * {@code getAmount} (delivery-core, a production PHP client that sends an empty business_data): the balance of the
   * store its {@code out_shop_code} names, else the merchant's; as {@code amount_cent}.
   */
  @Override
  String balanceAnswer(long balanceFen) {
    return ok(new JsonObject().put("amount_cent", balanceFen));
  }

  private static String ok(JsonObject business) {
    return new JsonObject().put("code", "200").put("msg", "success").put("business_data", business.encode()).encode();
  }

  @Override
  String quoteAnswer(long priceFen, int etaSeconds, String quoteToken) {
    return ok(new JsonObject().put("goods_infos", new JsonArray()
        .add(new JsonObject().put("base_goods_id", 1).put("service_goods_id", 101).put("is_valid", 0)
            .put("disable_reason", "该时段运力不足").put("actual_delivery_amount_cent", priceFen / 2))
        .add(new JsonObject().put("base_goods_id", 2).put("service_goods_id", 102).put("is_valid", 1)
            .put("total_delivery_amount_cent", priceFen + 200).put("actual_delivery_amount_cent", priceFen))));
  }

  @Override
  String createAnswer(SimOrder order) {
    return ok(new JsonObject().put("order_id", order.platformOrderId).put("partner_order_code", order.orderId));
  }

  @Override
  String cancelAnswer(SimOrder order, long penaltyFen) {
    return ok(new JsonObject().put("order_id", order.platformOrderId));
  }

  @Override
  SimRefusal refusal(int httpStatus, String reason) {
    String code = switch (httpStatus) {
      case 401 -> "B0102";
      case 404 -> "B0104";
      case 409 -> "B0103";
      default -> "B0101";
    };
    return coded(httpStatus, code, reason);
  }

  private static SimRefusal coded(int httpStatus, String code, String reason) {
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
