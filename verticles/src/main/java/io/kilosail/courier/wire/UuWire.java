package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * UU (UU跑腿) open API v3, as its own CLI ({@code uupt-mcp/uupt-open-cli}: internal/api/client.go, order.go,
 * skills/references/api-reference.md) and {@code MQEnergy/delivery-core} (core/uu/v3) speak it: a JSON POST with
 * header {@code X-App-Id: <appId>} and body {@code {openId, timestamp, biz, sign}}, where {@code openId} is the
 * merchant's authorisation, {@code timestamp} epoch seconds as a number, {@code biz} the business JSON as a string and
 * {@code sign = UPPER(MD5(biz + appSecret + timestamp))} over {@code biz} exactly as sent. Answers are
 * {@code {code: 0, msg, body}}. v3 prices by address (no coordinates), in the city named by name.
 *
 * <p>Placing is by the quote's {@code priceToken}; the answer names only {@code orderCode}, so the price UU charges
 * ({@code needPayMoney} of the quote the token came from) travels inside kilosail's quote token
 * ({@code <needPayMoney>:<priceToken>}) to {@link #readCreateOrder(CourierOrderRequest, String)}.
 */
public final class UuWire implements CourierWire {

  // ---- Choices the sources leave open; correct them here and only here. ----
  static final String QUOTE_PATH = "/openapi/v3/order/orderPrice";
  static final String CREATE_PATH = "/openapi/v3/order/addOrder";
  static final String CANCEL_PATH = "/openapi/v3/order/cancelOrder";
  static final String DETAIL_PATH = "/openapi/v3/order/orderDetail";
  /** {@code order/addGratuity}: named by third-parties.md; no source shows its fields (see {@link #addTip}). */
  static final String TIP_PATH = "/openapi/v3/order/addGratuity";
  /**
   * (unconfirmed) addGratuity's fields: the order as {@code order_code} (as cancelOrder and orderDetail name it), the
   * tip as {@code gratuityFee} in fen (UU's v3 money fields are fen: {@code needPayMoney}, {@code orderPrice}), and
   * our key for the tip as {@code requestId} so a repeated call is recognised; the answer's {@code gratuityFee}, when
   * present, is the order's tips in total.
   */
  static final String TIP_FIELD = "gratuityFee";
  /**
   * {@code user/account} (获取账户余额): named by third-parties.md and delivery-core (core/uu/v3, USER_ACCOUNT_URL), which
   * sends whatever params the caller gives; the account is the envelope's {@code openId}, as on every call.
   * (unconfirmed) It takes an empty biz ({@code {}}), and its answer states the balance as {@code body.accountMoney}
   * in fen (v2's balance query answered {@code AccountMoney}; v3's money fields are fen). No source shows the answer.
   */
  static final String BALANCE_PATH = "/openapi/v3/user/account";
  static final String BALANCE_FIELD = "accountMoney";
  static final String TIP_KEY_FIELD = "requestId";
  static final int OK_CODE = 0;
  static final String SEND_TYPE = "SEND";
  static final String PUSH_TYPE = "OPEN_ORDER";
  static final String PAY_TYPE = "BALANCE_PAY";
  static final String SPECIAL_TYPE = "NOT_NEED_WARM";
  /**
   * {@code specialChannel}: the CLI's api-reference.md says "fixed 2" (balance payment); one commit of its order.go
   * sends 5. We follow the documented 2.
   */
  static final int SPECIAL_CHANNEL = 2;
  /**
   * (unconfirmed) Our order id travels as {@code originId} in the price request, so UU can echo it in callbacks; v2
   * took {@code origin_id} there and its callbacks echo {@code origin_id}. No v3 source shows the field.
   */
  static final String ORIGIN_ID = "originId";
  /**
   * (unconfirmed) Callbacks: production receivers (meiquan) get the v2 shape, a form parameter {@code data} holding
   * JSON {@code order_code, origin_id, state, state_text, driver_name, driver_mobile, timestamp (ms), sign}; we also
   * take that JSON as the whole body. Its {@code sign} is not checked (no receiver checks it, its v3 rule is unknown):
   * the callback is trusted by the {@link CallbackToken} in the URL we register. No source shows a rider position in
   * a UU callback or order detail (only {@code order/driverTrack} has one), so none is read.
   */
  static final String CALLBACK_REPLY = "{\"return_code\":\"ok\"}";
  // ---- end of open choices ----

  /**
   * v3 status codes (api-reference.md). "-1" is v2's cancellation, kept because production callbacks are v2-shaped.
   * v3 has no give-up code: a courier giving the order up sends it back to 1 (waiting), read as CREATED; the webhook
   * rules treat UU 1 after acceptance as a give-up.
   */
  private static final Map<String, CourierState> STATUS = Map.of(
      "1", CourierState.CREATED,
      "3", CourierState.ACCEPTED,
      "4", CourierState.ARRIVED_AT_SHOP,
      "5", CourierState.PICKED_UP,
      "6", CourierState.PICKED_UP,        // delivering
      "10", CourierState.DELIVERED,
      "11", CourierState.CANCELLED,
      "20", CourierState.ABNORMAL,
      "-1", CourierState.CANCELLED);

  /**
   * @param appId     the developer app ({@code X-App-Id})
   * @param appSecret the app's signing secret
   * @param openId    the merchant's authorisation of this app ({@code user/unauthorized/auth} answers it)
   */
  public record Credentials(String appId, String appSecret, String openId) {
    public Credentials {
      Objects.requireNonNull(appId, "appId");
      Objects.requireNonNull(appSecret, "appSecret");
      Objects.requireNonNull(openId, "openId");
    }
  }

  private final Credentials credentials;
  private final Clock clock;
  private final String callbackToken;

  public UuWire(Credentials credentials, Clock clock) {
    this.credentials = credentials;
    this.clock = clock;
    this.callbackToken = CallbackToken.of(CourierPlatform.UU.id(), credentials.appSecret());
  }

  @Override
  public CourierPlatform platform() {
    return CourierPlatform.UU;
  }

  public String sign(String biz, long timestamp) {
    return WireCodec.md5Hex(biz + credentials.appSecret() + timestamp).toUpperCase();
  }

  @Override
  public CourierHttpRequest quote(CourierOrderRequest order) {
    return signed(QUOTE_PATH, order.accountOr(credentials.openId()), biz()
        .put("fromAddress", order.shop().address())
        .put("toAddress", order.customer().address())
        .put("sendType", SEND_TYPE)
        .put("cityName", CityNames.nameOf(order.cityName()))
        .put("specialChannel", SPECIAL_CHANNEL)
        .put(ORIGIN_ID, order.orderId()));
  }

  @Override
  public CourierHttpRequest createOrder(CourierOrderRequest order) {
    if (order.quoteToken() == null) {
      throw new IllegalArgumentException("UU places an order by the price token of its quote; quoteToken is null");
    }
    return signed(CREATE_PATH, order.accountOr(credentials.openId()), biz()
        .put("priceToken", PricedToken.parse(order.quoteToken()).token())
        .put("receiver_phone", order.customer().phone())
        .put("pushType", PUSH_TYPE)
        .put("payType", PAY_TYPE)
        .put("specialChannel", SPECIAL_CHANNEL)
        .put("specialType", SPECIAL_TYPE));
  }

  @Override
  public boolean placesWithQuoteToken() {
    return true;
  }

  @Override
  public CourierHttpRequest cancel(CourierCancelRequest cancel) {
    JsonObject biz = biz().put("order_code", cancel.platformOrderId());
    if (cancel.reason() != null && !cancel.reason().isBlank()) {
      biz.put("reason", cancel.reason());
    }
    return signed(CANCEL_PATH, cancel.accountOr(credentials.openId()), biz);
  }

  /** UU's detail query takes only its own {@code order_code}: without it there is nothing to ask. */
  @Override
  public CourierHttpRequest orderDetail(String account, String orderId, String platformOrderId) {
    if (platformOrderId == null) {
      throw new UnsupportedOperationException("UU's order detail is asked by its order_code, and none is known for "
          + orderId);
    }
    return signed(DETAIL_PATH, CourierWire.accountOr(account, credentials.openId()),
        biz().put("order_code", platformOrderId));
  }

  /** Adds a tip by UU's own order code; without it (the create's answer never came) there is nothing to tip. */
  @Override
  public CourierHttpRequest addTip(String account, String orderId, String platformOrderId, long tipFen, String key) {
    if (platformOrderId == null) {
      throw new UnsupportedOperationException("UU's tip names its order_code, and none is known for " + orderId);
    }
    if (tipFen <= 0) {
      throw new IllegalArgumentException("a tip must be more than 0 fen, was " + tipFen);
    }
    return signed(TIP_PATH, CourierWire.accountOr(account, credentials.openId()),
        biz().put("order_code", platformOrderId).put(TIP_FIELD, tipFen).put(TIP_KEY_FIELD, key));
  }

  @Override
  public CourierTipAdded readAddTip(String responseBody) {
    JsonObject body = okBody(responseBody, "tip");
    return new CourierTipAdded(WireCodec.optText(body, "orderCode"), WireCodec.optLong(body, TIP_FIELD, "UU tip"));
  }

  /** The balance of the merchant authorisation {@code account} (UU's openId; null: the configured one). */
  @Override
  public CourierHttpRequest accountBalance(String account) {
    return signed(BALANCE_PATH, CourierWire.accountOr(account, credentials.openId()), biz());
  }

  @Override
  public long readAccountBalance(String responseBody) {
    return WireCodec.requireLong(okBody(responseBody, "balance"), BALANCE_FIELD, "UU balance");
  }

  /** Keys in sorted order, as UU's CLI encodes them (the signature covers whatever order is sent). */
  private static JsonObject biz() {
    return new JsonObject(new TreeMap<>());
  }

  private CourierHttpRequest signed(String path, JsonObject biz) {
    return signed(path, credentials.openId(), biz);
  }

  /** {@code openId}: the merchant's (a shop's own, or the default) authorisation of our app. */
  private CourierHttpRequest signed(String path, String openId, JsonObject biz) {
    String bizJson = biz.encode();
    long timestamp = clock.instant().getEpochSecond();
    JsonObject envelope = new JsonObject()
        .put("openId", openId)
        .put("timestamp", timestamp)
        .put("biz", bizJson)
        .put("sign", sign(bizJson, timestamp));
    return new CourierHttpRequest(path, CourierHttpRequest.JSON, envelope.encode(),
        Map.of("X-App-Id", credentials.appId()));
  }

  private JsonObject okBody(String body, String what) {
    JsonObject answer = WireCodec.parseObject(body, "UU " + what + " answer");
    Object code = answer.getValue("code");
    if (!(code instanceof Number n) || n.intValue() != OK_CODE) {
      throw new CourierRejectedException(platform(), String.valueOf(code), answer.getString("msg"));
    }
    if (!(answer.getValue("body") instanceof JsonObject payload)) {
      throw new CourierWireException("UU " + what + " answer lacks body");
    }
    return payload;
  }

  /** The price is what UU will take from the balance ({@code needPayMoney}); {@code totalMoney} is before discounts. */
  @Override
  public CourierQuote readQuote(String responseBody) {
    JsonObject body = okBody(responseBody, "quote");
    long charged = WireCodec.requireLong(body, "needPayMoney", "UU quote");
    String token = WireCodec.requireText(body, "priceToken", "UU quote");
    return new CourierQuote(charged, null, new PricedToken(charged, token).encode());
  }

  @Override
  public CourierOrderPlaced readCreateOrder(String responseBody) {
    return placed(responseBody, null);
  }

  @Override
  public CourierOrderPlaced readCreateOrder(CourierOrderRequest placed, String responseBody) {
    return placed(responseBody, placed.quoteToken() == null ? null : PricedToken.parse(placed.quoteToken()).priceFen());
  }

  /**
   * An answer with {@code orderUrl} means the balance did not cover the order and UU waits for a payment by that link:
   * no courier comes until someone pays, so it is a refusal here.
   */
  private CourierOrderPlaced placed(String responseBody, Long tokenPrice) {
    JsonObject body = okBody(responseBody, "order");
    String payUrl = WireCodec.optText(body, "orderUrl");
    if (payUrl != null) {
      throw new CourierRejectedException(platform(), "PAYMENT_REQUIRED",
          "the UU balance does not cover the order; it waits for a payment at " + payUrl);
    }
    Long stated = WireCodec.optLong(body, "needPayMoney", "UU order");
    return new CourierOrderPlaced(WireCodec.requireText(body, "orderCode", "UU order"),
        stated != null ? stated : tokenPrice);
  }

  /** UU's cancel answer states no penalty ({@code order/cancelFee} would; its answer fields are unconfirmed). */
  @Override
  public CourierCancelled readCancel(String responseBody) {
    okBody(responseBody, "cancel");
    return new CourierCancelled(null, null);
  }

  @Override
  public CourierOrderDetail readOrderDetail(String responseBody) {
    JsonObject body = okBody(responseBody, "order detail");
    String state = WireCodec.requireText(body, "state", "UU order detail");
    return new CourierOrderDetail(
        WireCodec.requireText(body, "orderCode", "UU order detail"),
        firstText(body, "originId", "origin_id"),
        STATUS.getOrDefault(state, CourierState.ABNORMAL),
        state,
        WireCodec.optLong(body, "orderPrice", "UU order detail"),
        WireCodec.optText(body, "driverName"),
        WireCodec.optText(body, "driverMobile"),
        null);
  }

  /** Trusted by the URL's {@link CallbackToken}: UU's callback signature is not one we can check (see above). */
  @Override
  public boolean verifyCallback(CourierInbound inbound) {
    return CallbackToken.matches(callbackToken, inbound);
  }

  @Override
  public CourierCallback readCallback(CourierInbound inbound) {
    JsonObject data = callbackData(inbound.body());
    String state = WireCodec.requireText(data, "state", "UU callback");
    return new CourierCallback(
        platform(),
        WireCodec.requireText(data, "order_code", "UU callback"),
        WireCodec.requireText(data, "origin_id", "UU callback"),
        STATUS.getOrDefault(state, CourierState.ABNORMAL),
        state,
        WireCodec.optText(data, "driver_name"),
        WireCodec.optText(data, "driver_mobile"),
        null,
        Instant.ofEpochMilli(WireCodec.requireLong(data, "timestamp", "UU callback")));
  }

  /** The callback JSON: the form parameter {@code data}, or the body itself when it is JSON. */
  private static JsonObject callbackData(String body) {
    String trimmed = body == null ? "" : body.trim();
    if (trimmed.startsWith("{")) {
      JsonObject json = WireCodec.parseObject(trimmed, "UU callback");
      return json.getValue("data") instanceof String inner ? WireCodec.parseObject(inner, "UU callback data")
          : json.getValue("data") instanceof JsonObject inner ? inner : json;
    }
    return WireCodec.parseObject(WireCodec.formDecode(trimmed).get("data"), "UU callback data");
  }

  private static String firstText(JsonObject json, String... fields) {
    for (String field : fields) {
      String value = WireCodec.optText(json, field);
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  @Override
  public String callbackQuery() {
    return "?" + CallbackToken.QUERY_PARAMETER + "=" + callbackToken;
  }

  @Override
  public String callbackReply() {
    return CALLBACK_REPLY;
  }

  @Override
  public Map<String, CourierState> statusTable() {
    return STATUS;
  }
}
