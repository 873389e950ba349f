package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Shansong (闪送) merchants API v5, as its own CLI ({@code shansongtech/iss-open-cli}: cmd/root.go,
 * skills/references/api-reference.md) and the production aggregator {@code zhexiaoyang/meiquan} speak it: form POSTs
 * of {@code clientId, shopId, timestamp (ms), data, sign} with
 * {@code sign = UPPER(MD5(appSecret + "clientId" + clientId + ["data" + data] + "shopId" + shopId + "timestamp" + ts))};
 * answers {@code {status: 200, msg, data}}. Placing an order quotes back the order number of its price calculation,
 * which becomes the order's id.
 *
 * <p>Shansong reads coordinates as BD-09 (Baidu) unless told otherwise, and its callbacks' courier positions are BD-09
 * (meiquan converts them back): requests are converted from kilosail's GCJ-02, positions read back to GCJ-02.
 * Callbacks are unsigned JSON: they are trusted by the {@link CallbackToken} in the callback URL we register.
 */
public final class ShansongWire implements CourierWire {

  // ---- Choices the sources leave open; correct them here and only here. ----
  static final String QUOTE_PATH = "/openapi/merchants/v5/orderCalculate";
  static final String CREATE_PATH = "/openapi/merchants/v5/orderPlace";
  static final String CANCEL_PATH = "/openapi/merchants/v5/abortOrder";
  static final String DETAIL_PATH = "/openapi/merchants/v5/orderInfo";
  static final int OK_STATUS = 200;
  /** Goods type 6 is 餐饮 (food) in Shansong's enum; the CLI sends 10 (other) for anything. */
  static final int GOOD_TYPE_FOOD = 6;
  /**
   * The price is what Shansong charges after its discounts ({@code totalFeeAfterSave}); the ETA is
   * {@code estimateReceiveSecond} (read as: until the receiver has it). Whether the place answer restates the charged
   * amount is unconfirmed: it is read when present, else the quote's travels in the token ({@link PricedToken}).
   */
  static final String CHARGED = "totalFeeAfterSave";
  static final String ETA_SECONDS = "estimateReceiveSecond";
  /**
   * (unconfirmed) Callbacks carry no time in any known receiver; a callback's moment is when we read it. A retry of
   * the same callback is then stored again, but the webhook rules never apply one state twice.
   */
  static final String CALLBACK_REPLY = "{\"status\":200,\"msg\":\"\",\"data\":\"\"}";
  /*
   * No balance query: Shansong's own CLI (iss-open-cli) and the other clients show none, so accountBalance is not
   * implemented and the balance check answers NOT_SUPPORTED for Shansong accounts.
   */
  // ---- end of open choices ----

  /**
   * Shansong has no "arrived at shop" status. 20 is also where an order goes back when its courier gives it up: the
   * webhook rules read Shansong 20 after acceptance as a give-up.
   */
  private static final Map<String, CourierState> STATUS = Map.of(
      "20", CourierState.CREATED,     // dispatching
      "30", CourierState.ACCEPTED,    // awaiting pickup: a courier accepted
      "40", CourierState.PICKED_UP,   // delivering
      "50", CourierState.DELIVERED,
      "60", CourierState.CANCELLED);

  /**
   * @param shopId the merchant's store as registered with Shansong (every request names it)
   */
  public record Credentials(String clientId, String shopId, String appSecret) {
    public Credentials {
      Objects.requireNonNull(clientId, "clientId");
      Objects.requireNonNull(shopId, "shopId");
      Objects.requireNonNull(appSecret, "appSecret");
    }
  }

  private final Credentials credentials;
  private final Clock clock;
  private final String callbackToken;

  public ShansongWire(Credentials credentials, Clock clock) {
    this.credentials = credentials;
    this.clock = clock;
    this.callbackToken = CallbackToken.of(CourierPlatform.SHANSONG.id(), credentials.appSecret());
  }

  @Override
  public CourierPlatform platform() {
    return CourierPlatform.SHANSONG;
  }

  /** The signature over one message; public so tests and tools can show what we sent. */
  public String sign(String data, String timestamp) {
    return sign(credentials.appSecret(), credentials.clientId(), credentials.shopId(), data, timestamp);
  }

  static String sign(String appSecret, String clientId, String shopId, String data, String timestamp) {
    String dataPart = data == null || data.isEmpty() ? "" : "data" + data;
    return WireCodec.md5Hex(appSecret + "clientId" + clientId + dataPart + "shopId" + shopId
        + "timestamp" + timestamp).toUpperCase();
  }

  @Override
  public CourierHttpRequest quote(CourierOrderRequest order) {
    GeoPoint from = Coordinates.gcj02ToBd09(new GeoPoint(order.shop().lat(), order.shop().lng()));
    GeoPoint to = Coordinates.gcj02ToBd09(new GeoPoint(order.customer().lat(), order.customer().lng()));
    JsonObject sender = new JsonObject()
        .put("fromAddress", order.shop().address())
        .put("fromSenderName", order.shop().name())
        .put("fromMobile", order.shop().phone())
        .put("fromLatitude", degrees(from.lat()))
        .put("fromLongitude", degrees(from.lng()));
    JsonObject receiver = new JsonObject()
        .put("orderNo", order.orderId())
        .put("toAddress", order.customer().address())
        .put("toLatitude", degrees(to.lat()))
        .put("toLongitude", degrees(to.lng()))
        .put("toReceiverName", order.customer().name())
        .put("toMobile", order.customer().phone())
        .put("goodType", GOOD_TYPE_FOOD)
        .put("weight", WireCodec.kilogramsRoundedUp(order.weightGrams()))
        .put("remarks", order.note() == null ? "" : order.note());
    JsonObject data = new JsonObject()
        .put("cityName", CityNames.nameOf(order.cityName()))
        .put("appointType", 0)
        .put("sender", sender)
        .put("receiverList", new JsonArray().add(receiver));
    return signed(QUOTE_PATH, order.accountOr(credentials.shopId()), data);
  }

  /** Six decimals (about 0.1 m), as text: what Shansong's examples send. */
  private static String degrees(double value) {
    return String.format(Locale.ROOT, "%.6f", value);
  }

  @Override
  public CourierHttpRequest createOrder(CourierOrderRequest order) {
    if (order.quoteToken() == null) {
      throw new IllegalArgumentException("Shansong places an order by the order number of its quote; quoteToken is null");
    }
    return signed(CREATE_PATH, order.accountOr(credentials.shopId()), new JsonObject().put("issOrderNo", PricedToken.parse(order.quoteToken()).token()));
  }

  @Override
  public boolean placesWithQuoteToken() {
    return true;
  }

  @Override
  public CourierHttpRequest cancel(CourierCancelRequest cancel) {
    return signed(CANCEL_PATH, cancel.accountOr(credentials.shopId()), new JsonObject()
        .put("issOrderNo", cancel.platformOrderId())
        .put("deductFlag", false));
  }

  /** By Shansong's order number when known, else by ours ({@code thirdOrderNo}, the quote's {@code orderNo}). */
  @Override
  public CourierHttpRequest orderDetail(String account, String orderId, String platformOrderId) {
    JsonObject data = platformOrderId != null
        ? new JsonObject().put("issOrderNo", platformOrderId)
        : new JsonObject().put("thirdOrderNo", Objects.requireNonNull(orderId, "orderId"));
    return signed(DETAIL_PATH, CourierWire.accountOr(account, credentials.shopId()), data);
  }

  private CourierHttpRequest signed(String path, JsonObject data) {
    return signed(path, credentials.shopId(), data);
  }

  /** {@code shopId}: the store the request is for (a shop's own Shansong store, or the default one); it is signed. */
  private CourierHttpRequest signed(String path, String shopId, JsonObject data) {
    String json = data.encode();
    String timestamp = Long.toString(clock.millis());
    Map<String, String> form = new LinkedHashMap<>();
    form.put("clientId", credentials.clientId());
    form.put("shopId", shopId);
    form.put("timestamp", timestamp);
    form.put("data", json);
    form.put("sign", sign(credentials.appSecret(), credentials.clientId(), shopId, json, timestamp));
    return new CourierHttpRequest(path, CourierHttpRequest.FORM, WireCodec.formEncode(form));
  }

  private JsonObject okData(String body, String what) {
    JsonObject answer = WireCodec.parseObject(body, "Shansong " + what + " answer");
    Integer status = answer.getValue("status") instanceof Number n ? n.intValue() : null;
    if (status == null || status != OK_STATUS) {
      throw new CourierRejectedException(platform(), String.valueOf(answer.getValue("status")), answer.getString("msg"));
    }
    if (!(answer.getValue("data") instanceof JsonObject data)) {
      throw new CourierWireException("Shansong " + what + " answer lacks data");
    }
    return data;
  }

  @Override
  public CourierQuote readQuote(String responseBody) {
    JsonObject data = okData(responseBody, "quote");
    long charged = WireCodec.requireLong(data, CHARGED, "Shansong quote");
    String orderNumber = WireCodec.requireText(data, "orderNumber", "Shansong quote");
    return new CourierQuote(charged, WireCodec.optInt(data, ETA_SECONDS, "Shansong quote"),
        new PricedToken(charged, orderNumber).encode());
  }

  @Override
  public CourierOrderPlaced readCreateOrder(String responseBody) {
    return placed(responseBody, null);
  }

  @Override
  public CourierOrderPlaced readCreateOrder(CourierOrderRequest placed, String responseBody) {
    return placed(responseBody, placed.quoteToken() == null ? null : PricedToken.parse(placed.quoteToken()).priceFen());
  }

  private CourierOrderPlaced placed(String responseBody, Long tokenPrice) {
    JsonObject data = okData(responseBody, "order");
    Long stated = WireCodec.optLong(data, CHARGED, "Shansong order");
    return new CourierOrderPlaced(WireCodec.requireText(data, "orderNumber", "Shansong order"),
        stated != null ? stated : tokenPrice);
  }

  @Override
  public CourierCancelled readCancel(String responseBody) {
    JsonObject data = okData(responseBody, "cancel");
    return new CourierCancelled(
        WireCodec.optText(data, "issOrderNo"),
        WireCodec.optLong(data, "deductAmount", "Shansong cancel"));
  }

  @Override
  public CourierOrderDetail readOrderDetail(String responseBody) {
    JsonObject data = okData(responseBody, "order detail");
    String status = WireCodec.requireText(data, "orderStatus", "Shansong order detail");
    JsonObject courier = data.getValue("courier") instanceof JsonObject c ? c : null;
    String issOrderNo = WireCodec.optText(data, "issOrderNo");
    return new CourierOrderDetail(
        issOrderNo != null ? issOrderNo : WireCodec.requireText(data, "orderNumber", "Shansong order detail"),
        WireCodec.optText(data, "thirdOrderNo") != null ? WireCodec.optText(data, "thirdOrderNo")
            : WireCodec.optText(data, "orderNo"),
        STATUS.getOrDefault(status, CourierState.ABNORMAL),
        status,
        WireCodec.optLong(data, CHARGED, "Shansong order detail"),
        WireCodec.optText(courier, "name"),
        WireCodec.optText(courier, "mobile"),
        position(courier));
  }

  @Override
  public boolean verifyCallback(CourierInbound inbound) {
    return CallbackToken.matches(callbackToken, inbound);
  }

  @Override
  public CourierCallback readCallback(CourierInbound inbound) {
    JsonObject data = WireCodec.parseObject(inbound.body(), "Shansong callback");
    String status = WireCodec.requireText(data, "status", "Shansong callback");
    JsonObject courier = data.getValue("courier") instanceof JsonObject c ? c : null;
    return new CourierCallback(
        platform(),
        WireCodec.requireText(data, "issOrderNo", "Shansong callback"),
        WireCodec.requireText(data, "orderNo", "Shansong callback"),
        STATUS.getOrDefault(status, CourierState.ABNORMAL),
        status,
        WireCodec.optText(courier, "name"),
        WireCodec.optText(courier, "mobile"),
        WireCodec.optLong(data, "deductAmount", "Shansong callback"),
        Instant.ofEpochMilli(clock.millis()),
        position(courier));
  }

  /** The courier's BD-09 position as GCJ-02; none when absent, unreadable or zero (no fix yet). */
  private static GeoPoint position(JsonObject courier) {
    Double lat = number(courier, "latitude");
    Double lng = number(courier, "longitude");
    if (lat == null || lng == null || (lat == 0 && lng == 0) || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
      return null;
    }
    return Coordinates.bd09ToGcj02(new GeoPoint(lat, lng));
  }

  private static Double number(JsonObject json, String field) {
    Object value = json == null ? null : json.getValue(field);
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    if (value instanceof String s && !s.isBlank()) {
      try {
        double d = Double.parseDouble(s.trim());
        return Double.isFinite(d) ? d : null;
      } catch (NumberFormatException e) {
        return null;
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
