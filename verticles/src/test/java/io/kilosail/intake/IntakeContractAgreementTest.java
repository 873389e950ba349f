package io.kilosail.intake;

import io.kilosail.order.DeliveryOrder;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Keeps the typed checks ({@link OrderPush}, {@link IntakeRequests}) in agreement with the published contract,
 * {@code openapi/intake.yaml}: walks the yaml's schemas and, for every property, checks that the parser enforces what
 * the yaml declares (required, type, not null, minLength/maxLength in code points, pattern, minimum/maximum,
 * additionalProperties: false) and names the field; and that it refuses nothing the yaml allows (optional fields
 * absent, boundary values, every declared property present). Then, as a second opinion, random broken bodies are
 * judged by both the parser and the JSON Schema validator the intake used before (vertx-json-schema on the same yaml):
 * they must accept and refuse the same bodies. No Vert.x instance: both are plain code.
 */
class IntakeContractAgreementTest {

  private static Map<String, Object> contract;
  private static Map<String, Object> schemas;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws Exception {
    try (InputStream yaml = IntakeContractAgreementTest.class.getClassLoader()
        .getResourceAsStream(OrderIntakeRoutes.CONTRACT)) {
      assertThat(yaml).as(OrderIntakeRoutes.CONTRACT).isNotNull();
      contract = new Yaml().load(yaml);
    }
    schemas = (Map<String, Object>) ((Map<String, Object>) contract.get("components")).get("schemas");
  }

  // ------------------------------------------------------------------------------------------------ the walks

  @Test
  void thePushParserEnforcesEveryBoundOfOrderPush() {
    JsonObject valid = validPush();
    Walk walk = new Walk(body -> OrderPush.parse(body));
    walk.object(schema("OrderPush"), List.of(), valid);
    // Every property the yaml declares is in the template, so accepting the template means no declared field is
    // refused as unknown.
    assertThat(valid.fieldNames()).containsExactlyInAnyOrderElementsOf(properties(schema("OrderPush")).keySet());
    assertThat(walk.checks).as("checks derived from the yaml").isGreaterThan(120);
  }

  @Test
  void theCancelParserEnforcesCancelRequest() {
    Walk walk = new Walk(IntakeRequests::cancelReason);
    walk.object(schema("CancelRequest"), List.of(), new JsonObject().put("reason", "customer changed their mind"));
    assertThat(walk.checks).isGreaterThan(6);
  }

  @Test
  @SuppressWarnings("unchecked")
  void pathAndQueryParametersAreCheckedAsDeclared() {
    Map<String, Function<String, String>> checks = Map.of(
        "id", IntakeRequests::orderId,
        "platform", IntakeRequests::platform,
        "platformOrderId", IntakeRequests::platformOrderId);
    int checked = 0;
    Map<String, Object> paths = (Map<String, Object>) contract.get("paths");
    for (Object item : paths.values()) {
      for (Object operation : ((Map<String, Object>) item).values()) {
        for (Object p : (List<Object>) ((Map<String, Object>) operation).getOrDefault("parameters", List.of())) {
          Map<String, Object> parameter = (Map<String, Object>) p;
          if (parameter.get("in").equals("header")) {
            continue; // the platform headers: PlatformSignature checks them, before anything else
          }
          String name = (String) parameter.get("name");
          Function<String, String> check = checks.get(name);
          assertThat(check).as("a check for parameter " + name).isNotNull();
          Map<String, Object> schema = (Map<String, Object>) parameter.get("schema");
          int min = ((Number) schema.get("minLength")).intValue();
          int max = ((Number) schema.get("maxLength")).intValue();
          assertThat(parameter.get("required")).isEqualTo(true);
          assertRefused(() -> check.apply(null), name);
          if (min > 0) {
            assertRefused(() -> check.apply("a".repeat(min - 1)), name);
          }
          assertRefused(() -> check.apply("a".repeat(max + 1)), name);
          assertThat(check.apply("a".repeat(max))).hasSize(max);
          assertThat(check.apply("💥".repeat(max))).as("length in code points").isNotNull();
          checked++;
        }
      }
    }
    assertThat(checked).as("id twice, platform, platformOrderId").isEqualTo(4);
  }

  /** Random defects, judged by the parser and by the JSON Schema validator on the same yaml: same verdict. */
  @Test
  void randomBrokenPushesGetTheSameVerdictFromTheParserAndTheSchemaValidator() {
    Validator schemaValidator = Validator.create(JsonSchema.of(new JsonObject(inline(schema("OrderPush")))),
        new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("https://kilosail.io/intake"));
    Random random = new Random(0x5EEDL);
    int refused = 0;
    List<String> disagreements = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      JsonObject body = validPush();
      for (int defects = random.nextInt(3); defects >= 0; defects--) {
        mutate(random, body);
      }
      OutputUnit schemaVerdict = schemaValidator.validate(body);
      boolean parserAccepts;
      try {
        OrderPush.parse(body.copy());
        parserAccepts = true;
      } catch (InvalidRequestException e) {
        parserAccepts = false;
      }
      refused += parserAccepts ? 0 : 1;
      if (parserAccepts != schemaVerdict.getValid()) {
        disagreements.add((parserAccepts ? "parser accepts, schema refuses: " : "parser refuses, schema accepts: ")
            + body.encode());
      }
    }
    assertThat(disagreements).as("bodies judged differently").isEmpty();
    assertThat(refused).as("refused bodies").isBetween(1_000, 2_999);
  }

  // ------------------------------------------------------------------------------------------------ explicit cases

  @Test
  void theTemplateParsesIntoTypedFields() {
    DeliveryOrder.Pushed push = OrderPush.parse(validPush());
    assertThat(push.platformOrderId()).isEqualTo("MT-1");
    assertThat(push.deliveryFeeFen()).isEqualTo(850L);
    assertThat(push.goodsValueFen()).isEqualTo(5600L);
    assertThat(push.dropoff().lat()).hasToString("31.239700");
    assertThat(push.expectedDeliveryAt()).hasToString("2025-06-01T04:45:00Z");
    assertThat(push.remark()).isEqualTo("ring twice");
    // A whole number written as 850.0 is an integer in JSON Schema, 8.5 is not.
    assertThat(OrderPush.parse(validPush().put("deliveryFeeFen", 850.0)).deliveryFeeFen()).isEqualTo(850L);
    assertRefused(() -> OrderPush.parse(validPush().put("deliveryFeeFen", 8.5)), "deliveryFeeFen");
    assertRefused(() -> OrderPush.parse(validPush().put("placedAt", "2025-06-01T12:00:00+08:00")), "placedAt");
    assertRefused(() -> OrderPush.parse(validPush().put("placedAt", "2025-02-30T12:00:00Z")), "placedAt");
    assertRefused(() -> OrderPush.parse(validPush().put("platformOrderId", "MT 1")), "platformOrderId");
  }

  @Test
  void utcInstantsReadByPositionEqualJavaTimes() {
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      Instant instant = Instant.ofEpochSecond(random.nextLong(-62_167_219_200L, 253_402_300_799L),
          random.nextBoolean() ? 0 : random.nextInt(1_000_000_000));
      String text = instant.toString(); // 0, 3, 6 or 9 fraction digits
      int fraction = random.nextInt(10);
      if (instant.getNano() == 0 && fraction > 0) {
        text = text.substring(0, text.length() - 1) + "." + "0".repeat(fraction) + "Z";
      }
      String written = text;
      assertThat(OrderPush.parse(validPush().put("placedAt", written)).placedAt()).as(written)
          .isEqualTo(Instant.parse(written));
    }
    assertThat(OrderPush.parse(validPush().put("placedAt", "2025-06-01T04:00:00.1Z")).placedAt())
        .isEqualTo(Instant.parse("2025-06-01T04:00:00.100Z"));
    for (String bad : List.of("2025-06-01T04:00:00.Z", "2025-06-01T04:00:00.1234567890Z", "2025-06-01T04:00:00z",
        "2025-06-01t04:00:00Z", "2025-6-01T04:00:00Z", "2025-06-01T04:00Z", "2025-06-01T04:00:00", "+2025-06-01T04:00:00Z",
        "2025-00-01T04:00:00Z", "2025-06-00T04:00:00Z", "2023-02-29T04:00:00Z", "２025-06-01T04:00:00Z")) {
      assertRefused(() -> OrderPush.parse(validPush().put("placedAt", bad)), "placedAt");
    }
  }

  @Test
  void aBodyThatIsNoJsonObjectIsRefusedAsTheBody() {
    for (String body : List.of("", "{not json", "[]", "null", "42", "\"text\"", "{} {}", "[".repeat(5_000))) {
      assertRefused(() -> IntakeRequests.jsonBody("application/json", io.vertx.core.buffer.Buffer.buffer(body)),
          "(body)");
    }
    assertRefused(() -> IntakeRequests.jsonBody(null, io.vertx.core.buffer.Buffer.buffer("{}")), "(body)");
    assertRefused(() -> IntakeRequests.jsonBody("text/plain", io.vertx.core.buffer.Buffer.buffer("{}")), "(body)");
    assertThat(IntakeRequests.jsonBody("Application/JSON; charset=utf-8", io.vertx.core.buffer.Buffer.buffer(
        "{\"a\":{\"b\":1}}")).getJsonObject("a").getInteger("b")).isEqualTo(1);
  }

  // ------------------------------------------------------------------------------------------------ walking

  /** Derives checks from one object schema; {@code parse} is the parser under test. */
  private static final class Walk {
    final Consumer<JsonObject> parse;
    int checks;

    Walk(Consumer<JsonObject> parse) {
      this.parse = parse;
    }

    /** The object at {@code at} in {@code template}, a whole valid body. */
    void object(Map<String, Object> schema, List<String> at, JsonObject template) {
      assertThat(schema.get("type")).as(at + " type").isEqualTo("object");
      if (at.isEmpty()) {
        accepted(template, at, "the template");
      }
      if (Boolean.FALSE.equals(schema.get("additionalProperties"))) {
        refused(template, at, "unexpectedField", "an unknown field", (parent, name) -> parent.put(name, "x"));
      }
      List<?> required = (List<?>) schema.getOrDefault("required", List.of());
      properties(schema).forEach((name, property) -> {
        Map<String, Object> p = resolve(property);
        if (required.contains(name)) {
          refused(template, at, name, "missing", JsonObject::remove);
        } else {
          accepted(change(template, at, name, JsonObject::remove), at, name + " absent");
        }
        refused(template, at, name, "null", (parent, field) -> parent.putNull(field));
        String type = (String) p.get("type");
        switch (type) {
          case "string" -> string(p, at, name, template);
          case "integer" -> number(p, at, name, template, true);
          case "number" -> number(p, at, name, template, false);
          case "object" -> {
            refused(template, at, name, "a string", (parent, field) -> parent.put(field, "x"));
            List<String> inner = new ArrayList<>(at);
            inner.add(name);
            object(p, inner, template);
          }
          default -> throw new AssertionError("the walk does not know type " + type + " of " + name);
        }
      });
    }

    private void string(Map<String, Object> p, List<String> at, String name, JsonObject template) {
      refused(template, at, name, "a number", (parent, field) -> parent.put(field, 42));
      refused(template, at, name, "an object", (parent, field) -> parent.put(field, new JsonObject()));
      refused(template, at, name, "an array", (parent, field) -> parent.put(field, new JsonArray().add("x")));
      String patternText = (String) p.get("pattern");
      Pattern pattern = patternText == null ? null : Pattern.compile(patternText);
      if (p.get("minLength") instanceof Number min && min.intValue() > 0) {
        refused(template, at, name, "too short", (parent, field) -> parent.put(field, "a".repeat(min.intValue() - 1)));
      }
      if (p.get("maxLength") instanceof Number max) {
        refused(template, at, name, "too long", (parent, field) -> parent.put(field, "a".repeat(max.intValue() + 1)));
        accepted(change(template, at, name, (parent, field) -> parent.put(field, "a".repeat(max.intValue()))), at,
            name + " at maxLength");
        if (pattern == null) {
          // Lengths count code points: maxLength emoji are 2 * maxLength UTF-16 chars and still fit.
          accepted(change(template, at, name, (parent, field) -> parent.put(field, "💥".repeat(max.intValue()))), at,
              name + " at maxLength in code points");
        }
      }
      if (pattern != null) {
        String sample = walkTo(template, at).getString(name);
        assertThat(pattern.matcher(sample).find()).as("template's " + name + " fits its pattern").isTrue();
        for (String bad : List.of("has space", "2025-06-01T12:00:00+08:00", "2025-06-01 12:00:00Z", "é", "a/b")) {
          if (!pattern.matcher(bad).find()) {
            refused(template, at, name, "not matching " + patternText, (parent, field) -> parent.put(field, bad));
          }
        }
      }
    }

    private void number(Map<String, Object> p, List<String> at, String name, JsonObject template, boolean integer) {
      refused(template, at, name, "a string", (parent, field) -> parent.put(field, "1"));
      refused(template, at, name, "a boolean", (parent, field) -> parent.put(field, true));
      Number min = (Number) p.get("minimum");
      Number max = (Number) p.get("maximum");
      assertThat(min).as(name + " has a minimum").isNotNull();
      assertThat(max).as(name + " has a maximum").isNotNull();
      double step = integer ? 1 : 0.5;
      refused(template, at, name, "below minimum", (parent, field) -> parent.put(field, value(min, -step, integer)));
      refused(template, at, name, "above maximum", (parent, field) -> parent.put(field, value(max, step, integer)));
      refused(template, at, name, "huge", (parent, field) -> parent.put(field, Long.MAX_VALUE));
      refused(template, at, name, "huger", (parent, field) -> parent.put(field, 1e308));
      accepted(change(template, at, name, (parent, field) -> parent.put(field, value(min, 0, integer))), at,
          name + " at minimum");
      accepted(change(template, at, name, (parent, field) -> parent.put(field, value(max, 0, integer))), at,
          name + " at maximum");
      if (integer) {
        refused(template, at, name, "a fraction", (parent, field) -> parent.put(field, min.doubleValue() + 0.5));
        accepted(change(template, at, name, (parent, field) -> parent.put(field, (double) max.longValue())), at,
            name + " as a whole double");
      }
    }

    private void refused(JsonObject template, List<String> at, String name, String what,
                         java.util.function.BiConsumer<JsonObject, String> change) {
      checks++;
      String field = String.join(".", at) + (at.isEmpty() ? "" : ".") + name;
      JsonObject body = change(template, at, name, change);
      assertRefused(() -> parse.accept(body), field);
    }

    private void accepted(JsonObject body, List<String> at, String what) {
      checks++;
      assertThatCode(() -> parse.accept(body)).as("%s %s: %s", at, what, body.encode()).doesNotThrowAnyException();
    }
  }

  private static void assertRefused(Runnable parse, String field) {
    InvalidRequestException refusal = catchThrowableOfType(parse::run, InvalidRequestException.class);
    assertThat(refusal).as("refused, naming " + field).isNotNull();
    assertThat(refusal.field()).isEqualTo(field);
    assertThat(refusal.detail()).contains("'" + field + "'");
  }

  /** A copy of the whole template with one change at {@code at}.{@code name}. */
  private static JsonObject change(JsonObject template, List<String> at, String name,
                                   java.util.function.BiConsumer<JsonObject, String> change) {
    JsonObject copy = template.copy();
    change.accept(walkTo(copy, at), name);
    return copy;
  }

  private static JsonObject walkTo(JsonObject body, List<String> at) {
    JsonObject here = body;
    for (String step : at) {
      here = here.getJsonObject(step);
    }
    return here;
  }

  private static Object value(Number bound, double delta, boolean integer) {
    return integer ? (Object) (bound.longValue() + (long) delta) : (Object) (bound.doubleValue() + delta);
  }

  // ------------------------------------------------------------------------------------------------ the yaml

  @SuppressWarnings("unchecked")
  private static Map<String, Object> schema(String name) {
    return (Map<String, Object>) schemas.get(name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> properties(Map<String, Object> schema) {
    return (Map<String, Object>) schema.getOrDefault("properties", Map.of());
  }

  /** A schema with its {@code $ref} followed (the siblings of a $ref are only descriptions here). */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> resolve(Object schema) {
    Map<String, Object> map = (Map<String, Object>) schema;
    while (map.get("$ref") instanceof String ref) {
      assertThat(ref).startsWith("#/components/schemas/");
      map = schema(ref.substring("#/components/schemas/".length()));
    }
    return map;
  }

  /** A deep copy with every {@code $ref} replaced by its schema, for a validator that sees only this schema. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> inline(Object schema) {
    Map<String, Object> copy = new LinkedHashMap<>();
    resolve(schema).forEach((key, value) -> {
      if (value instanceof Map<?, ?> nested && key.equals("properties")) {
        Map<String, Object> properties = new LinkedHashMap<>();
        ((Map<String, Object>) nested).forEach((name, property) -> properties.put(name, inline(property)));
        copy.put(key, properties);
      } else {
        copy.put(key, value);
      }
    });
    return copy;
  }

  // ------------------------------------------------------------------------------------------------ bodies

  /** ReceivedOrderTest's push with every optional field too. */
  private static JsonObject validPush() {
    return ReceivedOrderTest.push("MT-1").put("remark", "ring twice");
  }

  /** One defect or harmless change at a random place, in the spirit of HostileInputFuzzTest. */
  private static void mutate(Random random, JsonObject body) {
    JsonObject parent = body;
    List<String> names = new ArrayList<>(parent.fieldNames());
    String name = names.get(random.nextInt(names.size()));
    while (parent.getValue(name) instanceof JsonObject nested && random.nextBoolean() && !nested.isEmpty()) {
      parent = nested;
      names = new ArrayList<>(parent.fieldNames());
      name = names.get(random.nextInt(names.size()));
    }
    Object current = parent.getValue(name);
    switch (random.nextInt(14)) {
      case 0 -> parent.remove(name);
      case 1 -> parent.putNull(name);
      case 2 -> parent.put(name, current instanceof String ? (Object) 7 : "7");
      case 3 -> parent.put(name, new JsonObject().put("x", 1));
      case 4 -> parent.put(name, "x".repeat(random.nextInt(700)));
      case 5 -> parent.put(name, "💥".repeat(random.nextInt(600)));
      case 6 -> parent.put(name, random.nextInt(200_000_001) - 100);
      case 7 -> parent.put(name, random.nextDouble() * 400 - 200);
      case 8 -> parent.put(name, (double) random.nextInt(1_000));
      case 9 -> parent.put(name, List.of("2025-06-01T04:00:00Z", "2025-06-01T04:00:00.123456789Z",
          "2025-06-01T04:00:00+08:00", "2025-13-01T04:00:00Z", "2025-06-01T24:00:00Z", "MT-9", "", "a b",
          "2025-02-29T04:00:00Z", "2024-02-29T04:00:00Z", "2025-06-01T23:59:60Z", "2025-06-01T12:60:00Z",
          "2025-06-01T12:00:60Z", "2025-06-31T12:00:00Z", "0000-01-01T00:00:00Z").get(random.nextInt(15)));
      case 10 -> parent.put("extra" + random.nextInt(3), 1);
      case 11 -> parent.put(name, random.nextBoolean() ? Long.MAX_VALUE : -1);
      case 12 -> parent.put(name, new JsonArray().add(current));
      default -> parent.put(name, current); // unchanged
    }
  }
}
