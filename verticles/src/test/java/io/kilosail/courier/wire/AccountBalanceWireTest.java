package io.kilosail.courier.wire;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each platform's balance query: asked under the account it names (UU's envelope {@code openId}, SF's {@code shop_id},
 * Fengniao's {@code out_shop_code}; the configured default when none), signed like every other call, and its answer
 * read in fen. Shansong has no balance query: nothing is built.
 */
class AccountBalanceWireTest {

  @Test
  void uuAsksUserAccountUnderTheOpenIdAndReadsAccountMoney() {
    UuWire wire = new UuWire(new UuWire.Credentials("app", "secret", "default-open"), WireVectors.CLOCK);
    CourierHttpRequest own = wire.accountBalance("shop-open");
    assertThat(own.pathAndQuery()).isEqualTo("/openapi/v3/user/account");
    assertThat(own.headers()).containsEntry("X-App-Id", "app");
    JsonObject envelope = new JsonObject(own.body());
    assertThat(envelope.getString("openId")).isEqualTo("shop-open");
    assertThat(envelope.getString("biz")).isEqualTo("{}");
    assertThat(envelope.getString("sign")).isEqualTo(wire.sign("{}", envelope.getLong("timestamp")));
    assertThat(new JsonObject(wire.accountBalance(null).body()).getString("openId")).isEqualTo("default-open");

    assertThat(wire.readAccountBalance("{\"code\":0,\"msg\":\"ok\",\"body\":{\"accountMoney\":7000}}"))
        .isEqualTo(7_000L);
    assertThatThrownBy(() -> wire.readAccountBalance("{\"code\":-101,\"msg\":\"openId invalid\"}"))
        .isInstanceOf(CourierRejectedException.class);
    assertThatThrownBy(() -> wire.readAccountBalance("{\"code\":0,\"msg\":\"ok\",\"body\":{}}"))
        .isInstanceOf(CourierWireException.class);
  }

  @Test
  void sfAsksGetShopAccountBalanceForTheStoreAndReadsBalance() {
    SfWire wire = new SfWire(new SfWire.Credentials("dev", "key", "sf-default"), WireVectors.CLOCK);
    CourierHttpRequest own = wire.accountBalance("sf-shop-9");
    assertThat(own.pathAndQuery()).startsWith("/open/api/external/getshopaccountbalance?sign=");
    JsonObject body = new JsonObject(own.body());
    assertThat(body.getString("shop_id")).isEqualTo("sf-shop-9");
    assertThat(body.getInteger("shop_type")).isEqualTo(SfWire.SHOP_TYPE_SF);
    assertThat(body.getString("dev_id")).isEqualTo("dev");
    assertThat(body.getInteger("version")).isEqualTo(SfWire.VERSION);
    assertThat(own.pathAndQuery()).endsWith(java.net.URLEncoder.encode(wire.sign(own.body()),
        java.nio.charset.StandardCharsets.UTF_8));
    assertThat(new JsonObject(wire.accountBalance(null).body()).getString("shop_id")).isEqualTo("sf-default");

    assertThat(wire.readAccountBalance("{\"error_code\":0,\"error_msg\":\"success\",\"result\":{\"balance\":123456}}"))
        .isEqualTo(123_456L);
    assertThatThrownBy(() -> wire.readAccountBalance("{\"error_code\":1008,\"error_msg\":\"shop not found\"}"))
        .isInstanceOf(CourierRejectedException.class);
  }

  @Test
  void fengniaoAsksGetAmountForTheStoreAndReadsAmountCent() {
    FengniaoWire wire = new FengniaoWire(new FengniaoWire.Credentials("app", "secret", "m-1", "store-default",
        FengniaoWire.TokenGrant.authorizationCode("code")), WireVectors.CLOCK).withAccessToken("tok");
    CourierHttpRequest own = wire.accountBalance("store-9");
    assertThat(own.pathAndQuery()).isEqualTo("/anubis-webapi/v3/invoke/getAmount");
    JsonObject envelope = new JsonObject(own.body());
    assertThat(envelope.getString("merchant_id")).isEqualTo("m-1");
    assertThat(envelope.getString("access_token")).isEqualTo("tok");
    assertThat(new JsonObject(envelope.getString("business_data")).getString("out_shop_code")).isEqualTo("store-9");
    assertThat(envelope.getString("signature")).isNotBlank();
    assertThat(new JsonObject(new JsonObject(wire.accountBalance(null).body()).getString("business_data"))
        .getString("out_shop_code")).isEqualTo("store-default");

    assertThat(wire.readAccountBalance("{\"code\":\"200\",\"msg\":\"success\",\"business_data\":"
        + "\"{\\\"amount_cent\\\":50000}\"}")).isEqualTo(50_000L);
    assertThatThrownBy(() -> wire.readAccountBalance("{\"code\":\"B0001\",\"msg\":\"no\"}"))
        .isInstanceOf(CourierRejectedException.class);
  }

  @Test
  void shansongHasNoBalanceQuery() {
    ShansongWire wire = new ShansongWire(new ShansongWire.Credentials("client", "store", "secret"), WireVectors.CLOCK);
    assertThatThrownBy(() -> wire.accountBalance("store")).isInstanceOf(UnsupportedOperationException.class);
  }
}
