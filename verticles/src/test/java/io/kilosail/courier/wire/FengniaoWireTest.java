package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FengniaoWireTest {

  private final FengniaoWire wire = new FengniaoWire(
      new FengniaoWire.Credentials("fn-app", "fn-secret", "fn-merchant"), WireVectors.CLOCK);

  @Test
  void knownVectorSignatureSortsTheFields() throws Exception {
    String expected = WireVectors.sha256LowerHex("fn-secret" + "app_id=fn-app&business_data={\"a\":1}&timestamp=1700000000000");
    assertThat(wire.sign(Map.of("timestamp", "1700000000000", "business_data", "{\"a\":1}", "app_id", "fn-app",
        "signature", "ignored"))).isEqualTo(expected);
  }

  @Test
  void requestsAreSignedEnvelopes() throws Exception {
    CourierHttpRequest request = wire.createOrder(WireVectors.ORDER);
    assertThat(request.pathAndQuery()).isEqualTo("/anubis-webapi/v3/invoke/createOrder");
    JsonObject envelope = new JsonObject(request.body());
    assertThat(envelope.getString("timestamp")).isEqualTo(Long.toString(WireVectors.NOW.toEpochMilli()));
    String expected = WireVectors.sha256LowerHex("fn-secret" + "app_id=fn-app&business_data="
        + envelope.getString("business_data") + "&timestamp=" + envelope.getString("timestamp"));
    assertThat(envelope.getString("signature")).isEqualTo(expected);
    assertThat(new JsonObject(envelope.getString("business_data")).getString("partner_order_code")).isEqualTo("ks-0001");
  }

  @Test
  void readsAnswersAndRefusals() {
    assertThat(wire.readQuote("{\"code\":\"200\",\"msg\":\"success\",\"business_data\":\"{\\\"actual_delivery_amount_cent\\\":900}\"}"))
        .isEqualTo(new CourierQuote(900, null, null));
    assertThat(wire.readCreateOrder("{\"code\":\"200\",\"business_data\":\"{\\\"order_id\\\":\\\"FN5\\\"}\"}"))
        .isEqualTo(new CourierOrderPlaced("FN5", null));
    assertThatThrownBy(() -> wire.readCancel("{\"code\":\"B0102\",\"msg\":\"signature error\"}"))
        .isInstanceOf(CourierRejectedException.class);
  }

  private static String callback(String business, String secret) throws Exception {
    String timestamp = "1772337906789";
    String signature = WireVectors.sha256LowerHex(secret + "app_id=fn-app&business_data=" + business + "&timestamp=" + timestamp);
    return new JsonObject().put("app_id", "fn-app").put("timestamp", timestamp).put("business_data", business)
        .put("signature", signature).encode();
  }

  @Test
  void verifiesAndReadsACallback() throws Exception {
    String business = "{\"callback_business_type\":\"orderStatusNotify\",\"param\":{\"order_id\":\"FN5\","
        + "\"partner_order_code\":\"ks-0001\",\"order_status\":3,\"carrier_driver_name\":\"孙七\","
        + "\"carrier_driver_phone\":\"13400000006\",\"push_time\":1772337906000}}";
    CourierInbound inbound = CourierInbound.ofBody(callback(business, "fn-secret"));
    assertThat(wire.verifyCallback(inbound)).isTrue();
    assertThat(wire.readCallback(inbound)).isEqualTo(new CourierCallback(CourierPlatform.FENGNIAO, "FN5", "ks-0001",
        CourierState.DELIVERED, "3", "孙七", "13400000006", null, Instant.ofEpochMilli(1772337906000L)));

    assertThat(wire.verifyCallback(CourierInbound.ofBody(callback(business, "bad")))).isFalse();
    assertThat(wire.verifyCallback(CourierInbound.ofBody(inbound.body().replace("孙七", "孙八")))).isFalse();
  }
}
