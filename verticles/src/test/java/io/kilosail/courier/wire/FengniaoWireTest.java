package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fengniao v3 as its public clients show it: MQEnergy/delivery-core core/fn/v3/base.go (the business envelope
 * {@code app_id, merchant_id, timestamp, version "1.0", access_token, business_data, signature}; the token request
 * {@code grant_type, code | refresh_token, app_id, merchant_id, timestamp, signature}; both signed as
 * {@code hex(sha256(appSecret + sorted non-empty k=v joined by &))}; the token answer's business_data with
 * {@code access_token, refresh_token, expire_in, re_expire_in}), routers/fn/v3/fn.go (paths), and a published cancel
 * model ({@code order_cancel_code, actual_cancel_cost_cent, order_cancel_role}).
 */
class FengniaoWireTest {

  private static final FengniaoWire.Credentials CREDENTIALS = new FengniaoWire.Credentials("6148231", "fn-app-secret",
      "12434354", "store-77", FengniaoWire.TokenGrant.authorizationCode("auth-code-9"));
  /** base.go's comment example: timestamp=1609118272793, merchant_id=12434354. */
  private static final Clock EXAMPLE_CLOCK = Clock.fixed(Instant.ofEpochMilli(1609118272793L), ZoneOffset.UTC);

  private final FengniaoWire wire = new FengniaoWire(CREDENTIALS, WireVectors.CLOCK).withAccessToken("tok-1");

  private static String independentSignature(JsonObject envelope, String secret) throws Exception {
    Map<String, String> fields = new TreeMap<>();
    envelope.forEach(e -> {
      if (!e.getKey().equals("signature") && e.getValue() != null && !String.valueOf(e.getValue()).isEmpty()) {
        fields.put(e.getKey(), String.valueOf(e.getValue()));
      }
    });
    return WireVectors.sha256LowerHex(secret + fields.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining("&")));
  }

  @Test
  void signsABusinessEnvelopeWorkedExample() {
    // Computed outside Java: printf '%s' 'fn-app-secretaccess_token=tok-1&app_id=6148231&business_data={...}
    //   &merchant_id=12434354&timestamp=1609118272793&version=1.0' | sha256sum
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("app_id", "6148231");
    fields.put("merchant_id", "12434354");
    fields.put("timestamp", "1609118272793");
    fields.put("version", "1.0");
    fields.put("access_token", "tok-1");
    fields.put("business_data", "{\"partner_order_code\":\"ks-1\",\"order_id\":\"300000123\"}");
    assertThat(wire.sign(fields)).isEqualTo("11411634c3b5099485bab85056bcdbad5d35a8be14b055d7c10dc105fed52df7");
    fields.put("signature", "ignored");
    fields.put("empty", "");
    assertThat(wire.sign(fields)).as("signature and empty fields are not signed")
        .isEqualTo("11411634c3b5099485bab85056bcdbad5d35a8be14b055d7c10dc105fed52df7");

    JsonObject envelope = new JsonObject(new FengniaoWire(CREDENTIALS, EXAMPLE_CLOCK).withAccessToken("tok-1")
        .orderDetail(null, "ks-1", "300000123").body());
    // The same with the detail's business_data, which names the store: business_data=
    //   {"partner_order_code":"ks-1","out_shop_code":"store-77","order_id":"300000123"}
    assertThat(envelope.getString("business_data"))
        .isEqualTo("{\"partner_order_code\":\"ks-1\",\"out_shop_code\":\"store-77\",\"order_id\":\"300000123\"}");
    assertThat(envelope.getString("signature"))
        .isEqualTo("820789b8f0d291a486d709bccc5f6e1f1c4d9a10a82223f16bfe4bd414f16aea");
  }

  @Test
  void signsATokenRequestWorkedExample() {
    // Computed outside Java: printf '%s' 'fn-app-secretapp_id=6148231&code=auth-code-9&grant_type=authorization_code
    //   &merchant_id=12434354&timestamp=1609118272793' | sha256sum
    CourierHttpRequest request = new FengniaoWire(CREDENTIALS, EXAMPLE_CLOCK)
        .tokenRequest(FengniaoWire.TokenGrant.authorizationCode("auth-code-9"));
    assertThat(request.pathAndQuery()).isEqualTo("/anubis-webapi/openapi/token");
    JsonObject body = new JsonObject(request.body());
    assertThat(body.getString("signature"))
        .isEqualTo("8abd0df198565bd16923f9d2005f3a483604e1bd88e69c2d44026cf500241b49");
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("grant_type", "code", "app_id", "merchant_id", "timestamp",
        "signature");

    JsonObject refresh = new JsonObject(wire.tokenRequest(FengniaoWire.TokenGrant.refreshToken("r-1")).body());
    assertThat(refresh.getString("grant_type")).isEqualTo("refresh_token");
    assertThat(refresh.getString("refresh_token")).isEqualTo("r-1");
    assertThat(refresh.containsKey("code")).isFalse();
  }

  @Test
  void readsTheTokenAnswer() {
    String answer = new JsonObject().put("code", "200").put("msg", "success").put("business_data", new JsonObject()
        .put("app_id", "6148231").put("merchant_id", "12434354").put("access_token", "tok-2")
        .put("refresh_token", "ref-2").put("expire_in", 31536000).put("re_expire_in", 32140800).encode()).encode();
    assertThat(wire.readToken(answer)).isEqualTo(new FengniaoWire.Token("tok-2", "ref-2", 31536000, 32140800));
    assertThatThrownBy(() -> wire.readToken("{\"code\":\"A0401\",\"msg\":\"code used\"}"))
        .isInstanceOf(CourierRejectedException.class);
  }

  @Test
  void everyBusinessRequestCarriesMerchantVersionAndToken() throws Exception {
    CourierCancelRequest cancel = new CourierCancelRequest("ks-0001", "300000123", "customer changed mind, long text");
    for (CourierHttpRequest request : new CourierHttpRequest[] {wire.quote(WireVectors.ORDER),
        wire.createOrder(WireVectors.ORDER), wire.preCancel(cancel), wire.cancel(cancel, 200),
        wire.orderDetail(null, "ks-0001", null)}) {
      JsonObject envelope = new JsonObject(request.body());
      assertThat(envelope.fieldNames()).containsExactlyInAnyOrder("app_id", "merchant_id", "timestamp", "version",
          "access_token", "business_data", "signature");
      assertThat(envelope.getString("merchant_id")).isEqualTo("12434354");
      assertThat(envelope.getString("version")).isEqualTo("1.0");
      assertThat(envelope.getString("access_token")).isEqualTo("tok-1");
      assertThat(envelope.getString("timestamp")).isEqualTo(Long.toString(WireVectors.NOW.toEpochMilli()));
      assertThat(envelope.getValue("business_data")).isInstanceOf(String.class);
      assertThat(envelope.getString("signature")).isEqualTo(independentSignature(envelope, "fn-app-secret"));
    }
    assertThatThrownBy(() -> new FengniaoWire(CREDENTIALS, WireVectors.CLOCK).quote(WireVectors.ORDER))
        .as("no token, no request").isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theDetailQueryNamesTheShopsOwnStoreElseTheDefault() {
    JsonObject own = new JsonObject(new JsonObject(wire.orderDetail("store-own", "ks-0001", null).body())
        .getString("business_data"));
    assertThat(own.getString("out_shop_code")).isEqualTo("store-own");
    assertThat(own.getString("partner_order_code")).isEqualTo("ks-0001");
    JsonObject byDefault = new JsonObject(new JsonObject(wire.orderDetail(null, "ks-0001", "300000123").body())
        .getString("business_data"));
    assertThat(byDefault.getString("out_shop_code")).isEqualTo("store-77");
    assertThat(byDefault.getString("order_id")).isEqualTo("300000123");
  }

  @Test
  void theOrderUsesTheRegisteredStoreAndV3Fields() {
    CourierHttpRequest quote = wire.quote(WireVectors.ORDER);
    assertThat(quote.pathAndQuery()).isEqualTo("/anubis-webapi/v3/invoke/preCreateOrder");
    assertThat(wire.createOrder(WireVectors.ORDER).pathAndQuery()).isEqualTo("/anubis-webapi/v3/invoke/createOrder");
    JsonObject data = new JsonObject(new JsonObject(quote.body()).getString("business_data"));
    assertThat(data.getString("out_shop_code")).isEqualTo("store-77");
    assertThat(data.getString("partner_order_code")).isEqualTo("ks-0001");
    assertThat(data.getInteger("position_source")).isEqualTo(3);
    assertThat(data.getString("receiver_primary_phone")).isEqualTo("13900000002");
    assertThat(data.getDouble("receiver_latitude")).isEqualTo(39.9130);
    assertThat(data.getLong("goods_total_amount_cent")).isEqualTo(4800);
    assertThat(data.getLong("goods_actual_amount_cent")).isEqualTo(4800);
    assertThat(data.getInteger("goods_weight")).as("kg, rounded up").isEqualTo(2);
    assertThat(data.getInteger("goods_count")).isEqualTo(1);
    assertThat(data.getJsonArray("goods_item_list")).hasSize(1);
  }

  @Test
  void aCancelStatesItsCostFirstAndConfirmsIt() {
    CourierCancelRequest cancel = new CourierCancelRequest("ks-0001", "300000123", "客户不要了");
    CourierHttpRequest pre = wire.preCancel(cancel);
    assertThat(pre.pathAndQuery()).isEqualTo("/anubis-webapi/v3/invoke/preCancelOrder");
    assertThat(wire.readPreCancel("{\"code\":\"200\",\"msg\":\"success\",\"business_data\":"
        + "\"{\\\"actual_cancel_cost_cent\\\":300}\"}")).isEqualTo(300);

    CourierHttpRequest confirmed = wire.cancel(cancel, 300);
    assertThat(confirmed.pathAndQuery()).isEqualTo("/anubis-webapi/v3/invoke/cancelOrder");
    JsonObject data = new JsonObject(new JsonObject(confirmed.body()).getString("business_data"));
    assertThat(data.getString("order_id")).isEqualTo("300000123");
    assertThat(data.getString("partner_order_code")).isEqualTo("ks-0001");
    assertThat(data.getLong("actual_cancel_cost_cent")).isEqualTo(300);
    assertThat(data.getInteger("order_cancel_role")).isEqualTo(1);
    assertThat(data.getInteger("order_cancel_code")).isNotNull();
    assertThatThrownBy(() -> wire.cancel(cancel)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void theQuotePriceIsTheFirstAvailableServicesActualAmount() {
    String answer = "{\"code\":\"200\",\"msg\":\"success\",\"business_data\":\"{\\\"goods_infos\\\":["
        + "{\\\"base_goods_id\\\":1,\\\"disable_reason\\\":\\\"超出配送范围\\\",\\\"actual_delivery_amount_cent\\\":900},"
        + "{\\\"base_goods_id\\\":2,\\\"total_delivery_amount_cent\\\":1500,\\\"actual_delivery_amount_cent\\\":1400}]}\"}";
    assertThat(wire.readQuote(answer)).isEqualTo(new CourierQuote(1400, null, null));
    assertThatThrownBy(() -> wire.readQuote("{\"code\":\"200\",\"business_data\":\"{\\\"goods_infos\\\":["
        + "{\\\"disable_reason\\\":\\\"运力紧张\\\"}]}\"}"))
        .isInstanceOf(CourierRejectedException.class).hasMessageContaining("运力紧张");
    assertThatThrownBy(() -> wire.readQuote("{\"code\":\"B0101\",\"msg\":\"bad\"}"))
        .isInstanceOf(CourierRejectedException.class);
    assertThat(FengniaoWire.isTokenRejection("A0401")).isTrue();
    assertThat(FengniaoWire.isTokenRejection("B0101")).isFalse();
  }

  @Test
  void readsPlacementAndDetail() {
    assertThat(wire.readCreateOrder("{\"code\":\"200\",\"business_data\":\"{\\\"order_id\\\":\\\"300000123\\\"}\"}"))
        .isEqualTo(new CourierOrderPlaced("300000123", null));
    assertThat(wire.readOrderDetail("{\"code\":\"200\",\"business_data\":\"{\\\"order_id\\\":\\\"300000123\\\","
        + "\\\"partner_order_code\\\":\\\"ks-0001\\\",\\\"order_status\\\":80,\\\"carrier_driver_name\\\":\\\"李四\\\","
        + "\\\"carrier_driver_phone\\\":\\\"13700000004\\\"}\"}"))
        .isEqualTo(new CourierOrderDetail("300000123", "ks-0001", CourierState.ARRIVED_AT_SHOP, "80", null, "李四",
            "13700000004", null));
  }

  @Test
  void verifiesAndReadsACallbackWorkedExample() {
    // Signature computed outside Java: printf '%s' 'fn-app-secretapp_id=6148231&business_data=<as below>
    //   &timestamp=1609118272793' | sha256sum
    String business = "{\"callback_business_type\":\"orderStatusNotify\",\"param\":{\"order_id\":\"300000123\","
        + "\"partner_order_code\":\"ks-1\",\"order_status\":20,\"carrier_driver_name\":\"李四\","
        + "\"carrier_driver_phone\":\"13700000004\",\"push_time\":1609118272793}}";
    String body = new JsonObject().put("app_id", "6148231").put("timestamp", "1609118272793")
        .put("business_data", business)
        .put("signature", "8d852d90ebb2987a89d518cfb5ce3bdf20cf072ed040d86eb874a55dfcfe61e9").encode();
    assertThat(wire.verifyCallback(CourierInbound.ofBody(body))).isTrue();
    assertThat(wire.readCallback(CourierInbound.ofBody(body))).isEqualTo(new CourierCallback(
        CourierPlatform.FENGNIAO, "300000123", "ks-1", CourierState.ACCEPTED, "20", "李四", "13700000004", null,
        Instant.ofEpochMilli(1609118272793L)));

    assertThat(wire.verifyCallback(CourierInbound.ofBody(body.replace("20,", "3,")))).isFalse();
    assertThat(wire.verifyCallback(CourierInbound.ofBody(body.replace("6148231", "other")))).isFalse();
    assertThat(wire.verifyCallback(CourierInbound.ofBody("not json"))).isFalse();
    assertThat(wire.callbackReply()).isEqualTo("{\"code\":\"200\",\"msg\":\"success\"}");
  }
}
