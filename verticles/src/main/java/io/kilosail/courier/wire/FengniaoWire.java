package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Fengniao (蜂鸟) open API v3: a JSON envelope {@code {app_id, timestamp, signature, business_data}} with
 * {@code business_data} a JSON string and {@code signature = hex(SHA256(appSecret + "k=v&k=v..."))} over the envelope's
 * other fields sorted by key. Callbacks use the same envelope; their business data is
 * {@code {callback_business_type, param}}.
 */
public final class FengniaoWire implements CourierWire {

  // ---- Choices the reference leaves open (unconfirmed); correct them here and only here. ----
  /** Endpoints: one invoke path per API name under the configured base URL. */
  static final String QUOTE_PATH = "/anubis-webapi/v3/invoke/preCreateOrder";
  static final String CREATE_PATH = "/anubis-webapi/v3/invoke/createOrder";
  static final String CANCEL_PATH = "/anubis-webapi/v3/invoke/cancelOrder";
  /**
   * {@code timestamp} is epoch millis, as a string; values in the signed string are taken as sent (no URL-encoding);
   * the merchant id travels inside business_data. The signature's hex is lower case.
   * Answers are {@code {"code":"200","msg":..,"business_data":"{..}"}}; money in fen ("_cent" fields).
   */
  static final String OK_CODE = "200";
  static final String QUOTE_PRICE = "actual_delivery_amount_cent";
  static final String QUOTE_ETA_SECONDS = "estimate_delivery_seconds";
  /**
   * Callback param fields: {@code order_id, partner_order_code, order_status, carrier_driver_name,
   * carrier_driver_phone, push_time} (epoch millis). The reference gives no reply body; we answer this one.
   */
  static final String CALLBACK_REPLY = "{\"code\":\"200\",\"msg\":\"success\"}";
  // ---- end of unconfirmed choices ----

  private static final Map<String, CourierState> STATUS = Map.of(
      "0", CourierState.CREATED,
      "1", CourierState.CREATED,          // accepted by Fengniao's system, no rider yet
      "20", CourierState.ACCEPTED,        // a rider accepted
      "80", CourierState.ARRIVED_AT_SHOP,
      "2", CourierState.PICKED_UP,        // delivering
      "3", CourierState.DELIVERED,
      "4", CourierState.CANCELLED,
      "5", CourierState.ABNORMAL);

  public record Credentials(String appId, String appSecret, String merchantId) {
    public Credentials {
      Objects.requireNonNull(appId, "appId");
      Objects.requireNonNull(appSecret, "appSecret");
      Objects.requireNonNull(merchantId, "merchantId");
    }
  }

  private final Credentials credentials;
  private final Clock clock;

  public FengniaoWire(Credentials credentials, Clock clock) {
    this.credentials = credentials;
    this.clock = clock;
  }

  @Override
  public CourierPlatform platform() {
    return CourierPlatform.FENGNIAO;
  }

  /** The signature over an envelope's fields (everything but {@code signature}). */
  public String sign(Map<String, String> fields) {
    StringJoiner sorted = new StringJoiner("&");
    new TreeMap<>(fields).forEach((key, value) -> {
      if (!"signature".equals(key)) {
        sorted.add(key + "=" + value);
      }
    });
    return WireCodec.sha256Hex(credentials.appSecret() + sorted);
  }

  private JsonObject order(CourierOrderRequest order) {
    return new JsonObject()
        .put("merchant_id", credentials.merchantId())
        .put("partner_order_code", order.orderId())
        .put("order_type", 1)
        .put("transport_name", order.shop().name())
        .put("transport_tel", order.shop().phone())
        .put("transport_address", order.shop().address())
        .put("transport_longitude", order.shop().lng())
        .put("transport_latitude", order.shop().lat())
        .put("receiver_name", order.customer().name())
        .put("receiver_primary_phone", order.customer().phone())
        .put("receiver_address", order.customer().address())
        .put("receiver_longitude", order.customer().lng())
        .put("receiver_latitude", order.customer().lat())
        .put("goods_weight", WireCodec.kilogramsRoundedUp(order.weightGrams()))
        .put("goods_total_amount_cent", order.goodsValueFen())
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

  @Override
  public CourierHttpRequest cancel(CourierCancelRequest cancel) {
    return signed(CANCEL_PATH, new JsonObject()
        .put("merchant_id", credentials.merchantId())
        .put("order_id", cancel.platformOrderId())
        .put("partner_order_code", cancel.orderId())
        .put("order_cancel_code", 1)
        .put("order_cancel_description", cancel.reason() == null ? "" : cancel.reason()));
  }

  private CourierHttpRequest signed(String path, JsonObject businessData) {
    String timestamp = Long.toString(clock.millis());
    String business = businessData.encode();
    String signature = sign(Map.of("app_id", credentials.appId(), "timestamp", timestamp, "business_data", business));
    JsonObject envelope = new JsonObject()
        .put("app_id", credentials.appId())
        .put("timestamp", timestamp)
        .put("business_data", business)
        .put("signature", signature);
    return new CourierHttpRequest(path, CourierHttpRequest.JSON, envelope.encode());
  }

  private JsonObject okBusinessData(String body, String what) {
    JsonObject answer = WireCodec.parseObject(body, "Fengniao " + what + " answer");
    String code = String.valueOf(answer.getValue("code"));
    if (!OK_CODE.equals(code)) {
      throw new CourierRejectedException(platform(), code, answer.getString("msg"));
    }
    Object data = answer.getValue("business_data");
    return WireCodec.parseObject(data instanceof String s ? s : null, "Fengniao " + what + " business_data");
  }

  @Override
  public CourierQuote readQuote(String responseBody) {
    JsonObject data = okBusinessData(responseBody, "quote");
    return new CourierQuote(
        WireCodec.requireLong(data, QUOTE_PRICE, "Fengniao quote"),
        WireCodec.optInt(data, QUOTE_ETA_SECONDS, "Fengniao quote"),
        null);
  }

  @Override
  public CourierOrderPlaced readCreateOrder(String responseBody) {
    JsonObject data = okBusinessData(responseBody, "order");
    return new CourierOrderPlaced(
        WireCodec.requireText(data, "order_id", "Fengniao order"),
        WireCodec.optLong(data, QUOTE_PRICE, "Fengniao order"));
  }

  @Override
  public CourierCancelled readCancel(String responseBody) {
    JsonObject data = okBusinessData(responseBody, "cancel");
    return new CourierCancelled(WireCodec.optText(data, "order_id"), null);
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
    envelope.forEach(entry -> fields.put(entry.getKey(), String.valueOf(entry.getValue())));
    return WireCodec.constantTimeEquals(sign(fields), given.toLowerCase());
  }

  @Override
  public CourierCallback readCallback(CourierInbound inbound) {
    JsonObject envelope = WireCodec.parseObject(inbound.body(), "Fengniao callback");
    Object business = envelope.getValue("business_data");
    JsonObject data = WireCodec.parseObject(business instanceof String s ? s : null, "Fengniao callback business_data");
    JsonObject param = data.getValue("param") instanceof JsonObject p ? p : null;
    if (param == null) {
      throw new CourierWireException("Fengniao callback business_data lacks param");
    }
    String status = WireCodec.requireText(param, "order_status", "Fengniao callback");
    return new CourierCallback(
        platform(),
        WireCodec.requireText(param, "order_id", "Fengniao callback"),
        WireCodec.requireText(param, "partner_order_code", "Fengniao callback"),
        STATUS.getOrDefault(status, CourierState.ABNORMAL),
        status,
        WireCodec.optText(param, "carrier_driver_name"),
        WireCodec.optText(param, "carrier_driver_phone"),
        null,
        Instant.ofEpochMilli(WireCodec.requireLong(param, "push_time", "Fengniao callback")));
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
