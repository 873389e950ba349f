package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Shansong (闪送): form POSTs of {@code clientId, shopId, timestamp, data, sign} with
 * {@code sign = UPPER(MD5(appSecret + "clientId" + clientId + "data" + data + "shopId" + shopId + "timestamp" + timestamp))}.
 * Placing an order quotes back the order number of an earlier price calculation.
 */
public final class ShansongWire implements CourierWire {

  // ---- Choices the reference leaves open (unconfirmed); correct them here and only here. ----
  /** Endpoint paths under the configured base URL (the reference names none). */
  static final String QUOTE_PATH = "/openapi/merchants/v5/orderCalculate";
  static final String CREATE_PATH = "/openapi/merchants/v5/orderPlace";
  static final String CANCEL_PATH = "/openapi/merchants/v5/abortOrder";
  // {@code timestamp} is in epoch milliseconds.
  /** Answers are {@code {"status":200,"msg":..,"data":{..}}}; any other status is a refusal. */
  static final int OK_STATUS = 200;
  /** Quote answer fields: price in fen, the order number to place with, an ETA in seconds. */
  static final String QUOTE_PRICE = "totalAmount";
  static final String QUOTE_ORDER_NUMBER = "orderNumber";
  static final String QUOTE_ETA_SECONDS = "estimateDeliverySeconds";
  /**
   * Callbacks: the reference gives their JSON fields but no signature. We read them as signed like requests: a form
   * POST of {@code clientId, shopId, timestamp, data, sign} with {@code data} the callback JSON, same MD5 scheme;
   * {@code timestamp} is when the change happened. The courier is a nested {@code courier {name, mobile, latitude,
   * longitude}}. Shansong reports no "arrived at shop" status, so it never maps to ARRIVED_AT_SHOP.
   */
  static final String CALLBACK_COURIER = "courier";
  // ---- end of unconfirmed choices ----

  private static final Map<String, CourierState> STATUS = Map.of(
      "20", CourierState.CREATED,     // dispatching; also what a courier giving the order up goes back to
      "30", CourierState.ACCEPTED,    // awaiting pickup: a courier accepted
      "40", CourierState.PICKED_UP,   // delivering
      "50", CourierState.DELIVERED,
      "60", CourierState.CANCELLED);

  public record Credentials(String clientId, String shopId, String appSecret) {
    public Credentials {
      Objects.requireNonNull(clientId, "clientId");
      Objects.requireNonNull(shopId, "shopId");
      Objects.requireNonNull(appSecret, "appSecret");
    }
  }

  private final Credentials credentials;
  private final Clock clock;

  public ShansongWire(Credentials credentials, Clock clock) {
    this.credentials = credentials;
    this.clock = clock;
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
    return WireCodec.md5Hex(appSecret + "clientId" + clientId + "data" + data + "shopId" + shopId
        + "timestamp" + timestamp).toUpperCase();
  }

  @Override
  public CourierHttpRequest quote(CourierOrderRequest order) {
    JsonObject sender = new JsonObject()
        .put("fromAddress", order.shop().address())
        .put("fromSenderName", order.shop().name())
        .put("fromMobile", order.shop().phone())
        .put("fromLatitude", String.valueOf(order.shop().lat()))
        .put("fromLongitude", String.valueOf(order.shop().lng()));
    JsonObject receiver = new JsonObject()
        .put("orderNo", order.orderId())
        .put("toAddress", order.customer().address())
        .put("toReceiverName", order.customer().name())
        .put("toMobile", order.customer().phone())
        .put("toLatitude", String.valueOf(order.customer().lat()))
        .put("toLongitude", String.valueOf(order.customer().lng()))
        .put("goodType", 6)
        .put("weight", WireCodec.kilogramsRoundedUp(order.weightGrams()))
        .put("insuranceFlag", 0)
        .put("goodsPrice", order.goodsValueFen())
        .put("remarks", order.note() == null ? "" : order.note());
    JsonObject data = new JsonObject()
        .put("cityName", order.cityName())
        .put("appointType", 0)
        .put("sender", sender)
        .put("receiverList", new JsonArray().add(receiver));
    return signed(QUOTE_PATH, data);
  }

  @Override
  public CourierHttpRequest createOrder(CourierOrderRequest order) {
    if (order.quoteToken() == null) {
      throw new IllegalArgumentException("Shansong places an order by the order number of its quote; quoteToken is null");
    }
    return signed(CREATE_PATH, new JsonObject().put("issOrderNo", order.quoteToken()));
  }

  @Override
  public boolean placesWithQuoteToken() {
    return true;
  }

  @Override
  public CourierHttpRequest cancel(CourierCancelRequest cancel) {
    return signed(CANCEL_PATH, new JsonObject()
        .put("issOrderNo", cancel.platformOrderId())
        .put("deductFlag", false));
  }

  private CourierHttpRequest signed(String path, JsonObject data) {
    String json = data.encode();
    String timestamp = Long.toString(clock.millis());
    Map<String, String> form = new LinkedHashMap<>();
    form.put("clientId", credentials.clientId());
    form.put("shopId", credentials.shopId());
    form.put("timestamp", timestamp);
    form.put("data", json);
    form.put("sign", sign(json, timestamp));
    return new CourierHttpRequest(path, CourierHttpRequest.FORM, WireCodec.formEncode(form));
  }

  private JsonObject okData(String body, String what) {
    JsonObject answer = WireCodec.parseObject(body, "Shansong " + what + " answer");
    Integer status = answer.getValue("status") instanceof Number n ? n.intValue() : null;
    if (status == null || status != OK_STATUS) {
      throw new CourierRejectedException(platform(), String.valueOf(answer.getValue("status")), answer.getString("msg"));
    }
    JsonObject data = answer.getJsonObject("data");
    if (data == null) {
      throw new CourierWireException("Shansong " + what + " answer lacks data");
    }
    return data;
  }

  @Override
  public CourierQuote readQuote(String responseBody) {
    JsonObject data = okData(responseBody, "quote");
    return new CourierQuote(
        WireCodec.requireLong(data, QUOTE_PRICE, "Shansong quote"),
        WireCodec.optInt(data, QUOTE_ETA_SECONDS, "Shansong quote"),
        WireCodec.requireText(data, QUOTE_ORDER_NUMBER, "Shansong quote"));
  }

  @Override
  public CourierOrderPlaced readCreateOrder(String responseBody) {
    JsonObject data = okData(responseBody, "order");
    return new CourierOrderPlaced(
        WireCodec.requireText(data, QUOTE_ORDER_NUMBER, "Shansong order"),
        WireCodec.optLong(data, QUOTE_PRICE, "Shansong order"));
  }

  @Override
  public CourierCancelled readCancel(String responseBody) {
    JsonObject data = okData(responseBody, "cancel");
    return new CourierCancelled(
        WireCodec.optText(data, "issOrderNo"),
        WireCodec.optLong(data, "deductAmount", "Shansong cancel"));
  }

  @Override
  public boolean verifyCallback(CourierInbound inbound) {
    Map<String, String> form;
    try {
      form = WireCodec.formDecode(inbound.body());
    } catch (CourierWireException e) {
      return false;
    }
    String data = form.get("data");
    String timestamp = form.get("timestamp");
    if (data == null || timestamp == null
        || !credentials.clientId().equals(form.get("clientId")) || !credentials.shopId().equals(form.get("shopId"))) {
      return false;
    }
    String given = form.get("sign");
    return WireCodec.constantTimeEquals(sign(data, timestamp), given == null ? null : given.toUpperCase());
  }

  @Override
  public CourierCallback readCallback(CourierInbound inbound) {
    Map<String, String> form = WireCodec.formDecode(inbound.body());
    JsonObject data = WireCodec.parseObject(form.get("data"), "Shansong callback data");
    String timestamp = form.get("timestamp");
    Instant occurredAt;
    try {
      occurredAt = Instant.ofEpochMilli(Long.parseLong(timestamp));
    } catch (NumberFormatException e) {
      throw new CourierWireException("Shansong callback timestamp is not epoch millis: " + timestamp);
    }
    String status = WireCodec.requireText(data, "status", "Shansong callback");
    JsonObject courier = data.getValue(CALLBACK_COURIER) instanceof JsonObject c ? c : null;
    return new CourierCallback(
        platform(),
        WireCodec.requireText(data, "issOrderNo", "Shansong callback"),
        WireCodec.requireText(data, "orderNo", "Shansong callback"),
        STATUS.getOrDefault(status, CourierState.ABNORMAL),
        status,
        WireCodec.optText(courier, "name"),
        WireCodec.optText(courier, "mobile"),
        WireCodec.optLong(data, "deductAmount", "Shansong callback"),
        occurredAt);
  }

  @Override
  public String callbackReply() {
    return "{\"status\":200}";
  }

  @Override
  public Map<String, CourierState> statusTable() {
    return STATUS;
  }
}
