package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * SF same-city (顺丰同城) open API: JSON bodies carrying {@code dev_id}, {@code push_time} (seconds) and
 * {@code version}, signed with {@code sign = Base64(hexMD5(body + "&" + devId + "&" + devKey))} in the query
 * ({@code ?sign=}); answers {@code {"error_code":0,"error_msg":..,"result":{..}}}, money in fen.
 *
 * <p>Sources: {@code yangchen5710/sfopenic} (src/Base.php: paths, {@code dev_id}/{@code push_time}, the signature, the
 * callback check and its reply; README: the fields of each call) and {@code zhexiaoyang/meiquan}
 * (app/Libraries/Shunfeng/Api/Api.php: a production integration's bodies, {@code version}, {@code lbs_type},
 * {@code return_flag}). Callbacks come to one URL per kind (status, complete, cancel, rider withdrew, exception);
 * their {@code order_status} tells the kind, so one reader serves all of them.
 */
public final class SfWire implements CourierWire {

  // ---- Choices the sources leave open (unconfirmed); correct them here and only here. ----
  static final String QUOTE_PATH = "/open/api/external/precreateorder";
  static final String CREATE_PATH = "/open/api/external/createorder";
  static final String CANCEL_PATH = "/open/api/external/cancelorder";
  /** "订单实时信息查询" in sfopenic's README: the order's state now, by SF's order id or by ours. */
  static final String ORDER_DETAIL_PATH = "/open/api/external/getorderstatus";
  /** The API version every body declares: 17 in sfopenic and meiquan; meiquan's later code sends 19 on createorder. */
  static final int VERSION = 17;
  static final int CREATE_VERSION = 19;
  /** 2 = GCJ-02 (高德), SF's default and what the food platforms push; 1 would be BD-09. */
  static final int LBS_TYPE_GCJ02 = 2;
  /** {@code shop_id} is SF's own store id (shop_type 1), as the merchant registers its store with SF. */
  static final int SHOP_TYPE_SF = 1;
  /** order_type of a cancel or query: 1 = by SF's order id, 2 = by the merchant's (ours). */
  static final int BY_SF_ORDER_ID = 1;
  static final int BY_SHOP_ORDER_ID = 2;
  /** pay_type 1: paid from the merchant's SF account (寄付); product_type 1: food (送餐). */
  static final int PAY_TYPE = 1;
  static final int PRODUCT_TYPE = 1;
  /** Which result fields SF returns (a bit set); meiquan sends 511, every field. */
  static final int RETURN_FLAG = 511;
  /** cancel_code 313 is "商家发起取消" (merchant cancels), sfopenic's default. */
  static final int CANCEL_CODE = 313;
  /** The charged amount of a quote or an order; {@code total_price} is the list price before discounts. */
  static final String CHARGED = "real_pay_money";
  /**
   * getorderstatus' result is taken to carry {@code sf_order_id, shop_order_id, order_status} like the callbacks, and
   * the rider as {@code rider_name, rider_phone, rider_lng, rider_lat} (no source shows the answer).
   */
  static final String DETAIL_RIDER_NAME = "rider_name";
  static final String DETAIL_RIDER_PHONE = "rider_phone";
  /**
   * {@code getshopaccountbalance} (获取店铺账户余额; sfopenic and delivery-core name it, meiquan sends
   * {@code shop_id} + {@code shop_type} in the usual envelope): the stored-value balance of one SF store.
   * (unconfirmed) The answer's {@code result.balance}, in fen like every SF money field; no source shows the answer.
   */
  static final String BALANCE_PATH = "/open/api/external/getshopaccountbalance";
  static final String BALANCE_FIELD = "balance";
  /** The complete callback's receipt_type: 1 signed for by the customer, 2 returned to the merchant (妥投 / 返还). */
  static final String RECEIPT_RETURNED = "2";
  /*
   * Callbacks are signed like requests ({@code ?sign=} over the raw body; sfopenic's getNotify checks it), carry
   * {@code sf_order_id, shop_order_id, order_status, operator_name, operator_phone, rider_lng, rider_lat, push_time}
   * (epoch seconds), and the rider's coordinates are taken to be in the system the order declared (GCJ-02).
   */
  // ---- end of unconfirmed choices ----

  /** The raw status of the complete callback: DELIVERED when signed for, RETURNED when brought back (see below). */
  static final String COMPLETE = "17";

  private static final Map<String, CourierState> STATUS = Map.of(
      "1", CourierState.CREATED,          // (unconfirmed) placed, no rider yet: only the order-detail query says it
      "10", CourierState.ACCEPTED,        // a rider accepted (or the order was reassigned to a new rider)
      "12", CourierState.ARRIVED_AT_SHOP,
      "15", CourierState.PICKED_UP,       // delivering
      COMPLETE, CourierState.DELIVERED,   // the "complete" callback, signed for (receipt_type 1)
      "2", CourierState.CANCELLED,        // the "cancel" callback
      "22", CourierState.CREATED,         // the rider withdrew: SF looks for another
      "91", CourierState.ABNORMAL);       // the "exception" callback

  /**
   * @param shopId SF's id of the merchant's store (shop_type 1), given when the store is registered with SF
   */
  public record Credentials(String devId, String devKey, String shopId) {
    public Credentials {
      Objects.requireNonNull(devId, "devId");
      Objects.requireNonNull(devKey, "devKey");
      Objects.requireNonNull(shopId, "shopId");
    }
  }

  private final Credentials credentials;
  private final Clock clock;

  public SfWire(Credentials credentials, Clock clock) {
    this.credentials = credentials;
    this.clock = clock;
  }

  @Override
  public CourierPlatform platform() {
    return CourierPlatform.SF;
  }

  public String sign(String body) {
    String hexMd5 = WireCodec.md5Hex(body + "&" + credentials.devId() + "&" + credentials.devKey());
    return Base64.getEncoder().encodeToString(hexMd5.getBytes(StandardCharsets.US_ASCII));
  }

  /** What every body starts with: who we are, when, which version, and which of SF's stores. */
  private JsonObject envelope(int version) {
    return new JsonObject()
        .put("dev_id", credentials.devId())
        .put("shop_id", credentials.shopId())
        .put("shop_type", SHOP_TYPE_SF)
        .put("push_time", clock.instant().getEpochSecond())
        .put("version", version);
  }

  private JsonObject shop(CourierOrderRequest order) {
    return new JsonObject()
        .put("shop_name", order.shop().name())
        .put("shop_phone", order.shop().phone())
        .put("shop_address", order.shop().address())
        .put("shop_lng", String.valueOf(order.shop().lng()))
        .put("shop_lat", String.valueOf(order.shop().lat()));
  }

  @Override
  public CourierHttpRequest quote(CourierOrderRequest order) {
    return signed(QUOTE_PATH, envelope(VERSION).put("shop_id", order.accountOr(credentials.shopId()))
        .put("shop_order_id", order.orderId())
        .put("city_name", order.cityName())
        .put("lbs_type", LBS_TYPE_GCJ02)
        .put("user_address", order.customer().address())
        .put("user_lng", String.valueOf(order.customer().lng()))
        .put("user_lat", String.valueOf(order.customer().lat()))
        .put("weight", order.weightGrams())
        .put("product_type", PRODUCT_TYPE)
        .put("pay_type", PAY_TYPE)
        .put("is_appoint", 0)
        .put("is_insured", 0)
        .put("return_flag", RETURN_FLAG)
        .put("shop", shop(order)));
  }

  @Override
  public CourierHttpRequest createOrder(CourierOrderRequest order) {
    // A shop's own SF store (a virtual shop under our developer id) replaces the default one.
    JsonObject body = envelope(CREATE_VERSION).put("shop_id", order.accountOr(credentials.shopId()));
    return signed(CREATE_PATH, body
        .put("shop_order_id", order.orderId())
        .put("order_source", "kilosail")
        .put("order_time", body.getLong("push_time"))
        .put("lbs_type", LBS_TYPE_GCJ02)
        .put("pay_type", PAY_TYPE)
        .put("is_appoint", 0)
        .put("is_insured", 0)
        .put("return_flag", RETURN_FLAG)
        .put("remark", order.note() == null ? "" : order.note())
        .put("shop", shop(order))
        .put("receive", new JsonObject()
            .put("user_name", order.customer().name())
            .put("user_phone", order.customer().phone())
            .put("user_address", order.customer().address())
            .put("user_lng", String.valueOf(order.customer().lng()))
            .put("user_lat", String.valueOf(order.customer().lat()))
            .put("city_name", order.cityName()))
        .put("order_detail", new JsonObject()
            .put("total_price", order.goodsValueFen())
            .put("product_type", PRODUCT_TYPE)
            .put("weight_gram", order.weightGrams())
            .put("product_num", 1)
            .put("product_type_num", 1)
            .put("product_detail", new JsonArray().add(new JsonObject()
                .put("product_name", "kilosail order " + order.orderId())
                .put("product_num", 1)))));
  }

  @Override
  public boolean placesWithQuoteToken() {
    return false;
  }

  @Override
  public CourierHttpRequest cancel(CourierCancelRequest cancel) {
    return signed(CANCEL_PATH, envelope(VERSION).put("shop_id", cancel.accountOr(credentials.shopId()))
        .put("order_id", cancel.platformOrderId())
        .put("order_type", BY_SF_ORDER_ID)
        .put("cancel_code", CANCEL_CODE)
        .put("cancel_reason", cancel.reason() == null ? "" : cancel.reason()));
  }

  /** By SF's order id when we have it; by ours (with our SF store) when the create's answer never came. */
  @Override
  public CourierHttpRequest orderDetail(String account, String orderId, String platformOrderId) {
    JsonObject body = envelope(VERSION).put("shop_id", CourierWire.accountOr(account, credentials.shopId()));
    if (platformOrderId != null) {
      body.put("order_id", platformOrderId).put("order_type", BY_SF_ORDER_ID);
    } else {
      body.put("order_id", Objects.requireNonNull(orderId, "orderId")).put("order_type", BY_SHOP_ORDER_ID);
    }
    return signed(ORDER_DETAIL_PATH, body);
  }

  /** The balance of the SF store {@code account} (its shop_id; null: the configured one). */
  @Override
  public CourierHttpRequest accountBalance(String account) {
    return signed(BALANCE_PATH, envelope(VERSION)
        .put("shop_id", CourierWire.accountOr(account, credentials.shopId())));
  }

  @Override
  public long readAccountBalance(String responseBody) {
    return WireCodec.requireLong(okResult(responseBody, "balance"), BALANCE_FIELD, "SF balance");
  }

  private CourierHttpRequest signed(String path, JsonObject body) {
    String json = body.encode();
    String query = "?sign=" + URLEncoder.encode(sign(json), StandardCharsets.UTF_8);
    return new CourierHttpRequest(path + query, CourierHttpRequest.JSON, json);
  }

  private JsonObject okResult(String body, String what) {
    JsonObject answer = WireCodec.parseObject(body, "SF " + what + " answer");
    Object code = answer.getValue("error_code");
    if (!(code instanceof Number n) || n.intValue() != 0) {
      throw new CourierRejectedException(platform(), String.valueOf(code), answer.getString("error_msg"));
    }
    if (!(answer.getValue("result") instanceof JsonObject result)) {
      throw new CourierWireException("SF " + what + " answer lacks result");
    }
    return result;
  }

  /** No source shows an ETA field in SF's answers, so a quote carries none. */
  @Override
  public CourierQuote readQuote(String responseBody) {
    JsonObject result = okResult(responseBody, "quote");
    return new CourierQuote(WireCodec.requireLong(result, CHARGED, "SF quote"), null, null);
  }

  @Override
  public CourierOrderPlaced readCreateOrder(String responseBody) {
    JsonObject result = okResult(responseBody, "order");
    return new CourierOrderPlaced(
        WireCodec.requireText(result, "sf_order_id", "SF order"),
        WireCodec.optLong(result, CHARGED, "SF order"));
  }

  /** The penalty is what SF deducts for the cancel ({@code deduction_detail.deduction_fee}); null when it says none. */
  @Override
  public CourierCancelled readCancel(String responseBody) {
    JsonObject result = okResult(responseBody, "cancel");
    Object deduction = result.getValue("deduction_detail");
    if (deduction != null && !(deduction instanceof JsonObject)) {
      throw new CourierWireException("SF cancel answer field deduction_detail is not an object");
    }
    return new CourierCancelled(WireCodec.optText(result, "sf_order_id"),
        WireCodec.optLong((JsonObject) deduction, "deduction_fee", "SF cancel deduction_detail"));
  }

  @Override
  public CourierOrderDetail readOrderDetail(String responseBody) {
    JsonObject result = okResult(responseBody, "order detail");
    String status = WireCodec.requireText(result, "order_status", "SF order detail");
    return new CourierOrderDetail(
        WireCodec.optText(result, "sf_order_id"),
        WireCodec.optText(result, "shop_order_id"),
        state(status, WireCodec.optText(result, "receipt_type")),
        status,
        WireCodec.optLong(result, CHARGED, "SF order detail"),
        WireCodec.optText(result, DETAIL_RIDER_NAME),
        WireCodec.optText(result, DETAIL_RIDER_PHONE),
        riderPosition(result));
  }

  @Override
  public boolean verifyCallback(CourierInbound inbound) {
    String given = inbound.query().get("sign");
    return WireCodec.constantTimeEquals(sign(inbound.body()), given);
  }

  @Override
  public CourierCallback readCallback(CourierInbound inbound) {
    JsonObject body = WireCodec.parseObject(inbound.body(), "SF callback");
    String status = WireCodec.requireText(body, "order_status", "SF callback");
    return new CourierCallback(
        platform(),
        WireCodec.requireText(body, "sf_order_id", "SF callback"),
        WireCodec.requireText(body, "shop_order_id", "SF callback"),
        state(status, WireCodec.optText(body, "receipt_type")),
        status,
        WireCodec.optText(body, "operator_name"),
        WireCodec.optText(body, "operator_phone"),
        null,
        Instant.ofEpochSecond(WireCodec.requireLong(body, "push_time", "SF callback")),
        riderPosition(body));
  }

  /**
   * The complete status (17) is a delivery only when the customer signed for it; goods brought back to the merchant
   * ({@code receipt_type} 2) are {@link CourierState#RETURNED}: terminal, not delivered, the trip still owed to SF.
   */
  private static CourierState state(String status, String receiptType) {
    if (COMPLETE.equals(status) && RECEIPT_RETURNED.equals(receiptType)) {
      return CourierState.RETURNED;
    }
    return STATUS.getOrDefault(status, CourierState.ABNORMAL);
  }

  /**
   * The rider's {@code rider_lat}/{@code rider_lng}, both or none; SF sends them as numbers or as text. A position is a
   * detail of the callback: one that is unreadable or off the Earth is none, the callback still read (as Shansong's).
   */
  private static GeoPoint riderPosition(JsonObject json) {
    String lat = WireCodec.optText(json, "rider_lat");
    String lng = WireCodec.optText(json, "rider_lng");
    if (lat == null || lng == null) {
      return null;
    }
    try {
      double latitude = Double.parseDouble(lat.trim());
      double longitude = Double.parseDouble(lng.trim());
      // A rider without a fix is sent as 0,0 (the Gulf of Guinea): no position rather than a wrong one.
      if ((latitude == 0 && longitude == 0) || !(Math.abs(latitude) <= 90) || !(Math.abs(longitude) <= 180)) {
        return null;
      }
      return new GeoPoint(latitude, longitude);
    } catch (NumberFormatException e) {
      return null;
    }
  }


  @Override
  public String callbackReply() {
    return "{\"error_code\":0,\"error_msg\":\"success\"}";
  }

  @Override
  public Map<String, CourierState> statusTable() {
    return STATUS;
  }
}
