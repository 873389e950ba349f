package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SfWireTest {

  private final SfWire wire = new SfWire(new SfWire.Credentials("1234567", "sf-key", "shop-9"), WireVectors.CLOCK);

  private static String expectedSign(String body, String devId, String devKey) throws Exception {
    String hexMd5 = WireVectors.md5LowerHex(body + "&" + devId + "&" + devKey);
    return Base64.getEncoder().encodeToString(hexMd5.getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void knownVectorSignature() throws Exception {
    assertThat(wire.sign("{\"a\":1}")).isEqualTo(expectedSign("{\"a\":1}", "1234567", "sf-key"));
    // Base64 of 32 hex characters is 44 characters ending in '='.
    assertThat(wire.sign("{\"a\":1}")).hasSize(44).endsWith("=");
  }

  @Test
  void requestsCarryTheSignInTheQuery() throws Exception {
    CourierHttpRequest request = wire.createOrder(WireVectors.ORDER);
    assertThat(request.pathAndQuery()).startsWith("/open/api/external/createorder?sign=");
    String sign = URLDecoder.decode(request.pathAndQuery().substring(request.pathAndQuery().indexOf('=') + 1),
        StandardCharsets.UTF_8);
    assertThat(sign).isEqualTo(expectedSign(request.body(), "1234567", "sf-key"));
    JsonObject body = new JsonObject(request.body());
    assertThat(body.getString("shop_order_id")).isEqualTo("ks-0001");
    assertThat(body.getLong("push_time")).isEqualTo(WireVectors.NOW.getEpochSecond());
    assertThat(wire.quote(WireVectors.ORDER).pathAndQuery()).startsWith("/open/api/external/precreateorder?sign=");
    assertThat(new JsonObject(wire.cancel(new CourierCancelRequest("ks-0001", "SF3", null)).body()).getString("order_id"))
        .isEqualTo("SF3");
  }

  @Test
  void readsAnswersAndRefusals() {
    assertThat(wire.readQuote("{\"error_code\":0,\"error_msg\":\"success\",\"result\":{\"total_price\":1100,\"expect_seconds\":2400}}"))
        .isEqualTo(new CourierQuote(1100, 2400, null));
    assertThat(wire.readCreateOrder("{\"error_code\":0,\"result\":{\"sf_order_id\":\"SF3\",\"total_price\":1100}}"))
        .isEqualTo(new CourierOrderPlaced("SF3", 1100L));
    assertThatThrownBy(() -> wire.readCreateOrder("{\"error_code\":1002,\"error_msg\":\"sign error\"}"))
        .isInstanceOf(CourierRejectedException.class);
  }

  @Test
  void verifiesAndReadsACallback() throws Exception {
    String body = "{\"sf_order_id\":\"SF3\",\"shop_order_id\":\"ks-0001\",\"url_index\":\"rider_status\","
        + "\"order_status\":12,\"operator_name\":\"赵六\",\"operator_phone\":\"13500000005\",\"push_time\":1772337906}";
    CourierInbound inbound = new CourierInbound(Map.of("sign", expectedSign(body, "1234567", "sf-key")), body);
    assertThat(wire.verifyCallback(inbound)).isTrue();
    assertThat(wire.readCallback(inbound)).isEqualTo(new CourierCallback(CourierPlatform.SF, "SF3", "ks-0001",
        CourierState.ARRIVED_AT_SHOP, "12", "赵六", "13500000005", null, Instant.ofEpochSecond(1772337906)));

    assertThat(wire.verifyCallback(new CourierInbound(inbound.query(), body.replace(":12", ":17")))).isFalse();
    assertThat(wire.verifyCallback(CourierInbound.ofBody(body))).isFalse();
    assertThat(wire.verifyCallback(new CourierInbound(Map.of("sign", expectedSign(body, "1234567", "other")), body)))
        .isFalse();
  }
}
