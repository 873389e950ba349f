package io.kilosail.quote;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static io.kilosail.contracts.courier.CourierPlatform.FENGNIAO;
import static io.kilosail.contracts.courier.CourierPlatform.SF;
import static io.kilosail.contracts.courier.CourierPlatform.SHANSONG;
import static io.kilosail.contracts.courier.CourierPlatform.UU;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuoteRulesTest {

  // Beijing, Guomao; the customer about 500 m north.
  private static final double SHOP_LAT = 39.9087;
  private static final double SHOP_LNG = 116.4605;
  private static final double NEAR_LAT = 39.9132;
  // 12:00 in Shanghai is 04:00 UTC.
  private static final Instant NOON_CST = Instant.parse("2025-03-01T04:00:00Z");

  private static JsonObject doc(JsonObject... rules) {
    return new JsonObject().put("timeZone", "Asia/Shanghai")
        .put("cityAliases", new JsonObject().put("北京", "beijing").put("上海", "shanghai"))
        .put("rules", new JsonArray(List.of((Object[]) rules)));
  }

  private static JsonObject rule(String name, String... couriers) {
    return new JsonObject().put("name", name).put("couriers", new JsonArray(List.of((Object[]) couriers)));
  }

  private static QuoteRules.Trip trip(String city, String food, double customerLat, int weightGrams, Instant at) {
    return new QuoteRules.Trip(city, food, SHOP_LAT, SHOP_LNG, customerLat, SHOP_LNG, weightGrams, at);
  }

  @Test
  void theExampleRuleMatchesEveryCourierInItsCityAndNothingElsewhere() {
    QuoteRules rules = QuoteRules.fromJson(doc(rule("city-core", "fengniao", "sf", "uu", "shansong")
        .put("cities", new JsonArray().add("shanghai").add("beijing"))
        .put("foodPlatforms", new JsonArray().add("meituan").add("eleme").add("jd"))
        .put("maxDistanceMeters", 8000).put("maxWeightGrams", 20000)
        .put("hours", new JsonObject().put("from", "07:00").put("to", "23:30"))));

    // Platform order is stable (enum order), not the rule's order; "北京市" reads as beijing through the alias.
    assertThat(rules.eligible(trip("北京市", "meituan", NEAR_LAT, 800, NOON_CST))).containsExactly(UU, SHANSONG, SF, FENGNIAO);
    assertThat(rules.eligible(trip("Beijing", "JD", NEAR_LAT, 800, NOON_CST))).hasSize(4);
    assertThat(rules.eligible(trip("shenzhen", "meituan", NEAR_LAT, 800, NOON_CST))).isEmpty();
    assertThat(rules.eligible(trip(null, "meituan", NEAR_LAT, 800, NOON_CST))).isEmpty();
    assertThat(rules.eligible(trip("beijing", "dianping", NEAR_LAT, 800, NOON_CST))).isEmpty();
    assertThat(rules.eligible(trip("beijing", "meituan", NEAR_LAT, 20_001, NOON_CST))).isEmpty();
    assertThat(rules.eligible(trip("beijing", "meituan", NEAR_LAT, 20_000, NOON_CST))).hasSize(4);
    // About 10 km north: beyond 8000 m.
    assertThat(rules.eligible(trip("beijing", "meituan", SHOP_LAT + 0.09, 800, NOON_CST))).isEmpty();
    // 23:30 Shanghai time is outside [07:00, 23:30); 23:29 inside; 06:59 outside.
    assertThat(rules.eligible(trip("beijing", "meituan", NEAR_LAT, 800, Instant.parse("2025-03-01T15:30:00Z")))).isEmpty();
    assertThat(rules.eligible(trip("beijing", "meituan", NEAR_LAT, 800, Instant.parse("2025-03-01T15:29:00Z")))).hasSize(4);
    assertThat(rules.eligible(trip("beijing", "meituan", NEAR_LAT, 800, Instant.parse("2025-02-28T22:59:00Z")))).isEmpty();
  }

  @Test
  void aCourierIsEligibleWhenAnyRuleNamingItMatches() {
    QuoteRules rules = QuoteRules.fromJson(doc(
        rule("near", "uu", "shansong").put("maxDistanceMeters", 3000),
        rule("far-light", "sf").put("maxWeightGrams", 5000),
        rule("shanghai-only", "fengniao", "uu").put("cities", new JsonArray().add("上海"))));

    assertThat(rules.eligible(trip("beijing", "meituan", NEAR_LAT, 800, NOON_CST))).containsExactly(UU, SHANSONG, SF);
    assertThat(rules.eligible(trip("beijing", "meituan", SHOP_LAT + 0.09, 800, NOON_CST))).containsExactly(SF);
    assertThat(rules.eligible(trip("shanghai", "meituan", SHOP_LAT + 0.09, 8000, NOON_CST))).containsExactly(UU, FENGNIAO);
    assertThat(rules.eligible(trip("beijing", "meituan", SHOP_LAT + 0.09, 8000, NOON_CST))).isEmpty();
  }

  @Test
  void aWindowMayCrossMidnightInTheRulesTimeZone() {
    QuoteRules rules = QuoteRules.fromJson(doc(rule("night", "sf")
        .put("hours", new JsonObject().put("from", "22:00").put("to", "02:00"))));
    // 23:00 and 01:59 Shanghai time inside; 02:00 and 12:00 outside.
    assertThat(rules.eligible(trip("x", null, NEAR_LAT, 1, Instant.parse("2025-03-01T15:00:00Z")))).containsExactly(SF);
    assertThat(rules.eligible(trip("x", null, NEAR_LAT, 1, Instant.parse("2025-03-01T17:59:00Z")))).containsExactly(SF);
    assertThat(rules.eligible(trip("x", null, NEAR_LAT, 1, Instant.parse("2025-03-01T18:00:00Z")))).isEmpty();
    assertThat(rules.eligible(trip("x", null, NEAR_LAT, 1, NOON_CST))).isEmpty();

    // "24:00" is the end of the day.
    QuoteRules evening = QuoteRules.fromJson(doc(rule("evening", "sf").put("hours", new JsonObject().put("from", "18:00").put("to", "24:00"))));
    assertThat(evening.eligible(trip("x", null, NEAR_LAT, 1, Instant.parse("2025-03-01T15:59:00Z")))).containsExactly(SF);
    assertThat(evening.eligible(trip("x", null, NEAR_LAT, 1, Instant.parse("2025-03-01T16:00:00Z")))).isEmpty();

    QuoteRules allDay = QuoteRules.fromJson(doc(rule("all", "sf").put("hours", new JsonObject().put("from", "00:00").put("to", "00:00"))));
    assertThat(allDay.eligible(trip("x", null, NEAR_LAT, 1, NOON_CST))).containsExactly(SF);
  }

  @Test
  void absentCriteriaMeanAny() {
    QuoteRules rules = QuoteRules.fromJson(new JsonObject().put("rules", new JsonArray().add(rule("any", "uu"))));
    assertThat(rules.zone().getId()).isEqualTo("Asia/Shanghai");
    assertThat(rules.eligible(trip(null, null, SHOP_LAT + 1, 1_000_000, NOON_CST))).containsExactly(UU);
    assertThat(QuoteRules.none().eligible(trip("beijing", "meituan", NEAR_LAT, 1, NOON_CST))).isEmpty();
  }

  @Test
  void haversineDistanceIsRight() {
    // One degree of latitude is about 111.2 km; Beijing to Shanghai about 1,068 km.
    assertThat(QuoteRules.distanceMeters(0, 0, 1, 0)).isBetween(111_150.0, 111_250.0);
    assertThat(QuoteRules.distanceMeters(39.9042, 116.4074, 31.2304, 121.4737)).isBetween(1_060_000.0, 1_075_000.0);
    assertThat(QuoteRules.distanceMeters(SHOP_LAT, SHOP_LNG, SHOP_LAT, SHOP_LNG)).isZero();
  }

  @Test
  void aWrongDocumentNamesTheRuleAndField() {
    assertInvalid(doc(rule("a", "uu"), rule("b", "sf"), rule("night", "sf").put("hours",
        new JsonObject().put("from", "7am").put("to", "02:00"))), "rules[2].hours.from", "not HH:mm", "night");
    assertInvalid(doc(rule("a", "uu").put("hours", new JsonObject().put("from", "07:00").put("to", "25:00"))),
        "rules[0].hours.to", "not HH:mm", "'a'");
    assertInvalid(doc(rule("a", "uu", "dada")), "rules[0].couriers[1]", "unknown courier platform 'dada'", "'a'");
    assertInvalid(doc(rule("a")), "rules[0].couriers", "at least one", "'a'");
    assertInvalid(doc(rule("a", "uu").put("maxDistanceMeters", -5)), "rules[0].maxDistanceMeters", "positive integer", "'a'");
    assertInvalid(doc(rule("a", "uu").put("maxWeightGrams", "heavy")), "rules[0].maxWeightGrams", "positive integer", "'a'");
    assertInvalid(doc(rule("a", "uu").put("city", new JsonArray().add("beijing"))), "rules[0].city", "unknown field", "'a'");
    assertInvalid(doc(rule("a", "uu").put("cities", "beijing")), "rules[0].cities", "array", "'a'");
    assertInvalid(doc(rule("a", "uu"), rule("a", "sf")), "rules[1].name", "duplicate", "'a'");
    assertInvalid(new JsonObject().put("timeZone", "Mars/Olympus").put("rules", new JsonArray()), "timeZone", "time zone", "");
    assertInvalid(new JsonObject().put("rule", new JsonArray()), "rule", "unknown field", "");
    assertInvalid(new JsonObject(), "rules", "array", "");
  }

  private static void assertInvalid(JsonObject json, String field, String problem, String ruleName) {
    assertThatThrownBy(() -> QuoteRules.fromJson(json))
        .isInstanceOf(QuoteRules.InvalidRulesException.class)
        .hasMessageStartingWith(field + ": ")
        .hasMessageContaining(problem)
        .hasMessageContaining(ruleName)
        .satisfies(e -> assertThat(((QuoteRules.InvalidRulesException) e).field()).isEqualTo(field));
  }

  @Test
  void eligibleListIsImmutableAndOrdered() {
    QuoteRules rules = QuoteRules.fromJson(doc(rule("r", "fengniao", "uu")));
    List<CourierPlatform> eligible = rules.eligible(trip("x", null, NEAR_LAT, 1, NOON_CST));
    assertThat(eligible).containsExactly(UU, FENGNIAO);
    assertThatThrownBy(() -> eligible.add(SF)).isInstanceOf(UnsupportedOperationException.class);
  }
}
