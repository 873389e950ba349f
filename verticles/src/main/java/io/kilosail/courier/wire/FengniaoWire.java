package io.kilosail.courier.wire;

import io.kilosail.infra.Texts;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Fengniao (蜂鸟) open platform v3. Business calls POST a JSON envelope
 * {@code {app_id, merchant_id, timestamp, version, access_token, business_data, signature}} with {@code business_data}
 * a JSON string and {@code signature = lowerhex(SHA256(appSecret + "k=v&k=v..."))} over the envelope's other non-empty
 * fields sorted by key. The {@code access_token} comes from the token endpoint ({@link #tokenRequest}); this class
 * only builds and reads, a token holder ({@code FengniaoTokens}) fetches, caches and renews it and binds it with
 * {@link #withAccessToken}. A cancel is two calls: {@link #preCancel} states its cost, {@link #cancel(CourierCancelRequest,
 * long)} confirms it with that cost.
 *
 * <p>Sources: {@code MQEnergy/delivery-core} (core/fn/v3/base.go: envelope, token requests and answer, both signatures;
 * routers/fn/v3/fn.go: paths), a published cancel request model ({@code order_cancel_code},
 * {@code actual_cancel_cost_cent}, {@code order_cancel_role}: 1 merchant, 2 user) and {@code zhexiaoyang/meiquan}
 * ({@code position_source} 3 as production sends it).
 */
public final class FengniaoWire implements CourierWire {

  // ---- Choices the sources leave open (unconfirmed); correct them here and only here. ----
  /** Paths under the configured host: the API lives below {@code /anubis-webapi}. */
  static final String TOKEN_PATH = "/anubis-webapi/openapi/token";
  static final String QUOTE_PATH = "/anubis-webapi/v3/invoke/preCreateOrder";
  static final String CREATE_PATH = "/anubis-webapi/v3/invoke/createOrder";
  static final String PRE_CANCEL_PATH = "/anubis-webapi/v3/invoke/preCancelOrder";
  static final String CANCEL_PATH = "/anubis-webapi/v3/invoke/cancelOrder";
  /**
   * {@code getOrderDetail}, by {@code partner_order_code} (and Fengniao's {@code order_id} when known). (unconfirmed) We
   * name the store the order was placed from as {@code out_shop_code} (as orders and getAmount do), so an order placed
   * from a shop's own store is looked for there; a platform that keeps orders per merchant ignores it.
   */
  static final String ORDER_DETAIL_PATH = "/anubis-webapi/v3/invoke/getOrderDetail";
  /**
   * {@code getAmount} (获取余额; delivery-core routers/fn/v3, a production PHP client that sends it with an empty
   * business_data). (unconfirmed) We name the store whose balance we mean as {@code out_shop_code} (as orders do), so
   * a shop's own store is asked for its own; a platform that keeps one balance per merchant ignores it and answers that.
   * The answer's {@code business_data.amount_cent} is the balance in fen ("_cent" as Fengniao's other money fields);
   * no source shows the answer.
   */
  static final String BALANCE_PATH = "/anubis-webapi/v3/invoke/getAmount";
  static final String BALANCE_FIELD = "amount_cent";
  static final String VERSION = "1.0";
  /** 3 = AMap (GCJ-02), as production sends it; the enum's other values are not in any source. */
  static final int POSITION_SOURCE_GCJ02 = 3;
  /** order_type 1: an immediate delivery (即时单). */
  static final int ORDER_TYPE = 1;
  /**
   * The reason code of a cancel comes from the merchant's {@code getCancelReasonList}; kilosail sends this one (its
   * meaning in that list is not published). order_cancel_role 1 = the merchant cancels.
   */
  static final int CANCEL_REASON_CODE = 1;
  static final int CANCEL_ROLE_MERCHANT = 1;
  /** Answers {@code {"code":"200","msg":..,"business_data":"{..}"}}; money in fen ("_cent"). */
  static final String OK_CODE = "200";
  /** The error codes that mean "this access_token is not (or no longer) valid": fetch another and try once more. */
  static final Set<String> TOKEN_REJECTED_CODES = Set.of("A0401");
  /** The token answer's {@code expire_in} / {@code re_expire_in} are seconds (365 days; 365 + 7 for the refresh token). */
  static final String EXPIRES_IN = "expire_in";
  static final String REFRESH_EXPIRES_IN = "re_expire_in";
  /**
   * Callbacks: {@code {app_id, timestamp, signature, business_data}} with business_data a JSON string
   * {@code {callback_business_type, param}}; param carries {@code order_id} (Fengniao's id, as its answers name it) and
   * {@code push_time} (epoch ms; the envelope's timestamp when absent) besides the published
   * {@code partner_order_code, order_status, carrier_driver_name, carrier_driver_phone}. The reply body is ours.
   */
  static final String CALLBACK_REPLY = "{\"code\":\"200\",\"msg\":\"success\"}";
  // ---- end of unconfirmed choices ----

  private static final Map<String, CourierState> STATUS = Map.of(
      "1", CourierState.CREATED,          // accepted by Fengniao's system, no rider yet
      "20", CourierState.ACCEPTED,        // a rider assigned
      "80", CourierState.ARRIVED_AT_SHOP,
      "2", CourierState.PICKED_UP,        // delivering
      "3", CourierState.DELIVERED,
      "4", CourierState.CANCELLED,        // (unconfirmed)
      "5", CourierState.ABNORMAL);

  /**
   * What a merchant is given: the app's id and secret (open platform developer), its merchant id, the code of its
   * store registered with Fengniao ({@code out_shop_code}), and how the first access token is obtained
   * ({@code bootstrap}: the merchant's one-time authorisation code, or a refresh token from an earlier grant).
   */
  public record Credentials(String appId, String appSecret, String merchantId, String storeCode, TokenGrant bootstrap) {
    public Credentials {
      Objects.requireNonNull(appId, "appId");
      Objects.requireNonNull(appSecret, "appSecret");
      Objects.requireNonNull(merchantId, "merchantId");
      Objects.requireNonNull(storeCode, "storeCode");
      Objects.requireNonNull(bootstrap, "bootstrap");
    }
  }

  /** How to get a token: the merchant's one-time authorisation {@code code}, or a refresh token. */
  public record TokenGrant(String grantType, String value) {
    public static TokenGrant authorizationCode(String code) {
      return new TokenGrant("authorization_code", Objects.requireNonNull(code, "code"));
    }

    public static TokenGrant refreshToken(String refreshToken) {
      return new TokenGrant("refresh_token", Objects.requireNonNull(refreshToken, "refreshToken"));
    }

    String field() {
      return "refresh_token".equals(grantType) ? "refresh_token" : "code";
    }
  }

  /** A token answer: lifetimes in seconds from when it was issued. */
  public record Token(String accessToken, String refreshToken, long expiresInSeconds, long refreshExpiresInSeconds) {
  }

  private final Credentials credentials;
  private final Clock clock;
  private final String accessToken;

  public FengniaoWire(Credentials credentials, Clock clock) {
    this(credentials, clock, null);
  }

  private FengniaoWire(Credentials credentials, Clock clock, String accessToken) {
    this.credentials = credentials;
    this.clock = clock;
    this.accessToken = accessToken;
  }

  /** This wire with every business request carrying {@code token}. */
  public FengniaoWire withAccessToken(String token) {
    return new FengniaoWire(credentials, clock, Objects.requireNonNull(token, "token"));
  }

  public String merchantId() {
    return credentials.merchantId();
  }

  /** How the first token is obtained (and again when the refresh token is lost or refused). */
  public TokenGrant bootstrapGrant() {
    return credentials.bootstrap();
  }

  @Override
  public CourierPlatform platform() {
    return CourierPlatform.FENGNIAO;
  }

  /** The signature over an envelope's fields: every field but {@code signature}, empty ones left out. */
  public String sign(Map<String, String> fields) {
    StringJoiner sorted = new StringJoiner("&");
    new TreeMap<>(fields).forEach((key, value) -> {
      if (!"signature".equals(key) && value != null && !value.isEmpty()) {
        sorted.add(key + "=" + value);
      }
    });
    return WireCodec.sha256Hex(credentials.appSecret() + sorted);
  }

  // ---------------------------------------------------------------- token

  public CourierHttpRequest tokenRequest(TokenGrant grant) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("grant_type", grant.grantType());
    fields.put(grant.field(), grant.value());
    fields.put("app_id", credentials.appId());
    fields.put("merchant_id", credentials.merchantId());
    fields.put("timestamp", Long.toString(clock.millis()));
    JsonObject body = new JsonObject();
    fields.forEach(body::put);
    body.put("signature", sign(fields));
    return new CourierHttpRequest(TOKEN_PATH, CourierHttpRequest.JSON, body.encode());
  }

  public Token readToken(String responseBody) {
    JsonObject data = okBusinessData(responseBody, "token");
    return new Token(
        WireCodec.requireText(data, "access_token", "Fengniao token"),
        WireCodec.requireText(data, "refresh_token", "Fengniao token"),
        WireCodec.requireLong(data, EXPIRES_IN, "Fengniao token"),
        WireCodec.requireLong(data, REFRESH_EXPIRES_IN, "Fengniao token"));
  }

  /** True when Fengniao's error {@code code} says the access token was refused (fetch another, then retry once). */
  public static boolean isTokenRejection(String code) {
    return code != null && TOKEN_REJECTED_CODES.contains(code);
  }

  // ---------------------------------------------------------------- business calls

  private JsonObject order(CourierOrderRequest order) {
    long goodsFen = order.goodsValueFen();
    return new JsonObject()
        .put("partner_order_code", order.orderId())
        .put("out_shop_code", order.accountOr(credentials.storeCode()))
        .put("order_type", ORDER_TYPE)
        .put("position_source", POSITION_SOURCE_GCJ02)
        .put("receiver_name", order.customer().name())
        .put("receiver_primary_phone", order.customer().phone())
        .put("receiver_address", order.customer().address())
        .put("receiver_longitude", order.customer().lng())
        .put("receiver_latitude", order.customer().lat())
        .put("goods_total_amount_cent", goodsFen)
        .put("goods_actual_amount_cent", goodsFen)
        .put("goods_weight", WireCodec.kilogramsRoundedUp(order.weightGrams()))
        .put("goods_count", 1)
        .put("goods_item_list", new JsonArray().add(new JsonObject()
            .put("item_name", "kilosail order " + order.orderId())
            .put("item_quantity", 1)
            .put("item_amount_cent", goodsFen)
            .put("item_actual_amount_cent", goodsFen)))
        .put("order_remark", order.note() == null ? "" : order.note());
  }

  @Override
  public CourierHttpRequest quote(CourierOrderRequest order) {
    return signed(QUOTE_PATH, order(order));
  }

  @Override
  public CourierHttpRequest createOrder(CourierOrderRequest order) {
    return signed(CREATE_PATH, order(order));
  }

  @Override
  public boolean placesWithQuoteToken() {
    return false;
  }

  /** The first step of a cancel: Fengniao answers what it would cost ({@link #readPreCancel}). */
  public CourierHttpRequest preCancel(CourierCancelRequest cancel) {
    return signed(PRE_CANCEL_PATH, new JsonObject()
        .put("order_id", cancel.platformOrderId())
        .put("partner_order_code", cancel.orderId())
        .put("order_cancel_code", CANCEL_REASON_CODE));
  }

  /** What the cancel will cost, in fen ({@code actual_cancel_cost_cent}). */
  public long readPreCancel(String responseBody) {
    return WireCodec.requireLong(okBusinessData(responseBody, "pre-cancel"), "actual_cancel_cost_cent",
        "Fengniao pre-cancel");
  }

  /** The second step: the cancel itself, accepting the cost {@link #readPreCancel} stated. */
  public CourierHttpRequest cancel(CourierCancelRequest cancel, long statedCostFen) {
    return signed(CANCEL_PATH, new JsonObject()
        .put("order_id", cancel.platformOrderId())
        .put("partner_order_code", cancel.orderId())
        .put("order_cancel_code", CANCEL_REASON_CODE)
        .put("order_cancel_role", CANCEL_ROLE_MERCHANT)
        .put("actual_cancel_cost_cent", statedCostFen)
        .put("order_cancel_other_reason", cancel.reason() == null ? "" : truncate(cancel.reason(), 20)));
  }

  /** Fengniao cancels only with the cost its pre-cancel stated: use {@link #preCancel}, then the two-argument cancel. */
  @Override
  public CourierHttpRequest cancel(CourierCancelRequest cancel) {
    throw new UnsupportedOperationException("Fengniao cancels in two steps: preCancel, then cancel with its cost");
  }

  @Override
  public CourierHttpRequest orderDetail(String account, String orderId, String platformOrderId) {
    JsonObject query = new JsonObject().put("partner_order_code", Objects.requireNonNull(orderId, "orderId"))
        .put("out_shop_code", CourierWire.accountOr(account, credentials.storeCode()));
    if (platformOrderId != null) {
      query.put("order_id", platformOrderId);
    }
    return signed(ORDER_DETAIL_PATH, query);
  }

  /** The balance of the store {@code account} (its out_shop_code; null: the configured one). */
  @Override
  public CourierHttpRequest accountBalance(String account) {
    return signed(BALANCE_PATH, new JsonObject()
        .put("out_shop_code", CourierWire.accountOr(account, credentials.storeCode())));
  }

  @Override
  public long readAccountBalance(String responseBody) {
    return WireCodec.requireLong(okBusinessData(responseBody, "balance"), BALANCE_FIELD, "Fengniao balance");
  }

  private CourierHttpRequest signed(String path, JsonObject businessData) {
    if (accessToken == null) {
      throw new IllegalStateException("a Fengniao business call needs an access token (withAccessToken)");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("app_id", credentials.appId());
    fields.put("merchant_id", credentials.merchantId());
    fields.put("timestamp", Long.toString(clock.millis()));
    fields.put("version", VERSION);
    fields.put("access_token", accessToken);
    fields.put("business_data", businessData.encode());
    JsonObject envelope = new JsonObject();
    fields.forEach(envelope::put);
    envelope.put("signature", sign(fields));
    return new CourierHttpRequest(path, CourierHttpRequest.JSON, envelope.encode());
  }

  private JsonObject okBusinessData(String body, String what) {
    JsonObject answer = WireCodec.parseObject(body, "Fengniao " + what + " answer");
    String code = String.valueOf(answer.getValue("code"));
    if (!OK_CODE.equals(code)) {
      throw new CourierRejectedException(platform(), code, answer.getString("msg"));
    }
    return businessData(answer.getValue("business_data"), "Fengniao " + what + " business_data");
  }

  /** business_data is a JSON string; an object is read as it is. */
  private static JsonObject businessData(Object value, String what) {
    if (value instanceof JsonObject object) {
      return object;
    }
    return WireCodec.parseObject(value instanceof String s ? s : null, what);
  }

  /** The first service that can carry the order; a refusal naming every reason when none can. */
  @Override
  public CourierQuote readQuote(String responseBody) {
    JsonObject data = okBusinessData(responseBody, "quote");
    if (!(data.getValue("goods_infos") instanceof JsonArray goods)) {
      throw new CourierWireException("Fengniao quote business_data lacks goods_infos");
    }
    StringJoiner reasons = new StringJoiner("; ");
    for (Object item : goods) {
      if (!(item instanceof JsonObject info)) {
        throw new CourierWireException("Fengniao quote goods_infos holds a non-object");
      }
      String disabled = WireCodec.optText(info, "disable_reason");
      if (disabled != null) {
        reasons.add(disabled);
        continue;
      }
      return new CourierQuote(WireCodec.requireLong(info, "actual_delivery_amount_cent", "Fengniao quote"), null, null);
    }
    throw new CourierRejectedException(platform(), "unavailable",
        goods.isEmpty() ? "no delivery service offered" : reasons.toString());
  }

  /** No source shows a price in createOrder's answer; the quote's stands. */
  @Override
  public CourierOrderPlaced readCreateOrder(String responseBody) {
    JsonObject data = okBusinessData(responseBody, "order");
    return new CourierOrderPlaced(WireCodec.requireText(data, "order_id", "Fengniao order"), null);
  }

  /** The cancel answer; the penalty is the cost the pre-cancel stated, which the caller pairs with it. */
  @Override
  public CourierCancelled readCancel(String responseBody) {
    JsonObject data = okBusinessData(responseBody, "cancel");
    return new CourierCancelled(WireCodec.optText(data, "order_id"), null);
  }

  @Override
  public CourierOrderDetail readOrderDetail(String responseBody) {
    JsonObject data = okBusinessData(responseBody, "order detail");
    String status = WireCodec.requireText(data, "order_status", "Fengniao order detail");
    return new CourierOrderDetail(
        WireCodec.optText(data, "order_id"),
        WireCodec.optText(data, "partner_order_code"),
        STATUS.getOrDefault(status, CourierState.ABNORMAL),
        status,
        null,
        WireCodec.optText(data, "carrier_driver_name"),
        WireCodec.optText(data, "carrier_driver_phone"),
        null);
  }

  @Override
  public boolean verifyCallback(CourierInbound inbound) {
    JsonObject envelope;
    try {
      envelope = WireCodec.parseObject(inbound.body(), "Fengniao callback");
    } catch (CourierWireException e) {
      return false;
    }
    if (!(envelope.getValue("signature") instanceof String given)
        || !credentials.appId().equals(String.valueOf(envelope.getValue("app_id")))) {
      return false;
    }
    Map<String, String> fields = new TreeMap<>();
    for (Map.Entry<String, Object> entry : envelope) {
      Object value = entry.getValue();
      if (value instanceof JsonObject || value instanceof JsonArray) {
        // Signed as sent: a business_data object would have to be re-encoded, which is not the bytes signed.
        return false;
      }
      fields.put(entry.getKey(), value == null ? null : String.valueOf(value));
    }
    return WireCodec.constantTimeEquals(sign(fields), given.toLowerCase());
  }

  @Override
  public CourierCallback readCallback(CourierInbound inbound) {
    JsonObject envelope = WireCodec.parseObject(inbound.body(), "Fengniao callback");
    JsonObject data = businessData(envelope.getValue("business_data"), "Fengniao callback business_data");
    if (!(data.getValue("param") instanceof JsonObject param)) {
      throw new CourierWireException("Fengniao callback business_data lacks param");
    }
    String status = WireCodec.requireText(param, "order_status", "Fengniao callback");
    Long pushTime = WireCodec.optLong(param, "push_time", "Fengniao callback");
    long occurredAt = pushTime != null ? pushTime : WireCodec.requireLong(envelope, "timestamp", "Fengniao callback");
    return new CourierCallback(
        platform(),
        WireCodec.requireText(param, "order_id", "Fengniao callback"),
        WireCodec.requireText(param, "partner_order_code", "Fengniao callback"),
        STATUS.getOrDefault(status, CourierState.ABNORMAL),
        status,
        WireCodec.optText(param, "carrier_driver_name"),
        WireCodec.optText(param, "carrier_driver_phone"),
        null,
        Instant.ofEpochMilli(occurredAt));
  }

  @Override
  public String callbackReply() {
    return CALLBACK_REPLY;
  }

  @Override
  public Map<String, CourierState> statusTable() {
    return STATUS;
  }

  private static String truncate(String text, int max) {
    return Texts.clip(text, max);
  }
}
