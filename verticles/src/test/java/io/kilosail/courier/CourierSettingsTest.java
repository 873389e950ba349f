package io.kilosail.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CourierSettingsTest {

  private static JsonObject uu() {
    return new JsonObject().put("appId", "a").put("appKey", "k").put("openId", "o");
  }

  @Test
  void aPlatformWithOnlyCredentialsGetsTheDefaults() {
    CourierSettings settings = CourierSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("_comment", "ignored").put("uu", uu())), Clock.systemUTC());
    assertThat(settings.platforms()).containsOnlyKeys(CourierPlatform.UU);
    CourierSettings.Platform p = settings.platforms().get(CourierPlatform.UU);
    assertThat(p.baseUrl()).isEqualTo("http://127.0.0.1:8091/uu");
    assertThat(p.timeoutMs()).isEqualTo(CourierSettings.DEFAULT_TIMEOUT_MS);
    assertThat(p.circuit()).isEqualTo(new CourierSettings.Circuit(5, 3_000, 10_000));
    assertThat(settings.wires().get(CourierPlatform.UU).platform()).isEqualTo(CourierPlatform.UU);
  }

  @Test
  void readsBaseUrlTimeoutAndCircuit() {
    CourierSettings.Platform p = CourierSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("uu", uu().put("baseUrl", "https://openapi.uupt.com/v2_0/").put("timeoutMs", "800")
            .put("circuit", new JsonObject().put("maxFailures", 2).put("resetTimeoutMs", 500)))), Clock.systemUTC())
        .platforms().get(CourierPlatform.UU);
    assertThat(p.baseUrl()).isEqualTo("https://openapi.uupt.com/v2_0");
    assertThat(p.timeoutMs()).isEqualTo(800);
    assertThat(p.circuit()).isEqualTo(new CourierSettings.Circuit(2, 3_000, 500));
  }

  @Test
  void badValuesNameTheirKey() {
    assertThatThrownBy(() -> CourierSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("uu", uu().put("baseUrl", "ftp://x"))), Clock.systemUTC()))
        .isInstanceOf(SettingException.class).hasMessageContaining("couriers.uu.baseUrl");
    assertThatThrownBy(() -> CourierSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("uu", uu().put("circuit", new JsonObject().put("maxFailures", 0)))), Clock.systemUTC()))
        .isInstanceOf(SettingException.class).hasMessageContaining("couriers.uu.circuit.maxFailures");
    assertThatThrownBy(() -> CourierSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("uu", new JsonObject().put("appId", "a"))), Clock.systemUTC()))
        .isInstanceOf(SettingException.class).hasMessageContaining("KILOSAIL_COURIER_UU_SECRET");
  }

  @Test
  void sfAndFengniaoNameWhatTheMerchantMustObtain() {
    JsonObject fengniao = new JsonObject().put("appId", "a").put("appSecret", "s").put("merchantId", "m")
        .put("storeCode", "st").put("authorizationCode", "code");
    CourierSettings ok = CourierSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("sf", new JsonObject().put("devId", "d").put("devKey", "k").put("shopId", "sf-shop"))
        .put("fengniao", fengniao)), Clock.systemUTC());
    assertThat(ok.platforms()).containsOnlyKeys(CourierPlatform.SF, CourierPlatform.FENGNIAO);

    assertThatThrownBy(() -> CourierSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("sf", new JsonObject().put("devId", "d").put("devKey", "k"))), Clock.systemUTC()))
        .isInstanceOf(SettingException.class).hasMessageContaining("couriers.sf.shopId");
    assertThatThrownBy(() -> CourierSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("fengniao", fengniao.copy().put("storeCode", " "))), Clock.systemUTC()))
        .isInstanceOf(SettingException.class).hasMessageContaining("couriers.fengniao.storeCode");
    JsonObject noGrant = fengniao.copy();
    noGrant.remove("authorizationCode");
    assertThatThrownBy(() -> CourierSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("fengniao", noGrant)), Clock.systemUTC()))
        .isInstanceOf(SettingException.class).hasMessageContaining("couriers.fengniao.authorizationCode")
        .hasMessageContaining("refreshToken");
    assertThat(CourierSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("fengniao", noGrant.copy().put("refreshToken", "r"))), Clock.systemUTC()).platforms())
        .containsOnlyKeys(CourierPlatform.FENGNIAO);
  }

  @Test
  void aMissingMerchantSettingIsAOneLineStartUpError() {
    assertThatThrownBy(() -> CourierSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("uu", new JsonObject().put("appId", "a").put("appKey", "k"))), Clock.systemUTC()))
        .isInstanceOf(SettingException.class).hasMessageContaining("couriers.uu.openId").hasMessageNotContaining("\n");
    assertThatThrownBy(() -> CourierSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("shansong", new JsonObject().put("clientId", "c").put("appSecret", "s"))), Clock.systemUTC()))
        .isInstanceOf(SettingException.class).hasMessageContaining("couriers.shansong.shopId");
  }
}
