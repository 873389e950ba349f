package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * UU (UU跑腿) open API v3: a JSON envelope {@code {appId, timestamp, biz, sign}} where {@code biz} is the business
 * payload as a JSON string and {@code sign = UPPER(MD5(biz + appKey + timestamp))}. Placing an order quotes back the
 * price token of an earlier price request.
 */
public final class UuWire implements CourierWire {

  // ---- Choices the reference leaves open (unconfirmed); correct them here and only here. ----
  /** Endpoint paths under the configured base URL. */
  static final String QUOTE_PATH = "/openapi/v3/getOrderPrice";
  static final String CREATE_PATH = "/openapi/v3/addOrder";
  static final String CANCEL_PATH = "/openapi/v3/cancelOrder";
  // The envelope carries appId beside biz, timestamp (epoch seconds) and sign.
  /** Answers are {@code {"code":0,"msg":..,"data":{..}}}; any other code is a refusal. Money is in fen. */
  static final int OK_CODE = 0;
  static final String QUOTE_PRICE = "orderPrice";
  static final String QUOTE_TOKEN = "priceToken";
  static final String QUOTE_ETA_SECONDS = "expectedSeconds";
  /**
   * Callbacks are signed the way requests are (the reference's reading): the same envelope, {@code biz} holding
   * {@code orderCode, originId, state, driverName, driverMobile, changeTime}; {@code changeTime} in epoch millis.
   */
  static final String CALLBACK_REPLY = "{\"code\":0,\"msg\":\"ok\"}";
  // ---- end of unconfirmed choices ----

  private static final Map<String, CourierState> STATUS = Map.of(
      "1", CourierState.CREATED,          // placed, waiting for a courier
      "2", CourierState.CREATED,          // the courier gave the order up: back to waiting
      "3", CourierState.ACCEPTED,
      "4", CourierState.ARRIVED_AT_SHOP,
      "5", CourierState.PICKED_UP,
      "6", CourierState.PICKED_UP,        // at the destination, not yet handed over
      "10", CourierState.DELIVERED,       // received by the customer
      "-1", CourierState.CANCELLED,
      "-2", CourierState.CANCELLED,       // cancelled by UU support
      "-3", CourierState.CANCELLED);      // no courier before the timeout

  public record Credentials(String appId, String appKey) {
    public Credentials {
      Objects.requireNonNull(appId, "appId");
      Objects.requireNonNull(appKey, "appKey");
    }
  }

  private final Credentials credentials;
  private final Clock clock;

  public UuWire(Credentials credentials, Clock clock) {
    this.credentials = credentials;
    this.clock = clock;
  }

  @Override
  public CourierPlatform platform() {
    return CourierPlatform.UU;
  }

  public String sign(String biz, String timestamp) {
    return WireCodec.md5Hex(biz + credentials.appKey() + timestamp).toUpperCase();
  }

  @Override
  public CourierHttpRequest quote(CourierOrderRequest order) {
    return signed(QUOTE_PATH, new JsonObject()
        .put("originId", order.orderId())
        .put("cityName", order.cityName())
        .put("fromAddress", order.shop().address())
        .put("fromLat", order.shop().lat())
        .put("fromLng", order.shop().lng())
        .put("toAddress", order.customer().address())
        .put("toLat", order.customer().lat())
        .put("toLng", order.customer().lng())
        .put("goodsWeight", WireCodec.kilogramsRoundedUp(order.weightGrams()))
        .put("goodsPrice", order.goodsValueFen()));
  }

  @Override
  public CourierHttpRequest createOrder(CourierOrderRequest order) {
    if (order.quoteToken() == null) {
      throw new IllegalArgumentException("UU places an order by the price token of its quote; quoteToken is null");
    }
    return signed(CREATE_PATH, new JsonObject()
        .put("priceToken", order.quoteToken())
        .put("originId", order.orderId())
        .put("senderName", order.shop().name())
        .put("senderPhone", order.shop().phone())
        .put("receiverName", order.customer().name())
        .put("receiverPhone", order.customer().phone())
        .put("note", order.note() == null ? "" : order.note()));
  }

  @Override
  public boolean placesWithQuoteToken() {
    return true;
  }

  @Override
  public CourierHttpRequest cancel(CourierCancelRequest cancel) {
    return signed(CANCEL_PATH, new JsonObject()
        .put("orderCode", cancel.platformOrderId())
        .put("originId", cancel.orderId())
        .put("reason", cancel.reason() == null ? "" : cancel.reason()));
  }

  private CourierHttpRequest signed(String path, JsonObject biz) {
    String bizJson = biz.encode();
    String timestamp = Long.toString(clock.instant().getEpochSecond());
    JsonObject envelope = new JsonObject()
        .put("appId", credentials.appId())
        .put("timestamp", timestamp)
        .put("biz", bizJson)
        .put("sign", sign(bizJson, timestamp));
    return new CourierHttpRequest(path, CourierHttpRequest.JSON, envelope.encode());
  }

  private JsonObject okData(String body, String what) {
    JsonObject answer = WireCodec.parseObject(body, "UU " + what + " answer");
    Object code = answer.getValue("code");
    if (!(code instanceof Number n) || n.intValue() != OK_CODE) {
      throw new CourierRejectedException(platform(), String.valueOf(code), answer.getString("msg"));
    }
    JsonObject data = answer.getJsonObject("data");
    if (data == null) {
      throw new CourierWireException("UU " + what + " answer lacks data");
    }
    return data;
  }

  @Override
  public CourierQuote readQuote(String responseBody) {
    JsonObject data = okData(responseBody, "quote");
    return new CourierQuote(
        WireCodec.requireLong(data, QUOTE_PRICE, "UU quote"),
        WireCodec.optInt(data, QUOTE_ETA_SECONDS, "UU quote"),
        WireCodec.requireText(data, QUOTE_TOKEN, "UU quote"));
  }

  @Override
  public CourierOrderPlaced readCreateOrder(String responseBody) {
    JsonObject data = okData(responseBody, "order");
    return new CourierOrderPlaced(
        WireCodec.requireText(data, "orderCode", "UU order"),
        WireCodec.optLong(data, QUOTE_PRICE, "UU order"));
  }

  @Override
  public CourierCancelled readCancel(String responseBody) {
    JsonObject data = okData(responseBody, "cancel");
    return new CourierCancelled(WireCodec.optText(data, "orderCode"), null);
  }

  @Override
  public boolean verifyCallback(CourierInbound inbound) {
    JsonObject envelope;
    try {
      envelope = WireCodec.parseObject(inbound.body(), "UU callback");
    } catch (CourierWireException e) {
      return false;
    }
    Object biz = envelope.getValue("biz");
    Object timestamp = envelope.getValue("timestamp");
    Object given = envelope.getValue("sign");
    if (!(biz instanceof String bizJson) || timestamp == null || !(given instanceof String givenSign)
        || !credentials.appId().equals(String.valueOf(envelope.getValue("appId")))) {
      return false;
    }
    return WireCodec.constantTimeEquals(sign(bizJson, timestamp.toString()), givenSign.toUpperCase());
  }

  @Override
  public CourierCallback readCallback(CourierInbound inbound) {
    JsonObject envelope = WireCodec.parseObject(inbound.body(), "UU callback");
    JsonObject biz = WireCodec.parseObject(envelope.getValue("biz") instanceof String s ? s : null, "UU callback biz");
    String state = WireCodec.requireText(biz, "state", "UU callback");
    return new CourierCallback(
        platform(),
        WireCodec.requireText(biz, "orderCode", "UU callback"),
        WireCodec.requireText(biz, "originId", "UU callback"),
        STATUS.getOrDefault(state, CourierState.ABNORMAL),
        state,
        WireCodec.optText(biz, "driverName"),
        WireCodec.optText(biz, "driverMobile"),
        null,
        Instant.ofEpochMilli(WireCodec.requireLong(biz, "changeTime", "UU callback")));
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
