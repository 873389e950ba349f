package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * UU v3 against its public clients: uupt-mcp/uupt-open-cli (internal/api/client.go: envelope, {@code X-App-Id}, sign
 * rule; internal/api/order.go and skills/references/api-reference.md: paths, fields, answers, states) and
 * MQEnergy/delivery-core core/uu/v3 (the same sign rule). The callback bodies are shaped like the v2 callbacks the
 * meiquan aggregator receives (shared/reference/third-parties.md).
 */
class UuWireTest {

  /** api-reference.md's example timestamp (1700000000). */
  private static final Clock AT_EXAMPLE = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);

  private final UuWire wire = new UuWire(new UuWire.Credentials("uu-app", "uu-secret", "uu-open-1"), AT_EXAMPLE);

  /** The callback URL secret: HMAC-SHA256("uu-secret", "kilosail-callback:uu"), first 32 hex, from openssl. */
  private static final String TOKEN = "3884a04005f306195f29ad26a8994ba6";

  @Test
  void signsTheWayUusClientDoes() {
    // The biz UU's CLI builds for `price` with its default city (keys sorted, compact, Chinese as is), signed
    // UPPER(MD5(biz + appSecret + timestamp)). Expected digest from `printf '%s' '<biz>uu-secret1700000000' | md5sum`.
    String biz = "{\"cityName\":\"郑州市\",\"fromAddress\":\"郑州市金水区花园路1号\",\"sendType\":\"SEND\","
        + "\"specialChannel\":2,\"toAddress\":\"郑州市金水区经三路2号\"}";
    assertThat(wire.sign(biz, 1_700_000_000L)).isEqualTo("0F35E0097A7FB28D5AFE508B21BF169E");
  }

  @Test
  void quoteIsTheV3EnvelopeWithTheAppInAHeader() throws Exception {
    CourierHttpRequest request = wire.quote(WireVectors.ORDER.withQuoteToken(null));
    assertThat(request.pathAndQuery()).isEqualTo("/openapi/v3/order/orderPrice");
    assertThat(request.contentType()).isEqualTo("application/json");
    assertThat(request.headers()).isEqualTo(Map.of("X-App-Id", "uu-app"));
    JsonObject envelope = new JsonObject(request.body());
    assertThat(envelope.fieldNames()).containsExactlyInAnyOrder("openId", "timestamp", "biz", "sign");
    assertThat(envelope.getString("openId")).isEqualTo("uu-open-1");
    assertThat(envelope.getValue("timestamp")).isInstanceOf(Number.class); // a number, not text
    assertThat(envelope.getLong("timestamp")).isEqualTo(1_700_000_000L);
    String biz = envelope.getString("biz");
    assertThat(biz).isEqualTo("{\"cityName\":\"北京市\",\"fromAddress\":\"北京市朝阳区建国路1号\",\"originId\":\"ks-0001\","
        + "\"sendType\":\"SEND\",\"specialChannel\":2,\"toAddress\":\"北京市朝阳区光华路9号\"}");
    assertThat(envelope.getString("sign"))
        .isEqualTo(WireVectors.md5LowerHex(biz + "uu-secret" + "1700000000").toUpperCase());
  }

  @Test
  void aCityCodeIsSentAsTheCitysName() {
    CourierOrderRequest shanghai = new CourierOrderRequest("ks-2", "310100", WireVectors.ORDER.shop(),
        WireVectors.ORDER.customer(), 1000, 0, null, null);
    JsonObject biz = new JsonObject(new JsonObject(wire.quote(shanghai).body()).getString("biz"));
    assertThat(biz.getString("cityName")).isEqualTo("上海市");
  }

  @Test
  void placesByThePriceTokenWithTheFieldsUuRequires() {
    assertThatThrownBy(() -> wire.createOrder(WireVectors.ORDER)).isInstanceOf(IllegalArgumentException.class);
    CourierHttpRequest create = wire.createOrder(WireVectors.ORDER.withQuoteToken("880:pt-1"));
    assertThat(create.pathAndQuery()).isEqualTo("/openapi/v3/order/addOrder");
    assertThat(new JsonObject(create.body()).getString("biz")).isEqualTo("{\"payType\":\"BALANCE_PAY\","
        + "\"priceToken\":\"pt-1\",\"pushType\":\"OPEN_ORDER\",\"receiver_phone\":\"13900000002\","
        + "\"specialChannel\":2,\"specialType\":\"NOT_NEED_WARM\"}");

    CourierHttpRequest cancel = wire.cancel(new CourierCancelRequest("ks-0001", "UU77", "顾客取消"));
    assertThat(cancel.pathAndQuery()).isEqualTo("/openapi/v3/order/cancelOrder");
    assertThat(new JsonObject(cancel.body()).getString("biz")).isEqualTo("{\"order_code\":\"UU77\",\"reason\":\"顾客取消\"}");

    CourierHttpRequest detail = wire.orderDetail(null, "ks-0001", "UU77");
    assertThat(detail.pathAndQuery()).isEqualTo("/openapi/v3/order/orderDetail");
    assertThat(new JsonObject(detail.body()).getString("biz")).isEqualTo("{\"order_code\":\"UU77\"}");
    assertThatThrownBy(() -> wire.orderDetail(null, "ks-0001", null)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void detailAndTipGoUnderTheShopsOwnOpenIdElseTheDefault() {
    // UU shows an order only to the merchant authorisation (openId) that placed it, as it does a cancel.
    assertThat(new JsonObject(wire.orderDetail("uu-open-shop", "ks-0001", "UU77").body()).getString("openId"))
        .isEqualTo("uu-open-shop");
    assertThat(new JsonObject(wire.orderDetail(null, "ks-0001", "UU77").body()).getString("openId"))
        .isEqualTo("uu-open-1");
    assertThat(new JsonObject(wire.orderDetail(" ", "ks-0001", "UU77").body()).getString("openId"))
        .as("a blank account is none").isEqualTo("uu-open-1");
    assertThat(new JsonObject(wire.addTip("uu-open-shop", "ks-0001", "UU77", 150, "k").body()).getString("openId"))
        .isEqualTo("uu-open-shop");
    assertThat(new JsonObject(wire.addTip(null, "ks-0001", "UU77", 150, "k").body()).getString("openId"))
        .isEqualTo("uu-open-1");
  }

  @Test
  void aTipIsAddedByUusOrderCodeInFenWithOurKey() throws Exception {
    CourierHttpRequest tip = wire.addTip(null, "ks-0001", "UU77", 150, "ks-0001:uu:tip-1");
    assertThat(tip.pathAndQuery()).isEqualTo("/openapi/v3/order/addGratuity");
    assertThat(tip.headers()).isEqualTo(Map.of("X-App-Id", "uu-app"));
    String biz = new JsonObject(tip.body()).getString("biz");
    assertThat(biz).isEqualTo("{\"gratuityFee\":150,\"order_code\":\"UU77\",\"requestId\":\"ks-0001:uu:tip-1\"}");
    assertThat(new JsonObject(tip.body()).getString("sign"))
        .isEqualTo(WireVectors.md5LowerHex(biz + "uu-secret" + "1700000000").toUpperCase());
    assertThatThrownBy(() -> wire.addTip(null, "ks-0001", null, 150, "k")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> wire.addTip(null, "ks-0001", "UU77", 0, "k")).isInstanceOf(IllegalArgumentException.class);

    assertThat(wire.readAddTip("{\"code\":0,\"msg\":\"success\",\"body\":{\"orderCode\":\"UU77\",\"gratuityFee\":250}}"))
        .isEqualTo(new CourierTipAdded("UU77", 250L));
    assertThatThrownBy(() -> wire.readAddTip("{\"code\":88100109,\"msg\":\"order already accepted\"}"))
        .isInstanceOf(CourierRejectedException.class);
  }

  @Test
  void theQuotedPriceIsWhatUuChargesAndComesBackAtPlacement() {
    CourierQuote quote = wire.readQuote("{\"code\":0,\"msg\":\"success\",\"body\":{\"priceToken\":\"pt-1\","
        + "\"totalMoney\":1080,\"needPayMoney\":880,\"distance\":2600}}");
    assertThat(quote).isEqualTo(new CourierQuote(880, null, "880:pt-1"));
    // addOrder answers only the order code: the price is the one the token bought.
    assertThat(wire.readCreateOrder(WireVectors.ORDER.withQuoteToken(quote.quoteToken()),
        "{\"code\":0,\"msg\":\"success\",\"body\":{\"orderCode\":\"UU77\"}}"))
        .isEqualTo(new CourierOrderPlaced("UU77", 880L));
    assertThat(wire.readCreateOrder("{\"code\":0,\"body\":{\"orderCode\":\"UU77\"}}"))
        .isEqualTo(new CourierOrderPlaced("UU77", null));
  }

  @Test
  void readsRefusalsAndAnUnpaidOrderAsRefusals() {
    assertThatThrownBy(() -> wire.readQuote("{\"code\":88100106,\"msg\":\"需要图片验证码\"}"))
        .isInstanceOf(CourierRejectedException.class);
    assertThatThrownBy(() -> wire.readCreateOrder(WireVectors.ORDER.withQuoteToken("880:pt-1"),
        "{\"code\":0,\"body\":{\"orderCode\":\"UU77\",\"orderUrl\":\"https://pay.uupt.com/x\"}}"))
        .isInstanceOf(CourierRejectedException.class).hasMessageContaining("payment");
    // v2's `data` is not where v3 answers.
    assertThatThrownBy(() -> wire.readQuote("{\"code\":0,\"data\":{\"needPayMoney\":1,\"priceToken\":\"x\"}}"))
        .isInstanceOf(CourierWireException.class);
    assertThat(wire.readCancel("{\"code\":0,\"msg\":\"success\",\"body\":{}}")).isEqualTo(new CourierCancelled(null, null));
  }

  @Test
  void readsTheOrderDetail() {
    assertThat(wire.readOrderDetail("{\"code\":0,\"body\":{\"orderCode\":\"UU77\",\"state\":3,\"orderPrice\":880,"
        + "\"fromAddress\":\"a\",\"toAddress\":\"b\",\"driverName\":\"王五\",\"driverMobile\":\"13600000004\"}}"))
        .isEqualTo(new CourierOrderDetail("UU77", null, CourierState.ACCEPTED, "3", 880L, "王五", "13600000004", null));
  }

  @Test
  void v3StatesMapIncludingCancelledAndAbnormal() {
    assertThat(wire.statusTable()).containsEntry("11", CourierState.CANCELLED).containsEntry("20", CourierState.ABNORMAL)
        .containsEntry("6", CourierState.PICKED_UP).containsEntry("10", CourierState.DELIVERED)
        .doesNotContainKey("2");
  }

  private static String callbackJson(String state) {
    return new JsonObject().put("order_code", "UU77").put("origin_id", "ks-0001").put("state", state)
        .put("state_text", "已取件").put("driver_name", "王五").put("driver_mobile", "13600000004")
        .put("timestamp", "1772337906789").put("sign", "ABCDEF").encode();
  }

  @Test
  void aCallbackIsTrustedByTheTokenInItsUrlNotByItsBody() {
    String form = "data=" + URLEncoder.encode(callbackJson("5"), StandardCharsets.UTF_8);
    assertThat(wire.verifyCallback(new CourierInbound(Map.of("token", TOKEN), form))).isTrue();
    assertThat(wire.callbackQuery()).isEqualTo("?token=" + TOKEN);
    assertThat(wire.verifyCallback(new CourierInbound(Map.of("token", TOKEN.replace('3', '4')), form))).isFalse();
    assertThat(wire.verifyCallback(CourierInbound.ofBody(form))).isFalse();
    assertThat(new UuWire(new UuWire.Credentials("uu-app", "other-secret", "uu-open-1"), AT_EXAMPLE)
        .verifyCallback(new CourierInbound(Map.of("token", TOKEN), form))).isFalse();
  }

  @Test
  void readsTheCallbackAsAFormParameterOrAsJson() {
    CourierCallback expected = new CourierCallback(CourierPlatform.UU, "UU77", "ks-0001", CourierState.PICKED_UP, "5",
        "王五", "13600000004", null, Instant.ofEpochMilli(1772337906789L));
    String form = "data=" + URLEncoder.encode(callbackJson("5"), StandardCharsets.UTF_8);
    assertThat(wire.readCallback(new CourierInbound(Map.of("token", TOKEN), form))).isEqualTo(expected);
    assertThat(wire.readCallback(CourierInbound.ofBody(callbackJson("5")))).isEqualTo(expected);
    assertThat(wire.readCallback(CourierInbound.ofBody(callbackJson("11"))).state()).isEqualTo(CourierState.CANCELLED);
    assertThat(wire.callbackReply()).isEqualTo("{\"return_code\":\"ok\"}");
    assertThatThrownBy(() -> wire.readCallback(CourierInbound.ofBody("data=%7B%7D")))
        .isInstanceOf(CourierWireException.class);
  }
}
