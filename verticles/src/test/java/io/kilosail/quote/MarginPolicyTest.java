package io.kilosail.quote;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MarginPolicyTest {

  private static MarginPolicy policy(JsonArray margins) {
    return QuoteRules.fromJson(new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("couriers", new JsonArray().add("uu")))).put("cityAliases",
        new JsonObject().put("上海", "shanghai")).put("margins", margins)).margins();
  }

  @Test
  void theCapKeepsTheLargerOfTheFixedAndThePercentMargin() {
    MarginPolicy.Rule rule = policy(new JsonArray().add(new JsonObject().put("minMarginFen", 100)
        .put("minMarginPercent", 15))).rules().get(0);
    assertThat(rule.capFen(850)).as("15 % of 850 is 127.5, rounded up to 128").isEqualTo(722);
    assertThat(rule.capFen(500)).as("15 % of 500 is 75 < 100").isEqualTo(400);
  }

  @Test
  void offersAboveTheCapAreDroppedAndTheFirstMatchingRuleApplies() {
    MarginPolicy margins = policy(new JsonArray()
        .add(new JsonObject().put("name", "jd").put("foodPlatforms", new JsonArray().add("jd")).put("minMarginFen", 0))
        .add(new JsonObject().put("name", "shanghai").put("cities", new JsonArray().add("上海")).put("minMarginFen", 100)));
    List<Long> offers = List.of(700L, 760L, 800L);

    MarginPolicy.Verdict<Long> meituan = margins.judge("meituan", "shanghai", 850L, offers, Long::longValue);
    assertThat(meituan.within()).containsExactly(700L);
    assertThat(meituan.rule().name()).isEqualTo("shanghai");
    assertThat(margins.judge("jd", "shanghai", 850L, offers, Long::longValue).within())
        .as("jd's own rule comes first").containsExactly(700L, 760L, 800L);
    assertThat(margins.judge("meituan", "beijing", 850L, offers, Long::longValue).within())
        .as("no rule: every quote stands").containsExactly(700L, 760L, 800L);
    assertThat(margins.judge("meituan", "shanghai", null, offers, Long::longValue).within())
        .as("no fee: no cap").hasSize(3);
  }

  @Test
  void noQuoteWithinTheMarginHandsTheOrderBackOrTakesABoundedLoss() {
    MarginPolicy margins = policy(new JsonArray()
        .add(new JsonObject().put("name", "strict").put("foodPlatforms", new JsonArray().add("meituan")))
        .add(new JsonObject().put("name", "loss").put("whenNoCourierFits", "ALLOW_LOSS").put("maxLossFen", 200)));

    MarginPolicy.Verdict<Long> back = margins.judge("meituan", "x", 850L, List.of(900L, 1100L), Long::longValue);
    assertThat(back.handBack()).isTrue();
    assertThat(back.within()).isEmpty();
    assertThat(back.handBackReason()).contains("cheapest 900 fen", "fee 850 fen", "at most 850 fen", "'strict'");

    MarginPolicy.Verdict<Long> loss = margins.judge("eleme", "x", 850L, List.of(900L, 1100L), Long::longValue);
    assertThat(loss.handBack()).isFalse();
    assertThat(loss.belowFloor()).isTrue();
    assertThat(loss.within()).containsExactly(900L);

    assertThat(margins.judge("eleme", "x", 850L, List.of(1100L), Long::longValue).handBack())
        .as("beyond the allowed loss").isTrue();
  }

  @Test
  void aWrongMarginRuleNamesItsField() {
    assertThatThrownBy(() -> policy(new JsonArray().add(new JsonObject().put("whenNoCourierFits", "ALLOW_LOSS"))))
        .hasMessageContaining("margins[0].maxLossFen");
    assertThatThrownBy(() -> policy(new JsonArray().add(new JsonObject().put("minMarginPercent", 120))))
        .hasMessageContaining("margins[0].minMarginPercent");
    assertThatThrownBy(() -> policy(new JsonArray().add(new JsonObject().put("minMarginFen", -1))))
        .hasMessageContaining("margins[0].minMarginFen");
    assertThatThrownBy(() -> policy(new JsonArray().add(new JsonObject().put("whenNoCourierFits", "PRAY"))))
        .hasMessageContaining("HAND_BACK or ALLOW_LOSS");
  }
}
