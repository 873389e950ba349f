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

/**
 * SF same-city as its public clients show it: yangchen5710/sfopenic (src/Base.php: {@code dev_id}, {@code push_time},
 * {@code ?sign=base64(md5(body&devId&devKey))}, the callback check and reply; README: cancel and getorderstatus
 * fields) and zhexiaoyang/meiquan (app/Libraries/Shunfeng/Api/Api.php: {@code version}, {@code lbs_type},
 * {@code shop_type}, {@code city_name}).
 */
class SfWireTest {

  private final SfWire wire = new SfWire(new SfWire.Credentials("1234567", "sf-key", "shop-9"), WireVectors.CLOCK);

  private static String expectedSign(String body, String devId, String devKey) throws Exception {
    String hexMd5 = WireVectors.md5LowerHex(body + "&" + devId + "&" + devKey);
    return Base64.getEncoder().encodeToString(hexMd5.getBytes(StandardCharsets.US_ASCII));
  }

  private static String signOf(CourierHttpRequest request) {
    String pathAndQuery = request.pathAndQuery();
    return URLDecoder.decode(pathAndQuery.substring(pathAndQuery.indexOf("?sign=") + 6), StandardCharsets.UTF_8);
  }

  @Test
  void signsAsSfopenicDoesWorkedExample() {
    // Base.php getSign: base64_encode(MD5($body . "&{$dev_id}&{$dev_key}")), PHP's md5() being lower-case hex. The
    // expected value was computed outside Java:
    //   printf '%s' "$body&1234567&sf-dev-key" | md5sum | awk '{printf "%s",$1}' | base64
    String body = "{\"dev_id\":1234567,\"shop_id\":\"3243279847393\",\"shop_type\":1,\"push_time\":1609118272,"
        + "\"version\":17,\"order_id\":\"JS4091283842\",\"order_type\":1}";
    SfWire example = new SfWire(new SfWire.Credentials("1234567", "sf-dev-key", "3243279847393"), WireVectors.CLOCK);
    assertThat(example.sign(body)).isEqualTo("M2E3YTExOGY2ZjE0YTAxYjUwYTU5NGI1MmU1MjZjMzM=");
  }

  @Test
  void everyRequestCarriesVersionStoreAndSignature() throws Exception {
    for (CourierHttpRequest request : new CourierHttpRequest[] {wire.quote(WireVectors.ORDER),
        wire.createOrder(WireVectors.ORDER), wire.cancel(new CourierCancelRequest("ks-0001", "JS3", "客户取消")),
        wire.orderDetail(null, "ks-0001", "JS3")}) {
      JsonObject body = new JsonObject(request.body());
      assertThat(signOf(request)).as(request.pathAndQuery()).isEqualTo(expectedSign(request.body(), "1234567", "sf-key"));
      assertThat(body.getString("dev_id")).isEqualTo("1234567");
      assertThat(body.getLong("push_time")).isEqualTo(WireVectors.NOW.getEpochSecond());
      assertThat(body.getInteger("version")).isIn(17, 19);
      assertThat(body.getString("shop_id")).isEqualTo("shop-9");
      assertThat(body.getInteger("shop_type")).isEqualTo(1);
    }
  }

  @Test
  void quoteAndOrderNameTheCityAndDeclareGcj02() {
    CourierHttpRequest quote = wire.quote(WireVectors.ORDER);
    assertThat(quote.pathAndQuery()).startsWith("/open/api/external/precreateorder?sign=");
    JsonObject q = new JsonObject(quote.body());
    assertThat(q.getString("city_name")).isEqualTo("北京市");
    assertThat(q.getInteger("lbs_type")).isEqualTo(2);
    assertThat(q.getString("user_lat")).isEqualTo("39.913");
    assertThat(q.getInteger("weight")).isEqualTo(1500);
    assertThat(q.getInteger("version")).isEqualTo(17);

    CourierHttpRequest create = wire.createOrder(WireVectors.ORDER);
    assertThat(create.pathAndQuery()).startsWith("/open/api/external/createorder?sign=");
    JsonObject c = new JsonObject(create.body());
    assertThat(c.getString("shop_order_id")).isEqualTo("ks-0001");
    assertThat(c.getInteger("version")).isEqualTo(19);
    assertThat(c.getInteger("lbs_type")).isEqualTo(2);
    assertThat(c.getJsonObject("receive").getString("user_phone")).isEqualTo("13900000002");
    assertThat(c.getJsonObject("receive").getString("city_name")).isEqualTo("北京市");
    assertThat(c.getJsonObject("order_detail").getLong("total_price")).isEqualTo(4800);
    assertThat(c.getJsonObject("order_detail").getInteger("weight_gram")).isEqualTo(1500);
    assertThat(c.getJsonObject("order_detail").getJsonArray("product_detail")).hasSize(1);
  }

  @Test
  void theDetailQueryNamesTheShopsOwnStoreElseTheDefault() {
    // By our order id SF looks within the store named, so it must be the one the order was placed from.
    assertThat(new JsonObject(wire.orderDetail("sf-shop-own", "ks-0001", null).body()).getString("shop_id"))
        .isEqualTo("sf-shop-own");
    assertThat(new JsonObject(wire.orderDetail("sf-shop-own", "ks-0001", "JS3").body()).getString("shop_id"))
        .isEqualTo("sf-shop-own");
    assertThat(new JsonObject(wire.orderDetail(null, "ks-0001", null).body()).getString("shop_id"))
        .isEqualTo("shop-9");
  }

  @Test
  void cancelAndOrderDetailAddressTheOrderBySfsIdOrOurs() {
    JsonObject cancel = new JsonObject(wire.cancel(new CourierCancelRequest("ks-0001", "JS3", null)).body());
    assertThat(cancel.getString("order_id")).isEqualTo("JS3");
    assertThat(cancel.getInteger("order_type")).isEqualTo(1);
    assertThat(cancel.getInteger("cancel_code")).isEqualTo(313);

    CourierHttpRequest bySf = wire.orderDetail(null, "ks-0001", "JS3");
    assertThat(bySf.pathAndQuery()).startsWith("/open/api/external/getorderstatus?sign=");
    assertThat(new JsonObject(bySf.body()).getString("order_id")).isEqualTo("JS3");
    // The create's answer never came: ask by our own order id, which SF resolves within our store.
    JsonObject byOurs = new JsonObject(wire.orderDetail(null, "ks-0001", null).body());
    assertThat(byOurs.getString("order_id")).isEqualTo("ks-0001");
    assertThat(byOurs.getInteger("order_type")).isEqualTo(2);
  }

  @Test
  void theChargedAmountIsRealPayMoneyNotTheListPrice() {
    assertThat(wire.readQuote("{\"error_code\":0,\"error_msg\":\"success\",\"result\":{\"total_price\":1300,"
        + "\"real_pay_money\":1100,\"delivery_distance_meter\":2300}}"))
        .isEqualTo(new CourierQuote(1100, null, null));
    assertThat(wire.readCreateOrder("{\"error_code\":0,\"error_msg\":\"success\",\"result\":{\"sf_order_id\":\"JS3\","
        + "\"sf_bill_id\":\"XJ3\",\"shop_order_id\":\"ks-0001\",\"total_price\":1300,\"real_pay_money\":1100}}"))
        .isEqualTo(new CourierOrderPlaced("JS3", 1100L));
    assertThatThrownBy(() -> wire.readQuote("{\"error_code\":0,\"result\":{\"total_price\":1300}}"))
        .isInstanceOf(CourierWireException.class).hasMessageContaining("real_pay_money");
    assertThatThrownBy(() -> wire.readCreateOrder("{\"error_code\":1002,\"error_msg\":\"sign error\"}"))
        .isInstanceOf(CourierRejectedException.class).hasMessageContaining("1002");
  }

  @Test
  void aCancelStatesItsPenaltyInDeductionDetail() {
    assertThat(wire.readCancel("{\"error_code\":0,\"error_msg\":\"success\",\"result\":{\"sf_order_id\":\"JS3\","
        + "\"shop_order_id\":\"ks-0001\",\"deduction_detail\":{\"deduction_fee\":200}}}"))
        .isEqualTo(new CourierCancelled("JS3", 200L));
    assertThat(wire.readCancel("{\"error_code\":0,\"result\":{\"sf_order_id\":\"JS3\"}}"))
        .as("no deduction stated").isEqualTo(new CourierCancelled("JS3", null));
    assertThatThrownBy(() -> wire.readCancel("{\"error_code\":0,\"result\":{\"deduction_detail\":\"200\"}}"))
        .isInstanceOf(CourierWireException.class);
  }

  @Test
  void readsTheOrderDetail() {
    CourierOrderDetail detail = wire.readOrderDetail("{\"error_code\":0,\"error_msg\":\"success\",\"result\":{"
        + "\"sf_order_id\":\"JS3\",\"shop_order_id\":\"ks-0001\",\"order_status\":15,\"rider_name\":\"赵六\","
        + "\"rider_phone\":\"13500000005\",\"rider_lng\":\"116.4612\",\"rider_lat\":\"39.9101\",\"real_pay_money\":1100}}");
    assertThat(detail).isEqualTo(new CourierOrderDetail("JS3", "ks-0001", CourierState.PICKED_UP, "15", 1100L, "赵六",
        "13500000005", new GeoPoint(39.9101, 116.4612)));
  }

  @Test
  void verifiesAndReadsACallbackWithTheRidersPosition() throws Exception {
    String body = "{\"sf_order_id\":\"JS3\",\"shop_order_id\":\"ks-0001\",\"url_index\":\"rider_status\","
        + "\"order_status\":12,\"status_desc\":\"配送员到店\",\"operator_name\":\"赵六\",\"operator_phone\":\"13500000005\","
        + "\"rider_lng\":116.4612,\"rider_lat\":39.9101,\"push_time\":1772337906}";
    CourierInbound inbound = new CourierInbound(Map.of("sign", expectedSign(body, "1234567", "sf-key")), body);
    assertThat(wire.verifyCallback(inbound)).isTrue();
    assertThat(wire.readCallback(inbound)).isEqualTo(new CourierCallback(CourierPlatform.SF, "JS3", "ks-0001",
        CourierState.ARRIVED_AT_SHOP, "12", "赵六", "13500000005", null, Instant.ofEpochSecond(1772337906),
        new GeoPoint(39.9101, 116.4612)));

    assertThat(wire.verifyCallback(new CourierInbound(inbound.query(), body.replace(":12", ":17")))).isFalse();
    assertThat(wire.verifyCallback(CourierInbound.ofBody(body))).isFalse();
    assertThat(wire.verifyCallback(new CourierInbound(Map.of("sign", expectedSign(body, "1234567", "other")), body)))
        .isFalse();
  }

  @Test
  void aCompleteCallbackIsADeliveryOnlyWhenSignedFor() {
    String signedFor = complete(1);
    CourierCallback delivered = wire.readCallback(CourierInbound.ofBody(signedFor));
    assertThat(delivered.state()).isEqualTo(CourierState.DELIVERED);

    CourierCallback returned = wire.readCallback(CourierInbound.ofBody(complete(2)));
    assertThat(returned.state()).as("returned to the merchant: ended, not delivered").isEqualTo(CourierState.RETURNED);
    assertThat(returned.state().isTerminal()).isTrue();
    assertThat(returned.rawStatus()).isEqualTo("17");
    assertThat(returned.riderPosition()).isEqualTo(new GeoPoint(39.92, 116.47));

    CourierCallback cancelled = wire.readCallback(CourierInbound.ofBody("{\"sf_order_id\":\"JS3\","
        + "\"shop_order_id\":\"ks-0001\",\"url_index\":\"sf_cancel\",\"order_status\":2,\"push_time\":1772337906}"));
    assertThat(cancelled.state()).isEqualTo(CourierState.CANCELLED);
    assertThat(cancelled.riderPosition()).isNull();
  }

  @Test
  void aRiderWithoutAFixOrOffTheEarthHasNoPositionAndTheCallbackStillReads() {
    assertThat(wire.readCallback(CourierInbound.ofBody(complete(1).replace("116.47", "0").replace("39.92", "0")))
        .riderPosition()).isNull();
    CourierCallback offTheEarth = wire.readCallback(CourierInbound.ofBody(complete(1).replace("39.92", "139.92")));
    assertThat(offTheEarth.riderPosition()).isNull();
    assertThat(offTheEarth.state()).isEqualTo(CourierState.DELIVERED);
    assertThat(wire.readCallback(CourierInbound.ofBody(complete(1).replace("39.92", "\"NaN\"")))
        .riderPosition()).isNull();
    assertThat(wire.readCallback(CourierInbound.ofBody(complete(1).replace("39.92", "\"north\"")))
        .riderPosition()).isNull();
  }

  private static String complete(int receiptType) {
    return "{\"sf_order_id\":\"JS3\",\"shop_order_id\":\"ks-0001\",\"url_index\":\"order_complete\","
        + "\"order_status\":17,\"operator_name\":\"赵六\",\"operator_phone\":\"13500000005\",\"rider_lng\":116.47,"
        + "\"rider_lat\":39.92,\"receipt_type\":" + receiptType + ",\"push_time\":1772337999}";
  }
}
