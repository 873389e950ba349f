package io.kilosail.courier.wire;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shop's own courier account goes where each platform wants it (UU's envelope {@code openId}, Shansong's signed form
 * {@code shopId}, SF's {@code shop_id}, Fengniao's {@code out_shop_code}); an order without one is sent under the
 * configured default, byte for byte as before shops existed.
 */
class ShopAccountWireTest {

  private static final CourierOrderRequest DEFAULT = WireVectors.ORDER;
  private static final CourierOrderRequest OWN = new CourierOrderRequest(DEFAULT.orderId(), DEFAULT.cityName(),
      DEFAULT.shop(), DEFAULT.customer(), DEFAULT.weightGrams(), DEFAULT.goodsValueFen(), DEFAULT.note(), "tok-9",
      "shop-own-account");

  @Test
  void uuSendsTheShopsOpenId() {
    UuWire wire = new UuWire(new UuWire.Credentials("app", "secret", "default-open"), WireVectors.CLOCK);
    assertThat(new JsonObject(wire.quote(OWN).body()).getString("openId")).isEqualTo("shop-own-account");
    assertThat(new JsonObject(wire.createOrder(OWN).body()).getString("openId")).isEqualTo("shop-own-account");
    assertThat(new JsonObject(wire.quote(DEFAULT).body()).getString("openId")).isEqualTo("default-open");
    assertThat(new JsonObject(wire.cancel(new CourierCancelRequest("o-1", "UU1", "r", "shop-own-account")).body())
        .getString("openId")).as("cancelled under the account it was placed with").isEqualTo("shop-own-account");
    assertThat(new JsonObject(wire.cancel(new CourierCancelRequest("o-1", "UU1", "r")).body()).getString("openId"))
        .isEqualTo("default-open");
  }

  @Test
  void shansongSignsTheShopsStore() {
    ShansongWire wire = new ShansongWire(new ShansongWire.Credentials("client", "default-store", "secret"),
        WireVectors.CLOCK);
    String form = wire.quote(OWN).body();
    assertThat(form).contains("shopId=shop-own-account").doesNotContain("default-store");
    String data = java.net.URLDecoder.decode(form.replaceAll(".*data=([^&]*).*", "$1"),
        java.nio.charset.StandardCharsets.UTF_8);
    String timestamp = form.replaceAll(".*timestamp=([^&]*).*", "$1");
    assertThat(form).contains("sign=" + ShansongWire.sign("secret", "client", "shop-own-account", data, timestamp));
    assertThat(wire.quote(DEFAULT).body()).contains("shopId=default-store");
    assertThat(wire.cancel(new CourierCancelRequest("o-1", "SS1", "r", "shop-own-account")).body())
        .contains("shopId=shop-own-account");
  }

  @Test
  void sfAndFengniaoNameTheShopsStore() {
    SfWire sf = new SfWire(new SfWire.Credentials("dev", "key", "sf-default"), WireVectors.CLOCK);
    assertThat(new JsonObject(sf.quote(OWN).body()).getString("shop_id")).isEqualTo("shop-own-account");
    assertThat(new JsonObject(sf.createOrder(OWN).body()).getString("shop_id")).isEqualTo("shop-own-account");
    assertThat(new JsonObject(sf.quote(DEFAULT).body()).getString("shop_id")).isEqualTo("sf-default");
    assertThat(new JsonObject(sf.cancel(new CourierCancelRequest("o-1", "SF1", "r", "shop-own-account")).body())
        .getString("shop_id")).isEqualTo("shop-own-account");
    FengniaoWire fengniao = new FengniaoWire(new FengniaoWire.Credentials("app", "secret", "m-1", "store-default",
        FengniaoWire.TokenGrant.authorizationCode("code")), WireVectors.CLOCK).withAccessToken("tok");
    assertThat(fengniao.createOrder(OWN).body()).contains("shop-own-account").doesNotContain("store-default");
    assertThat(fengniao.createOrder(DEFAULT).body()).contains("store-default");
  }
}
