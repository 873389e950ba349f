package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Shansong v5 against its public clients: shansongtech/iss-open-cli (skills/references/api-reference.md: paths, form
 * fields, the sign order with the data part left out when empty, the quote's and cancel's answer fields, orderInfo by
 * issOrderNo or thirdOrderNo, states) and zhexiaoyang/meiquan (app/Http/Controllers/ShanSong/OrderController.php: the
 * unsigned JSON callback, its top-level fields, BD-09 courier positions, the reply {"status":200,"msg":"","data":""}).
 */
class ShansongWireTest {

  private static final Clock AT = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);
  /** HMAC-SHA256("ss-secret", "kilosail-callback:shansong"), first 32 hex digits, from openssl. */
  private static final String TOKEN = "a45e93a3356f63f190087ccab59b0409";

  private final ShansongWire wire = new ShansongWire(new ShansongWire.Credentials("ss-client", "ss-shop", "ss-secret"), AT);

  private static Map<String, String> form(String body) {
    Map<String, String> fields = new HashMap<>();
    for (String pair : body.split("&")) {
      String[] kv = pair.split("=", 2);
      fields.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
    }
    return fields;
  }

  @Test
  void signsInTheOrderShansongsClientUses() {
    // UPPER(MD5(appSecret + "clientId" + clientId + "data" + data + "shopId" + shopId + "timestamp" + ts)); expected
    // digests from `printf '%s' '...' | md5sum`. Without data the "data" part is left out (api-reference.md).
    assertThat(wire.sign("{\"issOrderNo\":\"TDH2026030112345678\"}", "1700000000000"))
        .isEqualTo("DC9047B2F0D3B857A86A6328022D013B");
    assertThat(wire.sign("", "1700000000000")).isEqualTo("A39DD0157F5455A66B9B885027D2E7CD");
  }

  @Test
  void quoteIsASignedFormPostInBd09WithTheCitysName() throws Exception {
    CourierOrderRequest order = new CourierOrderRequest("ks-0001", "110100", WireVectors.ORDER.shop(),
        WireVectors.ORDER.customer(), 1500, 4800, "少辣", null);
    CourierHttpRequest request = wire.quote(order);
    assertThat(request.pathAndQuery()).isEqualTo("/openapi/merchants/v5/orderCalculate");
    assertThat(request.contentType()).isEqualTo("application/x-www-form-urlencoded");
    Map<String, String> form = form(request.body());
    assertThat(form).containsEntry("clientId", "ss-client").containsEntry("shopId", "ss-shop")
        .containsEntry("timestamp", "1700000000000");
    String expected = WireVectors.md5LowerHex("ss-secret" + "clientId" + "ss-client" + "data" + form.get("data")
        + "shopId" + "ss-shop" + "timestamp" + "1700000000000").toUpperCase();
    assertThat(form.get("sign")).isEqualTo(expected);
    JsonObject data = new JsonObject(form.get("data"));
    assertThat(data.getString("cityName")).isEqualTo("北京市");
    JsonObject sender = data.getJsonObject("sender");
    JsonObject receiver = data.getJsonArray("receiverList").getJsonObject(0);
    assertThat(receiver.getString("orderNo")).isEqualTo("ks-0001");
    assertThat(receiver.getInteger("weight")).isEqualTo(2);
    // The shop and the customer are in GCJ-02; Shansong gets them in BD-09, six decimals.
    GeoPoint shopBd = Coordinates.gcj02ToBd09(new GeoPoint(39.9087, 116.4605));
    GeoPoint customerBd = Coordinates.gcj02ToBd09(new GeoPoint(39.9130, 116.4590));
    assertThat(sender.getString("fromLatitude")).isEqualTo(sixDecimals(shopBd.lat()));
    assertThat(sender.getString("fromLongitude")).isEqualTo(sixDecimals(shopBd.lng()));
    assertThat(receiver.getString("toLatitude")).isEqualTo(sixDecimals(customerBd.lat()));
    assertThat(receiver.getString("toLongitude")).isEqualTo(sixDecimals(customerBd.lng()));
    assertThat(Double.parseDouble(sender.getString("fromLongitude")) - 116.4605).isBetween(0.006, 0.007);
  }

  private static String sixDecimals(double degrees) {
    return String.format(java.util.Locale.ROOT, "%.6f", degrees);
  }

  @Test
  void theDetailQueryGoesUnderTheShopsOwnStoreElseTheDefaultAndIsSignedForIt() {
    CourierHttpRequest own = wire.orderDetail("ss-shop-own", "ks-0001", null);
    Map<String, String> fields = form(own.body());
    assertThat(fields.get("shopId")).isEqualTo("ss-shop-own");
    assertThat(fields.get("sign")).isEqualTo(ShansongWire.sign("ss-secret", "ss-client", "ss-shop-own",
        fields.get("data"), fields.get("timestamp")));
    assertThat(form(wire.orderDetail(null, "ks-0001", null).body()).get("shopId")).isEqualTo("ss-shop");
  }

  @Test
  void placeCancelAndDetailName() {
    assertThatThrownBy(() -> wire.createOrder(WireVectors.ORDER)).isInstanceOf(IllegalArgumentException.class);
    CourierHttpRequest create = wire.createOrder(WireVectors.ORDER.withQuoteToken("1250:TDH001"));
    assertThat(create.pathAndQuery()).isEqualTo("/openapi/merchants/v5/orderPlace");
    assertThat(form(create.body()).get("data")).isEqualTo("{\"issOrderNo\":\"TDH001\"}");
    CourierHttpRequest cancel = wire.cancel(new CourierCancelRequest("ks-0001", "TDH001", "customer changed mind"));
    assertThat(cancel.pathAndQuery()).isEqualTo("/openapi/merchants/v5/abortOrder");
    assertThat(new JsonObject(form(cancel.body()).get("data")).getString("issOrderNo")).isEqualTo("TDH001");
    CourierHttpRequest byTheirs = wire.orderDetail(null, "ks-0001", "TDH001");
    assertThat(byTheirs.pathAndQuery()).isEqualTo("/openapi/merchants/v5/orderInfo");
    assertThat(form(byTheirs.body()).get("data")).isEqualTo("{\"issOrderNo\":\"TDH001\"}");
    assertThat(form(wire.orderDetail(null, "ks-0001", null).body()).get("data")).isEqualTo("{\"thirdOrderNo\":\"ks-0001\"}");
  }

  @Test
  void chargesTheAmountAfterDiscountsAndKeepsItToPlacement() {
    CourierQuote quote = wire.readQuote("{\"status\":200,\"msg\":\"\",\"data\":{\"orderNumber\":\"TDH9\","
        + "\"totalDistance\":2600,\"totalAmount\":1450,\"couponSaveFee\":200,\"totalFeeAfterSave\":1250,"
        + "\"estimateGrabSecond\":120,\"estimateReceiveSecond\":1800}}");
    assertThat(quote).isEqualTo(new CourierQuote(1250, 1800, "1250:TDH9"));
    CourierOrderRequest placed = WireVectors.ORDER.withQuoteToken(quote.quoteToken());
    assertThat(wire.readCreateOrder(placed, "{\"status\":200,\"data\":{\"orderNumber\":\"TDH9\"}}"))
        .isEqualTo(new CourierOrderPlaced("TDH9", 1250L));
    assertThat(wire.readCreateOrder(placed, "{\"status\":200,\"data\":{\"orderNumber\":\"TDH9\",\"totalFeeAfterSave\":1300}}"))
        .isEqualTo(new CourierOrderPlaced("TDH9", 1300L));
    assertThat(wire.readCancel("{\"status\":200,\"data\":{\"sendBackFee\":0,\"deductAmount\":300,\"abortType\":1,"
        + "\"punishType\":1,\"abortReason\":\"\"}}")).isEqualTo(new CourierCancelled(null, 300L));
    assertThatThrownBy(() -> wire.readQuote("{\"status\":401,\"msg\":\"签名错误\"}"))
        .isInstanceOf(CourierRejectedException.class);
    assertThatThrownBy(() -> wire.readQuote("{\"status\":200,\"data\":{\"orderNumber\":\"TDH9\",\"totalAmount\":1450}}"))
        .isInstanceOf(CourierWireException.class).hasMessageContaining("totalFeeAfterSave");
  }

  @Test
  void readsTheOrderDetailWithTheCourierBackInGcj02() {
    CourierOrderDetail detail = wire.readOrderDetail("{\"status\":200,\"data\":{\"issOrderNo\":\"TDH9\","
        + "\"orderNo\":\"ks-0001\",\"orderStatus\":40,\"orderStatusDesc\":\"闪送中\",\"totalFeeAfterSave\":1250,"
        + "\"courier\":{\"name\":\"赵六\",\"mobile\":\"13700000005\",\"latitude\":\"39.90851\",\"longitude\":\"116.43351\"}}}");
    assertThat(detail.platformOrderId()).isEqualTo("TDH9");
    assertThat(detail.orderId()).isEqualTo("ks-0001");
    assertThat(detail.state()).isEqualTo(CourierState.PICKED_UP);
    assertThat(detail.priceFen()).isEqualTo(1250L);
    assertThat(detail.courierName()).isEqualTo("赵六");
    // Beijing railway station, BD-09 -> GCJ-02 (reference pair in CoordinatesTest).
    assertThat(detail.riderPosition().lat()).isCloseTo(39.90245, within(0.00002));
    assertThat(detail.riderPosition().lng()).isCloseTo(116.42703, within(0.00002));
  }

  /** A status callback the way meiquan's receiver reads it: top-level fields, the courier nested, BD-09. */
  private static final String CALLBACK = "{\"issOrderNo\":\"TDH9\",\"orderNo\":\"ks-0001\",\"status\":30,"
      + "\"statusDesc\":\"待取货\",\"subStatus\":1,\"courier\":{\"name\":\"赵六\",\"mobile\":\"13700000005\","
      + "\"latitude\":\"39.90851\",\"longitude\":\"116.43351\"}}";

  @Test
  void anUnsignedCallbackIsTrustedByTheTokenInItsUrl() {
    assertThat(wire.callbackQuery()).isEqualTo("?token=" + TOKEN);
    assertThat(wire.verifyCallback(new CourierInbound(Map.of("token", TOKEN), CALLBACK))).isTrue();
    assertThat(wire.verifyCallback(CourierInbound.ofBody(CALLBACK))).isFalse();
    assertThat(wire.verifyCallback(new CourierInbound(Map.of("token", "a45e93a3356f63f190087ccab59b0408"), CALLBACK)))
        .isFalse();
  }

  @Test
  void readsTheCallbackWithTheRidersPositionInGcj02() {
    CourierCallback callback = wire.readCallback(new CourierInbound(Map.of("token", TOKEN), CALLBACK));
    assertThat(callback.platform()).isEqualTo(CourierPlatform.SHANSONG);
    assertThat(callback.platformOrderId()).isEqualTo("TDH9");
    assertThat(callback.orderId()).isEqualTo("ks-0001");
    assertThat(callback.state()).isEqualTo(CourierState.ACCEPTED);
    assertThat(callback.rawStatus()).isEqualTo("30");
    assertThat(callback.courierName()).isEqualTo("赵六");
    assertThat(callback.courierPhone()).isEqualTo("13700000005");
    assertThat(callback.occurredAt()).isEqualTo(AT.instant());
    assertThat(callback.riderPosition().lat()).isCloseTo(39.90245, within(0.00002));
    assertThat(callback.riderPosition().lng()).isCloseTo(116.42703, within(0.00002));
    assertThat(wire.callbackReply()).isEqualTo("{\"status\":200,\"msg\":\"\",\"data\":\"\"}");
  }

  @Test
  void aCancellationCallbackStatesItsPenaltyAndNoPositionIsNone() {
    CourierCallback cancelled = wire.readCallback(CourierInbound.ofBody("{\"issOrderNo\":\"TDH9\",\"orderNo\":\"ks-0001\","
        + "\"status\":60,\"abortType\":1,\"deductAmount\":300,\"courier\":{\"name\":\"\",\"mobile\":\"\","
        + "\"latitude\":\"\",\"longitude\":\"\"}}"));
    assertThat(cancelled.state()).isEqualTo(CourierState.CANCELLED);
    assertThat(cancelled.penaltyFen()).isEqualTo(300L);
    assertThat(cancelled.courierName()).isNull();
    assertThat(cancelled.riderPosition()).isNull();
    assertThatThrownBy(() -> wire.readCallback(CourierInbound.ofBody("clientId=x&data=%7B%7D")))
        .isInstanceOf(CourierWireException.class);
    assertThatThrownBy(() -> wire.readCallback(CourierInbound.ofBody("{\"orderNo\":\"ks-0001\",\"status\":30}")))
        .isInstanceOf(CourierWireException.class).hasMessageContaining("issOrderNo");
  }
}
