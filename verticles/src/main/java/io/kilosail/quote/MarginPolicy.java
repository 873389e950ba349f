package io.kilosail.quote;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * How much kilosail keeps of a delivery fee: plain Java, read from the {@code margins} array of the quoting rules
 * document (so it reloads with them), no I/O.
 *
 * <pre>
 * "margins": [
 *   {"name": "jd-shanghai", "foodPlatforms": ["jd"], "cities": ["shanghai"], "minMarginFen": 0,
 *    "whenNoCourierFits": "ALLOW_LOSS", "maxLossFen": 200},
 *   {"name": "everywhere", "minMarginFen": 100, "minMarginPercent": 10, "whenNoCourierFits": "HAND_BACK"}]
 * </pre>
 *
 * <p>The first rule whose food platforms and cities match (absent means any) applies. The food platform pays the
 * order's fee; kilosail keeps at least {@code max(minMarginFen, ceil(fee × minMarginPercent / 100))}, so no courier
 * dearer than {@link Rule#capFen} is offered the order, whatever the dispatch strategy. When no quote fits,
 * {@code HAND_BACK} returns the order to its food platform (cancelled with the reason, through push-back), and
 * {@code ALLOW_LOSS} still takes couriers up to {@code fee + maxLossFen}, counted as below the floor. With no rule
 * matching (or an order without a fee) every quote stands.
 */
public final class MarginPolicy {

  public enum WhenNoCourierFits { HAND_BACK, ALLOW_LOSS }

  private static final Set<String> FIELDS = Set.of("name", "foodPlatforms", "cities", "minMarginFen",
      "minMarginPercent", "whenNoCourierFits", "maxLossFen", "_comment");

  /** One rule; empty sets mean any. */
  public record Rule(String name, Set<String> foodPlatforms, Set<String> cities, long minMarginFen,
                     int minMarginPercent, WhenNoCourierFits whenNoCourierFits, long maxLossFen) {

    boolean matches(String foodPlatform, String city) {
      return (foodPlatforms.isEmpty() || foodPlatforms.contains(foodPlatform))
          && (cities.isEmpty() || cities.contains(city));
    }

    /** The most kilosail may pay a courier for an order whose food platform pays {@code feeFen}. */
    public long capFen(long feeFen) {
      long byPercent = (feeFen * minMarginPercent + 99) / 100;
      return feeFen - Math.max(minMarginFen, byPercent);
    }
  }

  /**
   * What the policy makes of an order's quotes: the ones that may be offered ({@code within}), whether they are below
   * the margin's floor (an allowed loss), and, when none may, why the order goes back ({@code handBackReason}).
   */
  public record Verdict<T>(List<T> within, boolean belowFloor, String handBackReason, Rule rule) {

    public boolean handBack() {
      return handBackReason != null;
    }
  }

  private final List<Rule> rules;

  private MarginPolicy(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  public static MarginPolicy none() {
    return new MarginPolicy(List.of());
  }

  public List<Rule> rules() {
    return rules;
  }

  /** Judges {@code offers} for an order of {@code foodPlatform} in {@code city} (normalized) paying {@code feeFen}. */
  public <T> Verdict<T> judge(String foodPlatform, String city, Long feeFen, List<T> offers, ToLongFunction<T> price) {
    Rule rule = feeFen == null ? null
        : rules.stream().filter(r -> r.matches(foodPlatform, city)).findFirst().orElse(null);
    if (rule == null || offers.isEmpty()) {
      return new Verdict<>(offers, false, null, rule);
    }
    long cap = rule.capFen(feeFen);
    List<T> within = offers.stream().filter(o -> price.applyAsLong(o) <= cap).toList();
    if (!within.isEmpty()) {
      return new Verdict<>(within, false, null, rule);
    }
    long cheapest = offers.stream().mapToLong(price).min().orElseThrow();
    if (rule.whenNoCourierFits() == WhenNoCourierFits.ALLOW_LOSS) {
      List<T> allowed = offers.stream().filter(o -> price.applyAsLong(o) <= feeFen + rule.maxLossFen()).toList();
      if (!allowed.isEmpty()) {
        return new Verdict<>(allowed, true, null, rule);
      }
      return new Verdict<>(List.of(), false, String.format(java.util.Locale.ROOT,
          "no courier within the allowed loss: cheapest %d fen, fee %d fen, loss at most %d fen (margin rule '%s')",
          cheapest, feeFen, rule.maxLossFen(), rule.name()), rule);
    }
    return new Verdict<>(List.of(), false, String.format(java.util.Locale.ROOT,
        "no courier within the margin: cheapest %d fen, fee %d fen, courier price at most %d fen (margin rule '%s')",
        cheapest, feeFen, cap, rule.name()), rule);
  }

  /**
   * Parses the {@code margins} array (null: no rules); {@code normalizeCity} is the rules' own city normalization, so a
   * margin rule names cities as the quoting rules do.
   */
  static MarginPolicy fromJson(Object raw, Function<String, String> normalizeCity) {
    return new MarginPolicy(QuoteRules.ruleList(raw, "margins", "margin rules", FIELDS, (r, path, name) -> {
      long minMarginFen = amount(r, path, "minMarginFen", name);
      long percent = amount(r, path, "minMarginPercent", name);
      if (percent > 100) {
        throw new QuoteRules.InvalidRulesException(path + ".minMarginPercent", "must be 0..100, got " + percent, name);
      }
      WhenNoCourierFits when;
      Object rawWhen = r.getValue("whenNoCourierFits", "HAND_BACK");
      try {
        when = WhenNoCourierFits.valueOf(String.valueOf(rawWhen));
      } catch (IllegalArgumentException e) {
        throw new QuoteRules.InvalidRulesException(path + ".whenNoCourierFits",
            "must be HAND_BACK or ALLOW_LOSS, got '" + rawWhen + "'", name);
      }
      long maxLoss = amount(r, path, "maxLossFen", name);
      if (when == WhenNoCourierFits.ALLOW_LOSS && !r.containsKey("maxLossFen")) {
        throw new QuoteRules.InvalidRulesException(path + ".maxLossFen", "required with ALLOW_LOSS (a bounded loss)",
            name);
      }
      return new Rule(name, QuoteRules.names(r, path, "foodPlatforms", name, Function.identity()),
          QuoteRules.names(r, path, "cities", name, normalizeCity), minMarginFen, (int) percent, when, maxLoss);
    }));
  }

  private static long amount(JsonObject r, String path, String field, String name) {
    Object raw = r.getValue(field, 0);
    if (!(raw instanceof Number n) || n.doubleValue() != Math.floor(n.doubleValue()) || n.longValue() < 0) {
      throw new QuoteRules.InvalidRulesException(path + "." + field, "must be a whole number >= 0, got '" + raw + "'",
          name);
    }
    return n.longValue();
  }

}
