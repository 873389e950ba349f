package io.kilosail.quote;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which courier platforms may quote a delivery: plain Java, read from JSON, no I/O.
 *
 * <pre>
 * {"timeZone": "Asia/Shanghai",
 *  "cityAliases": {"北京": "beijing"},
 *  "rules": [{"name": "city-core", "couriers": ["uu", "shansong", "sf", "fengniao"],
 *             "cities": ["shanghai", "beijing"], "foodPlatforms": ["meituan", "eleme", "jd"],
 *             "maxDistanceMeters": 8000, "maxWeightGrams": 20000, "hours": {"from": "07:00", "to": "23:30"}}]}
 * </pre>
 *
 * <p>A criterion that is absent means "any". A courier is eligible when at least one rule naming it matches every
 * criterion of that rule. Distance is the great-circle (haversine) distance between shop and customer. Hours are read
 * in {@code timeZone}: {@code from} inclusive, {@code to} exclusive; a window with {@code from} after {@code to}
 * crosses midnight, {@code from == to} is the whole day, and {@code "24:00"} is the end of the day. Cities are compared after {@link #normalizeCity}
 * (lower case, a trailing 市 or " city" dropped, then {@code cityAliases}), so "北京市" and "Beijing" are one city
 * once an alias says so.
 *
 * <p>A wrong rules document fails with {@link InvalidRulesException} naming the field
 * ({@code rules[2].hours.from: not HH:mm, got '7am' (rule 'night')}), so a reload can keep the old rules and say why.
 */
public final class QuoteRules {

  public static final String DEFAULT_TIME_ZONE = "Asia/Shanghai";
  private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");
  private static final double EARTH_RADIUS_METERS = 6_371_008.8;
  private static final Set<String> RULE_FIELDS = Set.of("name", "couriers", "cities", "foodPlatforms",
      "maxDistanceMeters", "maxWeightGrams", "hours");
  private static final Set<String> TOP_FIELDS = Set.of("timeZone", "cityAliases", "rules", "margins", "tips", "_comment");

  /** One delivery as the rules see it; {@code at} is when the time-of-day windows are judged. */
  public record Trip(String city, String foodPlatform, double shopLat, double shopLng, double customerLat,
                     double customerLng, int weightGrams, Instant at) {
  }

  /** A window of the day, {@code from} inclusive, {@code to} exclusive; crosses midnight when {@code from > to}. */
  public record Hours(LocalTime from, LocalTime to) {
    public boolean contains(LocalTime t) {
      if (from.equals(to)) {
        return true;
      }
      return from.isBefore(to) ? !t.isBefore(from) && t.isBefore(to) : !t.isBefore(from) || t.isBefore(to);
    }
  }

  /** One rule; a null or empty criterion means any. */
  public record Rule(String name, Set<CourierPlatform> couriers, Set<String> cities, Set<String> foodPlatforms,
                     Integer maxDistanceMeters, Integer maxWeightGrams, Hours hours) {

    boolean matches(String city, String foodPlatform, double distanceMeters, int weightGrams, LocalTime localTime) {
      return (cities.isEmpty() || city != null && cities.contains(city))
          && (foodPlatforms.isEmpty() || foodPlatform != null && foodPlatforms.contains(foodPlatform))
          && (maxDistanceMeters == null || distanceMeters <= maxDistanceMeters)
          && (maxWeightGrams == null || weightGrams <= maxWeightGrams)
          && (hours == null || hours.contains(localTime));
    }
  }

  /** The rules document is wrong; {@link #field()} is the path of the wrong value, e.g. {@code rules[2].hours.from}. */
  public static final class InvalidRulesException extends IllegalArgumentException {
    private final String field;

    InvalidRulesException(String field, String problem, String ruleName) {
      super(field + ": " + problem + (ruleName != null ? " (rule '" + ruleName + "')" : ""));
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  private final ZoneId zone;
  private final Map<String, String> cityAliases;
  private final List<Rule> rules;
  private final MarginPolicy margins;
  private final TipPolicy tips;

  private QuoteRules(ZoneId zone, Map<String, String> cityAliases, List<Rule> rules, MarginPolicy margins,
                     TipPolicy tips) {
    this.zone = zone;
    this.cityAliases = Map.copyOf(cityAliases);
    this.rules = List.copyOf(rules);
    this.margins = margins;
    this.tips = tips;
  }

  /** No rules at all: nothing is eligible. */
  public static QuoteRules none() {
    return new QuoteRules(ZoneId.of(DEFAULT_TIME_ZONE), Map.of(), List.of(), MarginPolicy.none(), TipPolicy.none());
  }

  /** The margin kept on each order (the document's {@code margins}); no rules when the document has none. */
  public MarginPolicy margins() {
    return margins;
  }

  /** The tips added when nobody accepts an order (the document's {@code tips}); none when the document has none. */
  public TipPolicy tips() {
    return tips;
  }

  public ZoneId zone() {
    return zone;
  }

  public List<Rule> rules() {
    return rules;
  }

  /** Parses a rules document; {@link InvalidRulesException} names the first wrong field. */
  public static QuoteRules fromJson(JsonObject json) {
    if (json == null) {
      throw new InvalidRulesException("(document)", "missing", null);
    }
    for (String key : json.fieldNames()) {
      if (!TOP_FIELDS.contains(key)) {
        throw new InvalidRulesException(key, "unknown field; known: " + new java.util.TreeSet<>(TOP_FIELDS), null);
      }
    }
    ZoneId zone;
    Object rawZone = json.getValue("timeZone", DEFAULT_TIME_ZONE);
    try {
      zone = ZoneId.of(String.valueOf(rawZone));
    } catch (DateTimeException e) {
      throw new InvalidRulesException("timeZone", "not a time zone id, got '" + rawZone + "'", null);
    }
    Map<String, String> aliases = new HashMap<>();
    Object rawAliases = json.getValue("cityAliases");
    if (rawAliases != null) {
      if (!(rawAliases instanceof JsonObject aliasJson)) {
        throw new InvalidRulesException("cityAliases", "must be an object of name -> city", null);
      }
      for (String name : aliasJson.fieldNames()) {
        if (!(aliasJson.getValue(name) instanceof String target) || target.isBlank()) {
          throw new InvalidRulesException("cityAliases." + name, "must be a city name", null);
        }
        aliases.put(basicCity(name), basicCity(target));
      }
    }
    Object rawRules = json.getValue("rules");
    if (!(rawRules instanceof JsonArray array)) {
      throw new InvalidRulesException("rules", "must be an array of rules", null);
    }
    List<Rule> rules = new ArrayList<>();
    Set<String> names = new java.util.HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      String path = "rules[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject r)) {
        throw new InvalidRulesException(path, "must be an object", null);
      }
      Rule rule = rule(path, r, aliases);
      if (!names.add(rule.name())) {
        throw new InvalidRulesException(path + ".name", "duplicate rule name", rule.name());
      }
      rules.add(rule);
    }
    return new QuoteRules(zone, aliases, rules,
        MarginPolicy.fromJson(json.getValue("margins"), city -> normalize(city, aliases)),
        TipPolicy.fromJson(json.getValue("tips"), city -> normalize(city, aliases)));
  }

  private static Rule rule(String path, JsonObject r, Map<String, String> aliases) {
    Object rawName = r.getValue("name");
    String name = rawName instanceof String s && !s.isBlank() ? s : null;
    if (rawName != null && name == null) {
      throw new InvalidRulesException(path + ".name", "must be a non-blank string", null);
    }
    if (name == null) {
      name = path;
    }
    for (String key : r.fieldNames()) {
      if (!RULE_FIELDS.contains(key)) {
        throw new InvalidRulesException(path + "." + key, "unknown field; known: " + new java.util.TreeSet<>(RULE_FIELDS), name);
      }
    }
    List<String> courierIds = strings(path + ".couriers", r.getValue("couriers"), name);
    if (courierIds == null || courierIds.isEmpty()) {
      throw new InvalidRulesException(path + ".couriers", "must name at least one courier platform", name);
    }
    Set<CourierPlatform> couriers = EnumSet.noneOf(CourierPlatform.class);
    for (int j = 0; j < courierIds.size(); j++) {
      try {
        couriers.add(CourierPlatform.fromId(courierIds.get(j)));
      } catch (IllegalArgumentException e) {
        throw new InvalidRulesException(path + ".couriers[" + j + "]", "unknown courier platform '" + courierIds.get(j)
            + "'; known: uu, shansong, sf, fengniao", name);
      }
    }
    Set<String> cities = new LinkedHashSet<>();
    List<String> rawCities = strings(path + ".cities", r.getValue("cities"), name);
    if (rawCities != null) {
      rawCities.forEach(c -> cities.add(normalize(c, aliases)));
    }
    Set<String> foodPlatforms = new LinkedHashSet<>();
    List<String> rawFood = strings(path + ".foodPlatforms", r.getValue("foodPlatforms"), name);
    if (rawFood != null) {
      rawFood.forEach(f -> foodPlatforms.add(f.trim().toLowerCase(Locale.ROOT)));
    }
    Integer maxDistance = positive(path + ".maxDistanceMeters", r.getValue("maxDistanceMeters"), name);
    Integer maxWeight = positive(path + ".maxWeightGrams", r.getValue("maxWeightGrams"), name);
    Hours hours = null;
    Object rawHours = r.getValue("hours");
    if (rawHours != null) {
      if (!(rawHours instanceof JsonObject h)) {
        throw new InvalidRulesException(path + ".hours", "must be {\"from\": \"HH:mm\", \"to\": \"HH:mm\"}", name);
      }
      hours = new Hours(time(path + ".hours.from", h.getValue("from"), name),
          time(path + ".hours.to", h.getValue("to"), name));
    }
    return new Rule(name, Collections.unmodifiableSet(couriers), Collections.unmodifiableSet(cities),
        Collections.unmodifiableSet(foodPlatforms), maxDistance, maxWeight, hours);
  }

  private static List<String> strings(String field, Object raw, String rule) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof JsonArray array)) {
      throw new InvalidRulesException(field, "must be an array of strings", rule);
    }
    List<String> values = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String s) || s.isBlank()) {
        throw new InvalidRulesException(field + "[" + i + "]", "must be a non-blank string", rule);
      }
      values.add(s);
    }
    return values;
  }

  private static Integer positive(String field, Object raw, String rule) {
    if (raw == null) {
      return null;
    }
    if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.longValue() > 0
        && n.longValue() <= Integer.MAX_VALUE) {
      return n.intValue();
    }
    throw new InvalidRulesException(field, "must be a positive integer, got '" + raw + "'", rule);
  }

  private static LocalTime time(String field, Object raw, String rule) {
    if (raw instanceof String s) {
      try {
        return LocalTime.parse(s, HH_MM);
      } catch (DateTimeParseException ignored) {
        // reported below
      }
    }
    throw new InvalidRulesException(field, "not HH:mm, got '" + raw + "'", rule);
  }

  /**
   * The platforms eligible for this trip, in {@link CourierPlatform} order (UU, Shansong, SF, Fengniao) whatever the
   * rules' order; empty when no rule matches.
   */
  public List<CourierPlatform> eligible(Trip trip) {
    String city = trip.city() == null ? null : normalize(trip.city(), cityAliases);
    String food = trip.foodPlatform() == null ? null : trip.foodPlatform().trim().toLowerCase(Locale.ROOT);
    double distance = distanceMeters(trip.shopLat(), trip.shopLng(), trip.customerLat(), trip.customerLng());
    LocalTime local = trip.at().atZone(zone).toLocalTime();
    Set<CourierPlatform> eligible = EnumSet.noneOf(CourierPlatform.class);
    for (Rule rule : rules) {
      if (!eligible.containsAll(rule.couriers()) && rule.matches(city, food, distance, trip.weightGrams(), local)) {
        eligible.addAll(rule.couriers());
      }
    }
    return List.copyOf(eligible);
  }

  /** The city as rules and cache keys compare it. */
  public String normalizeCity(String city) {
    return city == null ? null : normalize(city, cityAliases);
  }

  private static String normalize(String city, Map<String, String> aliases) {
    String basic = basicCity(city);
    return aliases.getOrDefault(basic, basic);
  }

  private static String basicCity(String city) {
    String c = city.trim().toLowerCase(Locale.ROOT);
    if (c.endsWith("市")) {
      c = c.substring(0, c.length() - 1);
    } else if (c.endsWith(" city")) {
      c = c.substring(0, c.length() - 5);
    }
    return c.trim();
  }

  /** Great-circle distance in meters (haversine, mean Earth radius). */
  public static double distanceMeters(double lat1, double lng1, double lat2, double lng2) {
    double dLat = Math.toRadians(lat2 - lat1);
    double dLng = Math.toRadians(lng2 - lng1);
    double a = Math.sin(dLat / 2) * Math.sin(dLat / 2)
        + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2)) * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  /**
   * The names in rule {@code name}'s array {@code field} (absent: none, which the policies read as "any"), each passed
   * through {@code normalize}; shared by the margin and tip rules, which are scoped by food platform and city alike.
   */
  static Set<String> names(JsonObject r, String path, String field, String name, Function<String, String> normalize) {
    Object raw = r.getValue(field);
    Set<String> names = new LinkedHashSet<>();
    if (raw == null) {
      return names;
    }
    if (!(raw instanceof JsonArray array)) {
      throw new QuoteRules.InvalidRulesException(path + "." + field, "must be an array of names", name);
    }
    for (int j = 0; j < array.size(); j++) {
      if (!(array.getValue(j) instanceof String s) || s.isBlank()) {
        throw new QuoteRules.InvalidRulesException(path + "." + field + "[" + j + "]", "must be a non-blank name",
            name);
      }
      names.add(normalize.apply(s));
    }
    return names;
  }

  /** Reads one rule of a rules array: {@code path} locates it in the file, {@code name} is its name (else its path). */
  interface RuleReader<R> {
    R read(JsonObject rule, String path, String name);
  }

  /**
   * The rules of array {@code section} (null: none), each an object whose fields are all in {@code fields}, read by
   * {@code reader}; shared by the margin and tip rules. A malformed rule names its path and field.
   */
  static <R> List<R> ruleList(Object raw, String section, String what, Set<String> fields, RuleReader<R> reader) {
    if (raw == null) {
      return List.of();
    }
    if (!(raw instanceof JsonArray array)) {
      throw new InvalidRulesException(section, "must be an array of " + what, null);
    }
    List<R> rules = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String path = section + "[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject r)) {
        throw new InvalidRulesException(path, "must be an object", null);
      }
      String name = r.getValue("name") instanceof String s && !s.isBlank() ? s : path;
      for (String key : r.fieldNames()) {
        if (!fields.contains(key)) {
          throw new InvalidRulesException(path + "." + key, "unknown field; known: " + new java.util.TreeSet<>(fields),
              name);
        }
      }
      rules.add(reader.read(r, path, name));
    }
    return rules;
  }
}
