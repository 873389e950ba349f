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
 * SF same-city (顺丰同城): JSON bodies, signed with {@code sign = Base64(hexMD5(body + "&" + devId + "&" + devKey))}
 * passed as the query parameter {@code ?sign=}. Callbacks come to one URL per kind (status, complete, cancel, rider
 * withdrew, exception); their {@code order_status} alone tells the kind, so one reader serves all of them.
 */
public final class SfWire implements CourierWire {

  // ---- Choices the reference leaves open (unconfirmed); correct them here and only here. ----
  /** Endpoint paths under the configured base URL. */
  static final String QUOTE_PATH = "/open/api/external/precreateorder";
  static final String CREATE_PATH = "/open/api/external/createorder";
  static final String CANCEL_PATH = "/open/api/external/cancelorder";
  /**
   * The MD5 is the lower-case hex string and Base64 encodes its ASCII bytes. {@code push_time} is epoch seconds.
   * Answers are {@code {"error_code":0,"error_msg":..,"result":{..}}}; money in fen. Quote result fields below.
   */
  static final String QUOTE_PRICE = "total_price";
  static final String QUOTE_ETA_SECONDS = "expect_seconds";
  /*
   * Callbacks are signed the same way as requests, {@code ?sign=} over the raw body; their body carries
   * {@code sf_order_id, shop_order_id, order_status, operator_name, operator_phone, push_time} (epoch seconds).
   */
  // ---- end of unconfirmed choices ----

  private static final Map<String, CourierState> STATUS = Map.of(
      "10", CourierState.ACCEPTED,        // a rider accepted (or the order was reassigned to a new rider)
      "12", CourierState.ARRIVED_AT_SHOP,
      "15", CourierState.PICKED_UP,       // delivering
      "17", CourierState.DELIVERED,       // the "complete" callback
      "2", CourierState.CANCELLED,        // the "cancel" callback
      "22", CourierState.CREATED,         // the rider withdrew: SF looks for another
      "91", CourierState.ABNORMAL);       // the "exception" callback

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
    return signed(QUOTE_PATH, new JsonObject()
        .put("dev_id", credentials.devId())
        .put("shop_id", credentials.shopId())
        .put("shop_order_id", order.orderId())
        .put("city_name", order.cityName())
        .put("user_address", order.customer().address())
        .put("user_lng", String.valueOf(order.customer().lng()))
        .put("user_lat", String.valueOf(order.customer().lat()))
        .put("weight", order.weightGrams())
        .put("product_type", 1)
        .put("push_time", clock.instant().getEpochSecond())
        .put("shop", shop(order)));
  }

  @Override
  public CourierHttpRequest createOrder(CourierOrderRequest order) {
    long now = clock.instant().getEpochSecond();
    return signed(CREATE_PATH, new JsonObject()
        .put("dev_id", credentials.devId())
        .put("shop_id", credentials.shopId())
        .put("shop_order_id", order.orderId())
        .put("order_source", "kilosail")
        .put("order_time", now)
        .put("push_time", now)
        .put("remark", order.note() == null ? "" : order.note())
        .put("shop", shop(order))
        .put("receive", new JsonObject()
            .put("user_name", order.customer().name())
            .put("user_phone", order.customer().phone())
            .put("user_address", order.customer().address())
            .put("user_lng", String.valueOf(order.customer().lng()))
            .put("user_lat", String.valueOf(order.customer().lat())))
        .put("order_detail", new JsonObject()
            .put("total_price", order.goodsValueFen())
            .put("product_type", 1)
            .put("weight_gram", order.weightGrams())
            .put("product_num", 1)
            .put("product_type_num", 1)
            .put("product_detail", new JsonArray())));
  }

  @Override
  public boolean placesWithQuoteToken() {
    return false;
  }

  @Override
  public CourierHttpRequest cancel(CourierCancelRequest cancel) {
    return signed(CANCEL_PATH, new JsonObject()
        .put("dev_id", credentials.devId())
        .put("shop_id", credentials.shopId())
        .put("order_id", cancel.platformOrderId())
        .put("order_type", 1)
        .put("cancel_reason", cancel.reason() == null ? "" : cancel.reason())
        .put("push_time", clock.instant().getEpochSecond()));
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
    JsonObject result = answer.getJsonObject("result");
    if (result == null) {
      throw new CourierWireException("SF " + what + " answer lacks result");
    }
    return result;
  }

  @Override
  public CourierQuote readQuote(String responseBody) {
    JsonObject result = okResult(responseBody, "quote");
    return new CourierQuote(
        WireCodec.requireLong(result, QUOTE_PRICE, "SF quote"),
        WireCodec.optInt(result, QUOTE_ETA_SECONDS, "SF quote"),
        null);
  }

  @Override
  public CourierOrderPlaced readCreateOrder(String responseBody) {
    JsonObject result = okResult(responseBody, "order");
    return new CourierOrderPlaced(
        WireCodec.requireText(result, "sf_order_id", "SF order"),
        WireCodec.optLong(result, QUOTE_PRICE, "SF order"));
  }

  @Override
  public CourierCancelled readCancel(String responseBody) {
    JsonObject result = okResult(responseBody, "cancel");
    return new CourierCancelled(WireCodec.optText(result, "sf_order_id"), null);
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
        STATUS.getOrDefault(status, CourierState.ABNORMAL),
        status,
        WireCodec.optText(body, "operator_name"),
        WireCodec.optText(body, "operator_phone"),
        null,
        Instant.ofEpochSecond(WireCodec.requireLong(body, "push_time", "SF callback")));
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
