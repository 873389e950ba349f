package io.kilosail.quote;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuotingSettingsTest {

  @Test
  void defaultsWithoutASection() {
    QuotingSettings s = QuotingSettings.fromJson(new JsonObject());
    assertThat(s.callTimeoutMs()).isEqualTo(1500);
    assertThat(s.cacheTtlSeconds()).isEqualTo(30);
    assertThat(s.rulesFile()).isEqualTo("conf/quoting-rules.json");
    assertThat(s.rulesScanMs()).isEqualTo(5000);
    assertThat(s.inlineRules()).isNull();
  }

  @Test
  void wrongValuesNameTheSetting() {
    assertThatThrownBy(() -> QuotingSettings.fromJson(new JsonObject().put("quoting",
        new JsonObject().put("callTimeoutMs", 0))))
        .isInstanceOf(SettingException.class).hasMessageContaining("quoting.callTimeoutMs");
    assertThatThrownBy(() -> QuotingSettings.fromJson(new JsonObject().put("quoting", new JsonObject()
        .put("rules", new JsonObject().put("rules", new JsonArray().add(new JsonObject().put("couriers",
            new JsonArray().add("dada"))))))))
        .isInstanceOf(SettingException.class)
        .satisfies(e -> assertThat(((SettingException) e).setting()).isEqualTo("quoting.rules.rules[0].couriers[0]"));
  }

  @Test
  void theShippedRulesFileAndTheInlineFallbackAreValid() throws Exception {
    // Tests run in verticles/; the files are at the repository root.
    JsonObject file = new JsonObject(Files.readString(Path.of("../conf/quoting-rules.json")));
    QuoteRules rules = QuoteRules.fromJson(file);
    assertThat(rules.rules()).isNotEmpty();
    assertThat(rules.eligible(new QuoteRules.Trip("上海市", "eleme", 31.2304, 121.4737, 31.2404, 121.4737, 1000,
        java.time.Instant.parse("2025-03-01T18:00:00Z")))).containsExactly(CourierPlatform.values());
    JsonObject defaults = new JsonObject(Files.readString(Path.of("../conf/default.json")));
    QuotingSettings s = QuotingSettings.fromJson(defaults);
    assertThat(s.inlineRules().eligible(new QuoteRules.Trip("北京市", "meituan", 39.9087, 116.4605, 39.9130,
        116.4590, 800, java.time.Instant.parse("2025-03-01T04:00:00Z")))).hasSize(4);
  }

  @Test
  void cacheKeysRoundToThreeDecimalsAndBucketTheWeight() {
    String key = QuoteCacheKeys.key(CourierPlatform.UU, "beijing", 39.90871, 116.46049, 39.91304, 116.459, 800);
    assertThat(key).isEqualTo("kilosail:quote:uu:beijing:39.909,116.460:39.913,116.459:w1");
    assertThat(QuoteCacheKeys.key(CourierPlatform.UU, "beijing", 39.90869, 116.46041, 39.91296, 116.4591, 1000))
        .isEqualTo(key);
    assertThat(QuoteCacheKeys.weightBucketKg(1001)).isEqualTo(2);
    assertThat(QuoteCacheKeys.weightBucketKg(0)).isEqualTo(1);
    assertThat(QuoteCacheKeys.decode(QuoteCacheKeys.encode(1100, 1800))).isEqualTo(new QuoteCacheKeys.Cached(1100, 1800));
    assertThat(QuoteCacheKeys.decode(QuoteCacheKeys.encode(900, null))).isEqualTo(new QuoteCacheKeys.Cached(900, null));
    assertThat(QuoteCacheKeys.decode("garbage")).isNull();
  }
}
