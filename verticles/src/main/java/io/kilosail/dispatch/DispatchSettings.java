package io.kilosail.dispatch;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.platform.settings.ConfigSection;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code dispatch} section: which strategy an order gets (the first rule matching its food platform and city,
 * else {@code defaultStrategy}), the platforms' priority, how long each offer waits for a courier, and the delivery
 * saga's waits: for some courier to hold the order ({@code courierWaitMs}; the order is cancelled after it) and for the
 * delivery once held ({@code deliveryWaitMs}; the order is called off and cancelled after it). A placement whose
 * answer was not stored {@code placementCheckMs} after it was sent (lost, or its node died) is sent again, at most
 * {@code placementChecks} times: the platforms answer a repeated create of a live order with the order they hold.
 *
 * <pre>{@code
 * "dispatch": {
 *   "defaultStrategy": "CHEAPEST",
 *   "priority": ["sf", "uu", "shansong", "fengniao"],
 *   "acceptanceTimeoutMs": 60000,
 *   "courierWaitMs": 900000,
 *   "deliveryWaitMs": 14400000,
 *   "placementCheckMs": 5000,
 *   "placementChecks": 2,
 *   "rules": [ {"foodPlatforms": ["jd"], "cities": ["beijing"], "strategy": "SIMULTANEOUS"} ]
 * }
 * }</pre>
 */
public record DispatchSettings(DispatchStrategy defaultStrategy, List<String> priority, Duration acceptanceTimeout,
                               List<Rule> rules, Duration courierWait, Duration deliveryWait,
                               Duration placementCheck, int placementChecks) {

  /** An absent (null) criterion matches anything. */
  public record Rule(Set<String> foodPlatforms, Set<String> cities, DispatchStrategy strategy) {
    boolean matches(String foodPlatform, String city) {
      return (foodPlatforms == null || foodPlatforms.contains(foodPlatform))
          && (cities == null || cities.contains(city == null ? null : city.toLowerCase(Locale.ROOT)));
    }
  }

  public static final String SECTION = "dispatch";

  public static DispatchSettings fromJson(JsonObject config) {
    ConfigSection section = new ConfigSection(config, SECTION);
    DispatchStrategy defaultStrategy = strategy(section.name("defaultStrategy"),
        section.text("defaultStrategy", DispatchStrategy.CHEAPEST.name()));
    List<String> priority = new ArrayList<>();
    JsonArray configured = section.values().getJsonArray("priority");
    if (configured == null) {
      for (CourierPlatform p : CourierPlatform.values()) {
        priority.add(p.id());
      }
    } else {
      for (Object id : configured) {
        try {
          priority.add(CourierPlatform.fromId(String.valueOf(id)).id());
        } catch (IllegalArgumentException e) {
          throw new SettingException(section.name("priority"), e.getMessage());
        }
      }
    }
    List<Rule> rules = new ArrayList<>();
    JsonArray rawRules = section.values().getJsonArray("rules", new JsonArray());
    for (int i = 0; i < rawRules.size(); i++) {
      String at = section.name("rules[" + i + "]");
      if (!(rawRules.getValue(i) instanceof JsonObject rule)) {
        throw new SettingException(at, "must be an object");
      }
      rules.add(new Rule(names(rule.getJsonArray("foodPlatforms")), names(rule.getJsonArray("cities")),
          strategy(at + ".strategy", rule.getString("strategy"))));
    }
    return new DispatchSettings(defaultStrategy, List.copyOf(priority),
        Duration.ofMillis(section.integer("acceptanceTimeoutMs", 60_000, 100, 3_600_000)), List.copyOf(rules),
        Duration.ofMillis(section.integer("courierWaitMs", 15 * 60_000, 1_000, 24 * 3_600_000)),
        Duration.ofMillis(section.integer("deliveryWaitMs", 4 * 3_600_000, 1_000, 48 * 3_600_000)),
        // Above the gateway's bound on one call (the courier HTTP timeout, its circuit's backstop, the bus reply).
        Duration.ofMillis(section.integer("placementCheckMs", 5_000, 100, 3_600_000)),
        section.integer("placementChecks", 2, 0, 10));
  }

  public DispatchStrategy strategyFor(String foodPlatform, String city) {
    return rules.stream().filter(r -> r.matches(foodPlatform, city)).map(Rule::strategy).findFirst()
        .orElse(defaultStrategy);
  }

  private static Set<String> names(JsonArray values) {
    if (values == null) {
      return null;
    }
    return Set.copyOf(values.stream().map(v -> String.valueOf(v).toLowerCase(Locale.ROOT)).toList());
  }

  private static DispatchStrategy strategy(String key, String value) {
    try {
      return DispatchStrategy.valueOf(String.valueOf(value).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new SettingException(key, "unknown strategy '" + value + "'; known: "
          + List.of(DispatchStrategy.values()));
    }
  }
}
