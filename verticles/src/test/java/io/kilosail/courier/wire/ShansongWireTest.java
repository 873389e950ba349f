package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShansongWireTest {

  private final ShansongWire wire = new ShansongWire(
      new ShansongWire.Credentials("ss-client", "ss-shop", "ss-secret"), WireVectors.CLOCK);

  private static Map<String, String> form(String body) {
    Map<String, String> fields = new HashMap<>();
    for (String pair : body.split("&")) {
      String[] kv = pair.split("=", 2);
      fields.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
    }
    return fields;
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Test
  void knownVectorSignature() throws Exception {
    // Fixed vector: UPPER(MD5("ss-secret" + "clientId" + "ss-client" + "data" + {"a":1} + "shopId" + "ss-shop" + "timestamp" + "1700000000000"))
    String expected = WireVectors.md5LowerHex(
        "ss-secretclientIdss-clientdata{\"a\":1}shopIdss-shoptimestamp1700000000000").toUpperCase();
    assertThat(wire.sign("{\"a\":1}", "1700000000000")).isEqualTo(expected).hasSize(32).isUpperCase();
  }

  @Test
  void quoteIsASignedFormPost() throws Exception {
    CourierHttpRequest request = wire.quote(WireVectors.ORDER);
    assertThat(request.pathAndQuery()).isEqualTo("/openapi/merchants/v5/orderCalculate");
    assertThat(request.contentType()).isEqualTo("application/x-www-form-urlencoded");
    Map<String, String> form = form(request.body());
    assertThat(form).containsEntry("clientId", "ss-client").containsEntry("shopId", "ss-shop")
        .containsEntry("timestamp", Long.toString(WireVectors.NOW.toEpochMilli()));
    String expected = WireVectors.md5LowerHex("ss-secret" + "clientId" + "ss-client" + "data" + form.get("data")
        + "shopId" + "ss-shop" + "timestamp" + form.get("timestamp")).toUpperCase();
    assertThat(form.get("sign")).isEqualTo(expected);
    JsonObject data = new JsonObject(form.get("data"));
    assertThat(data.getString("cityName")).isEqualTo("北京市");
    assertThat(data.getJsonArray("receiverList").getJsonObject(0).getString("orderNo")).isEqualTo("ks-0001");
    assertThat(data.getJsonArray("receiverList").getJsonObject(0).getInteger("weight")).isEqualTo(2);
  }

  @Test
  void createNeedsTheQuoteOrderNumberAndCancelNamesTheOrder() {
    assertThatThrownBy(() -> wire.createOrder(WireVectors.ORDER)).isInstanceOf(IllegalArgumentException.class);
    Map<String, String> create = form(wire.createOrder(WireVectors.ORDER.withQuoteToken("TDH001")).body());
    assertThat(new JsonObject(create.get("data")).getString("issOrderNo")).isEqualTo("TDH001");
    CourierHttpRequest cancel = wire.cancel(new CourierCancelRequest("ks-0001", "TDH001", "customer changed mind"));
    assertThat(cancel.pathAndQuery()).isEqualTo("/openapi/merchants/v5/abortOrder");
    assertThat(new JsonObject(form(cancel.body()).get("data")).getString("issOrderNo")).isEqualTo("TDH001");
  }

  @Test
  void readsAnswersAndRefusals() {
    assertThat(wire.readQuote("{\"status\":200,\"msg\":\"OK\",\"data\":{\"totalAmount\":1250,\"orderNumber\":\"TDH9\",\"estimateDeliverySeconds\":1800}}"))
        .isEqualTo(new CourierQuote(1250, 1800, "TDH9"));
    assertThat(wire.readCreateOrder("{\"status\":200,\"data\":{\"orderNumber\":\"TDH9\",\"totalAmount\":1250}}"))
        .isEqualTo(new CourierOrderPlaced("TDH9", 1250L));
    assertThat(wire.readCancel("{\"status\":200,\"data\":{\"issOrderNo\":\"TDH9\",\"deductAmount\":300,\"abortType\":1,\"punishType\":1,\"sendBackFee\":0}}"))
        .isEqualTo(new CourierCancelled("TDH9", 300L));
    assertThatThrownBy(() -> wire.readQuote("{\"status\":401,\"msg\":\"sign error\"}"))
        .isInstanceOf(CourierRejectedException.class)
        .satisfies(e -> assertThat(((CourierRejectedException) e).code()).isEqualTo("401"));
    assertThatThrownBy(() -> wire.readQuote("<html>")).isInstanceOf(CourierWireException.class);
  }

  private String signedCallback(String data, String timestamp, String secret) throws Exception {
    String sign = WireVectors.md5LowerHex(secret + "clientIdss-clientdata" + data + "shopIdss-shoptimestamp" + timestamp)
        .toUpperCase();
    return "clientId=ss-client&shopId=ss-shop&timestamp=" + timestamp + "&data=" + enc(data) + "&sign=" + sign;
  }

  @Test
  void verifiesAndReadsACallback() throws Exception {
    String data = "{\"issOrderNo\":\"TDH9\",\"orderNo\":\"ks-0001\",\"status\":60,\"subStatus\":1,"
        + "\"courier\":{\"name\":\"李四\",\"mobile\":\"13700000003\",\"latitude\":39.9,\"longitude\":116.4},"
        + "\"deductAmount\":500,\"punishType\":1,\"abortReason\":\"用户取消\",\"drawback\":1000}";
    CourierInbound inbound = CourierInbound.ofBody(signedCallback(data, "1772337906789", "ss-secret"));

    assertThat(wire.verifyCallback(inbound)).isTrue();
    assertThat(wire.readCallback(inbound)).isEqualTo(new CourierCallback(CourierPlatform.SHANSONG, "TDH9", "ks-0001",
        CourierState.CANCELLED, "60", "李四", "13700000003", 500L, Instant.ofEpochMilli(1772337906789L)));

    assertThat(wire.verifyCallback(CourierInbound.ofBody(signedCallback(data, "1772337906789", "other-secret")))).isFalse();
    String tampered = inbound.body().replace("500", "50");
    assertThat(wire.verifyCallback(CourierInbound.ofBody(tampered))).isFalse();
    assertThat(wire.verifyCallback(CourierInbound.ofBody("not a form %zz"))).isFalse();
    assertThat(wire.verifyCallback(CourierInbound.ofBody(""))).isFalse();
  }

  @Test
  void replyIsStatus200() {
    assertThat(new JsonObject(wire.callbackReply())).isEqualTo(new JsonObject().put("status", 200));
  }
}
