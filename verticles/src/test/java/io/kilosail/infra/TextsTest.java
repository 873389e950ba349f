package io.kilosail.infra;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TextsTest {

  @Test
  void textWithinTheBoundIsKeptAsItIs() {
    assertThat(Texts.clip("no courier", 10)).isEqualTo("no courier");
    assertThat(Texts.clip(null, 10)).isNull();
  }

  @Test
  void longerTextIsCutToTheBoundWithAnEllipsis() {
    assertThat(Texts.clip("no courier within the margin", 10)).isEqualTo("no courie…").hasSize(10);
  }

  @Test
  void aCutNeverSplitsACharacterOutsideTheBasicPlane() {
    String text = "abcd\uD83D\uDE80rocket";   // the rocket emoji is two UTF-16 units at index 4 and 5
    assertThat(Texts.clip(text, 6)).isEqualTo("abcd…");
  }
}
