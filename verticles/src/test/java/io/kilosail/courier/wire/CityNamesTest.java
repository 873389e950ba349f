package io.kilosail.courier.wire;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CityNamesTest {

  @Test
  void theCodesAndKeysTheFoodPlatformsAndTheDemoPushAreNamed() {
    assertThat(CityNames.nameOf("310100")).isEqualTo("上海市");
    assertThat(CityNames.nameOf("110100")).isEqualTo("北京市");
    assertThat(CityNames.nameOf("440300")).isEqualTo("深圳市");
    assertThat(CityNames.nameOf("440100")).isEqualTo("广州市");
    assertThat(CityNames.nameOf("330100")).isEqualTo("杭州市");
    assertThat(CityNames.nameOf("510100")).isEqualTo("成都市");
    assertThat(CityNames.nameOf("shanghai")).isEqualTo("上海市");
    assertThat(CityNames.nameOf(" Beijing ")).isEqualTo("北京市");
  }

  @Test
  void aNameOrAnUnknownValueIsPassedOnAsItCame() {
    assertThat(CityNames.nameOf("上海市")).isEqualTo("上海市");
    assertThat(CityNames.nameOf("999999")).isEqualTo("999999");
    assertThat(CityNames.nameOf(null)).isNull();
  }
}
