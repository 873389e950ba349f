package io.kilosail.quote;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Tips (加小费) added when no courier accepts an order: plain Java, read from the {@code tips} array of the quoting
 * rules document next to {@code margins} (so it reloads with them), no I/O.
 *
 * <pre>
 * "tips": [
 *   {"name": "lunch-peak", "foodPlatforms": ["meituan"], "cities": ["shanghai"],
 *    "afterSeconds": 45, "stepFen": 100, "maxRounds": 3}]
 * </pre>
 *
 * <p>The first rule whose food platforms and cities match (absent means any) applies; with none, no tip is ever
 * added. When an order has waited {@code afterSeconds} in a placement without a courier, a tip round adds
 * {@code stepFen} to the courier's fee, at most {@code maxRounds} times per placement. A tip never takes the courier's
 * price plus its tips above the order's ceiling ({@link #ceilingFen}): the margin's cap, or, for an order the margin
 * rule took at an allowed loss, the fee plus that loss. A round with no room left adds nothing (and says so), so the
 * order moves on as it would without tips.
 */
public final class TipPolicy {

  private static final Set<String> FIELDS = Set.of("name", "foodPlatforms", "cities", "afterSeconds", "stepFen",
      "maxRounds", "_comment");

  /** One rule; empty sets mean any. */
  public record Rule(String name, Set<String> foodPlatforms, Set<String> cities, int afterSeconds, long stepFen,
                     int maxRounds) {

    boolean matches(String foodPlatform, String city) {
      return (foodPlatforms.isEmpty() || foodPlatforms.contains(foodPlatform))
          && (cities.isEmpty() || cities.contains(city));
    }
  }

  /**
   * What a tip round does: add {@code tipFen} (0: nothing, {@code why} says why) as round {@code round}; the courier's
   * price with every tip is then {@code totalFen}.
   */
  public record Decision(int round, long tipFen, long totalFen, String why) {

    public boolean tips() {
      return tipFen > 0;
    }
  }

  private final List<Rule> rules;

  private TipPolicy(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  public static TipPolicy none() {
    return new TipPolicy(List.of());
  }

  public List<Rule> rules() {
    return rules;
  }

  /** The rule for an order of {@code foodPlatform} in {@code city} (normalized); null when it gets no tips. */
  public Rule rule(String foodPlatform, String city) {
    return rules.stream().filter(r -> r.matches(foodPlatform, city)).findFirst().orElse(null);
  }

  /**
   * The most kilosail pays a courier for the order, tips included: the margin rule's cap, or the fee plus the allowed
   * loss when the order was taken below the floor; no bound (Long.MAX_VALUE) with no margin rule or no fee (then
   * tips are bounded by {@code stepFen × maxRounds} alone).
   */
  public static long ceilingFen(MarginPolicy.Rule margin, Long feeFen, boolean belowFloor) {
    if (margin == null || feeFen == null) {
      return Long.MAX_VALUE;
    }
    return belowFloor ? feeFen + margin.maxLossFen() : margin.capFen(feeFen);
  }

  /**
   * The tip of round {@code round} (1 for the first) for a courier priced {@code priceFen} who was tipped
   * {@code tippedFen} in the rounds before, under {@code ceilingFen}: {@code stepFen}, less where the ceiling leaves
   * less room, nothing past {@code maxRounds} or with no room.
   */
  public static Decision next(Rule rule, int round, long priceFen, long tippedFen, long ceilingFen) {
    long total = priceFen + tippedFen;
    if (rule == null) {
      return new Decision(round, 0, total, "no tip rule for the order");
    }
    if (round > rule.maxRounds()) {
      return new Decision(round, 0, total, "tip rounds used up (" + rule.maxRounds() + ", rule '" + rule.name()
          + "')");
    }
    long room = ceilingFen == Long.MAX_VALUE ? Long.MAX_VALUE : ceilingFen - total;
    if (room <= 0) {
      return new Decision(round, 0, total, "no room under the ceiling: courier " + total + " fen, at most "
          + ceilingFen + " fen (rule '" + rule.name() + "')");
    }
    long tip = Math.min(rule.stepFen(), room);
    return new Decision(round, tip, total + tip, tip < rule.stepFen()
        ? "tip " + tip + " fen, cut from " + rule.stepFen() + " by the ceiling of " + ceilingFen + " fen"
        : "tip " + tip + " fen");
  }

  /** Parses the {@code tips} array (null: no tips); cities are normalized as the quoting rules do. */
  static TipPolicy fromJson(Object raw, Function<String, String> normalizeCity) {
    return new TipPolicy(QuoteRules.ruleList(raw, "tips", "tip rules", FIELDS, (r, path, name) -> {
      long after = positive(r, path, "afterSeconds", name, 3_600);
      long step = positive(r, path, "stepFen", name, 10_000);
      long rounds = positive(r, path, "maxRounds", name, 10);
      return new Rule(name, QuoteRules.names(r, path, "foodPlatforms", name, Function.identity()),
          QuoteRules.names(r, path, "cities", name, normalizeCity), (int) after, step, (int) rounds);
    }));
  }

  /** A required whole number from 1 to {@code max}: a tip of 0 or a round every 0 s is a typo, not a policy. */
  private static long positive(JsonObject r, String path, String field, String name, long max) {
    Object raw = r.getValue(field);
    if (!(raw instanceof Number n) || n.doubleValue() != Math.floor(n.doubleValue()) || n.longValue() < 1
        || n.longValue() > max) {
      throw new QuoteRules.InvalidRulesException(path + "." + field, "required, a whole number from 1 to " + max
          + ", got '" + raw + "'", name);
    }
    return n.longValue();
  }
}
