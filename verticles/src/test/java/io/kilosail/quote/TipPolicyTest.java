package io.kilosail.quote;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TipPolicyTest {

  private static QuoteRules rules(JsonArray tips, JsonArray margins) {
    return QuoteRules.fromJson(new JsonObject().put("rules", new JsonArray()
            .add(new JsonObject().put("couriers", new JsonArray().add("uu"))))
        .put("cityAliases", new JsonObject().put("上海", "shanghai")).put("margins", margins).put("tips", tips));
  }

  private static JsonObject tip(long stepFen, int maxRounds) {
    return new JsonObject().put("afterSeconds", 45).put("stepFen", stepFen).put("maxRounds", maxRounds);
  }

  @Test
  void theFirstMatchingRuleAppliesAndNoRuleMeansNoTip() {
    TipPolicy tips = rules(new JsonArray()
        .add(tip(200, 2).put("name", "meituan-shanghai").put("foodPlatforms", new JsonArray().add("meituan"))
            .put("cities", new JsonArray().add("上海")))
        .add(tip(100, 3).put("name", "eleme").put("foodPlatforms", new JsonArray().add("eleme"))), null).tips();
    assertThat(tips.rule("meituan", "shanghai").name()).isEqualTo("meituan-shanghai");
    assertThat(tips.rule("meituan", "shanghai").afterSeconds()).isEqualTo(45);
    assertThat(tips.rule("eleme", "beijing").stepFen()).isEqualTo(100);
    assertThat(tips.rule("jd", "shanghai")).isNull();
    assertThat(TipPolicy.next(null, 1, 700, 0, 1_000).tips()).isFalse();
    assertThat(rules(null, null).tips().rules()).as("a document without tips adds none").isEmpty();
  }

  @Test
  void aTipNeverTakesTheCourierAboveTheMarginCapAndARoundWithoutRoomAddsNothing() {
    QuoteRules rules = rules(new JsonArray().add(tip(100, 5).put("name", "t")),
        new JsonArray().add(new JsonObject().put("minMarginFen", 100).put("minMarginPercent", 10)));
    TipPolicy.Rule rule = rules.tips().rules().get(0);
    // Fee 1,300: keep max(100, 130) = 130, so the courier with its tips costs at most 1,170.
    long ceiling = TipPolicy.ceilingFen(rules.margins().rules().get(0), 1_300L, false);
    assertThat(ceiling).isEqualTo(1_170);

    TipPolicy.Decision first = TipPolicy.next(rule, 1, 1_000, 0, ceiling);
    assertThat(first.tipFen()).isEqualTo(100);
    assertThat(first.totalFen()).isEqualTo(1_100);
    TipPolicy.Decision second = TipPolicy.next(rule, 2, 1_000, 100, ceiling);
    assertThat(second.tipFen()).as("only 70 fen of room left").isEqualTo(70);
    assertThat(second.totalFen()).isEqualTo(ceiling);
    assertThat(second.why()).contains("cut from 100");
    TipPolicy.Decision third = TipPolicy.next(rule, 3, 1_000, 170, ceiling);
    assertThat(third.tips()).isFalse();
    assertThat(third.why()).contains("no room");
    assertThat(TipPolicy.next(rule, 1, 1_200, 0, ceiling).tips()).as("a courier already above the cap").isFalse();
  }

  @Test
  void anOrderTakenAtAnAllowedLossIsTippedUpToThatLossAndNoFurther() {
    QuoteRules rules = rules(new JsonArray().add(tip(150, 5)), new JsonArray().add(new JsonObject()
        .put("minMarginFen", 100).put("whenNoCourierFits", "ALLOW_LOSS").put("maxLossFen", 200)));
    long ceiling = TipPolicy.ceilingFen(rules.margins().rules().get(0), 1_000L, true);
    assertThat(ceiling).isEqualTo(1_200);
    TipPolicy.Rule rule = rules.tips().rules().get(0);
    assertThat(TipPolicy.next(rule, 1, 1_100, 0, ceiling).tipFen()).isEqualTo(100);
    assertThat(TipPolicy.next(rule, 2, 1_100, 100, ceiling).tips()).isFalse();
  }

  @Test
  void roundsStopAtMaxRoundsAndWithoutAMarginRuleTheStepAloneBoundsThem() {
    TipPolicy.Rule rule = rules(new JsonArray().add(tip(100, 2)), null).tips().rules().get(0);
    long ceiling = TipPolicy.ceilingFen(null, 1_300L, false);
    assertThat(TipPolicy.next(rule, 2, 900, 100, ceiling).tipFen()).isEqualTo(100);
    TipPolicy.Decision third = TipPolicy.next(rule, 3, 900, 200, ceiling);
    assertThat(third.tips()).isFalse();
    assertThat(third.why()).contains("used up");
  }

  @Test
  void aWrongTipRuleIsRefusedNamingTheField() {
    assertThatThrownBy(() -> rules(new JsonArray().add(tip(0, 2)), null))
        .isInstanceOfSatisfying(QuoteRules.InvalidRulesException.class,
            e -> assertThat(e.field()).isEqualTo("tips[0].stepFen"));
    assertThatThrownBy(() -> rules(new JsonArray().add(tip(100, 2).put("maxTipFen", 5)), null))
        .isInstanceOfSatisfying(QuoteRules.InvalidRulesException.class,
            e -> assertThat(e.field()).isEqualTo("tips[0].maxTipFen"));
    assertThatThrownBy(() -> rules(new JsonArray().add(new JsonObject().put("stepFen", 100).put("maxRounds", 2)),
        null)).hasMessageContaining("afterSeconds");
    assertThatThrownBy(() -> rules(new JsonArray().add(tip(100, 2).put("cities", "shanghai")), null))
        .hasMessageContaining("tips[0].cities");
  }
}
