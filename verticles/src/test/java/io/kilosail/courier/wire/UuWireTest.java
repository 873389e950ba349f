package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UuWireTest {

  private final UuWire wire = new UuWire(new UuWire.Credentials("uu-app", "uu-key"), WireVectors.CLOCK);

  @Test
  void knownVectorSignature() throws Exception {
    String expected = WireVectors.md5LowerHex("{\"a\":1}" + "uu-key" + "1700000000").toUpperCase();
    assertThat(wire.sign("{\"a\":1}", "1700000000")).isEqualTo(expected);
  }

  @Test
  void quoteIsASignedJsonEnvelope() throws Exception {
    CourierHttpRequest request = wire.quote(WireVectors.ORDER);
    assertThat(request.pathAndQuery()).isEqualTo("/openapi/v3/getOrderPrice");
    assertThat(request.contentType()).isEqualTo("application/json");
    JsonObject envelope = new JsonObject(request.body());
    assertThat(envelope.getString("appId")).isEqualTo("uu-app");
    assertThat(envelope.getString("timestamp")).isEqualTo(Long.toString(WireVectors.NOW.getEpochSecond()));
    String biz = envelope.getString("biz");
    assertThat(envelope.getString("sign"))
        .isEqualTo(WireVectors.md5LowerHex(biz + "uu-key" + envelope.getString("timestamp")).toUpperCase());
    assertThat(new JsonObject(biz).getString("originId")).isEqualTo("ks-0001");
  }

  @Test
  void createNeedsThePriceToken() {
    assertThatThrownBy(() -> wire.createOrder(WireVectors.ORDER)).isInstanceOf(IllegalArgumentException.class);
    JsonObject envelope = new JsonObject(wire.createOrder(WireVectors.ORDER.withQuoteToken("pt-1")).body());
    assertThat(new JsonObject(envelope.getString("biz")).getString("priceToken")).isEqualTo("pt-1");
    JsonObject cancel = new JsonObject(wire.cancel(new CourierCancelRequest("ks-0001", "UU77", "x")).body());
    assertThat(new JsonObject(cancel.getString("biz")).getString("orderCode")).isEqualTo("UU77");
  }

  @Test
  void readsAnswersAndRefusals() {
    assertThat(wire.readQuote("{\"code\":0,\"data\":{\"orderPrice\":980,\"priceToken\":\"pt-1\",\"expectedSeconds\":1500}}"))
        .isEqualTo(new CourierQuote(980, 1500, "pt-1"));
    assertThat(wire.readCreateOrder("{\"code\":0,\"data\":{\"orderCode\":\"UU77\"}}"))
        .isEqualTo(new CourierOrderPlaced("UU77", null));
    assertThat(wire.readCancel("{\"code\":0,\"data\":{\"orderCode\":\"UU77\"}}")).isEqualTo(new CourierCancelled("UU77", null));
    assertThatThrownBy(() -> wire.readCancel("{\"code\":-101,\"msg\":\"sign error\"}"))
        .isInstanceOf(CourierRejectedException.class);
  }

  private static String callback(String biz, String timestamp, String key) throws Exception {
    String sign = WireVectors.md5LowerHex(biz + key + timestamp).toUpperCase();
    return new JsonObject().put("appId", "uu-app").put("timestamp", timestamp).put("biz", biz).put("sign", sign).encode();
  }

  @Test
  void verifiesAndReadsACallback() throws Exception {
    String biz = "{\"orderCode\":\"UU77\",\"originId\":\"ks-0001\",\"state\":5,\"driverName\":\"王五\","
        + "\"driverMobile\":\"13600000004\",\"changeTime\":1772337906789}";
    CourierInbound inbound = CourierInbound.ofBody(callback(biz, "1772337906", "uu-key"));
    assertThat(wire.verifyCallback(inbound)).isTrue();
    assertThat(wire.readCallback(inbound)).isEqualTo(new CourierCallback(CourierPlatform.UU, "UU77", "ks-0001",
        CourierState.PICKED_UP, "5", "王五", "13600000004", null, Instant.ofEpochMilli(1772337906789L)));

    assertThat(wire.verifyCallback(CourierInbound.ofBody(callback(biz, "1772337906", "bad-key")))).isFalse();
    assertThat(wire.verifyCallback(CourierInbound.ofBody(inbound.body().replace("\\\"state\\\":5", "\\\"state\\\":10"))))
        .isFalse();
    assertThat(wire.verifyCallback(CourierInbound.ofBody("{"))).isFalse();
  }
}
