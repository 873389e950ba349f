package io.kilosail.simulators.food;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static io.kilosail.simulators.SimulatorSupport.bounded;
import static io.kilosail.simulators.SimulatorSupport.downPeriodMs;
import static io.kilosail.simulators.SimulatorSupport.jsonBody;
import static io.kilosail.simulators.SimulatorSupport.problem;

/**
 * An upstream food platform (meituan, eleme, jd, any configured): it pushes signed overflow orders to kilosail's
 * intake ({@code POST /v1/orders}) at a chosen rate, and receives kilosail's signed status callbacks on
 * {@code POST /food/{platform}/callbacks}, recording them for a test or a person to look at. Mounted on the courier
 * simulator's HTTP server ({@code CourierSimulatorVerticle}), so one server plays every third party of a delivery.
 *
 * <p>It signs and verifies with its own code ({@link FoodSignatures}), never kilosail's, so a bug in either side's
 * reading of the scheme fails a round trip instead of being shared.
 *
 * <p>Config (the {@code food} section): {@code intakeUrl} (absolute; without it pushes are refused with 409),
 * {@code platforms.<name>.secret}, {@code randomSeed}, {@code maxInFlight} (16: pushes waiting for an answer at once).
 * Endpoints: see {@link #mount(Router)} and {@code docs/courier-simulator.md}.
 *
 * <p>All state is touched only on the event loop of the verticle that mounts it; nothing here blocks.
 */
public final class FoodPlatformSimulator {

  private static final Logger log = LoggerFactory.getLogger(FoodPlatformSimulator.class);

  static final long TIMESTAMP_TOLERANCE_SECONDS = 300;
  static final String DEFAULT_PLATFORM = "meituan";
  static final int DEFAULT_COUNT = 10;
  static final double DEFAULT_RATE = 20;
  static final int MAX_COUNT = 100_000;
  static final double MAX_RATE = 10_000;
  static final int DEFAULT_MAX_IN_FLIGHT = 16;
  private static final long PUSH_TIMEOUT_MS = 10_000;
  /** Bounds the memory of a long demo: the oldest runs and orders are forgotten first. */
  private static final int MAX_RUNS = 100;
  private static final int MAX_ORDERS_WITH_CALLBACKS = 200_000;
  private static final Set<String> PUSH_FIELDS = Set.of("platform", "count", "ratePerSecond", "city");
  private static final Set<String> CALLBACK_FIELDS = Set.of("orderId", "platformOrderId", "state", "occurredAt");

  private final Vertx vertx;
  private final String intakeUrl;
  /** Secret per platform name, in configuration order. */
  private final Map<String, String> secrets;
  private final int maxInFlight;
  private final Random random;
  private final FoodOrders orders;
  private final WebClient client;

  private final Map<String, FoodPushRun> runs = bounded(MAX_RUNS);
  /** Callbacks received per platform and platform order id, in arrival order. */
  private final Map<OrderKey, List<JsonObject>> callbacks = bounded(MAX_ORDERS_WITH_CALLBACKS);
  private long runSequence;
  private long downUntilMillis;
  private long callbacksRecorded;
  private long callbacksRefused;
  private long callbacksAnsweredDown;

  private record OrderKey(String platform, String platformOrderId) {
  }

  /** A control request field that is wrong: answered 400 naming {@code field}. */
  private static final class BadField extends RuntimeException {
    final String field;

    BadField(String field, String message) {
      super(message);
      this.field = field;
    }
  }

  private FoodPlatformSimulator(Vertx vertx, String intakeUrl, Map<String, String> secrets, int maxInFlight,
                                Random random) {
    this.vertx = vertx;
    this.intakeUrl = intakeUrl;
    this.secrets = secrets;
    this.maxInFlight = maxInFlight;
    this.random = random;
    this.orders = new FoodOrders(random);
    this.client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(maxInFlight));
  }

  /**
   * Reads the {@code food} section; {@code defaultSeed} (the simulator's own {@code randomSeed}, may be null) is used
   * when the section has none. Throws {@link IllegalArgumentException} naming the {@code food.*} field at fault.
   */
  public static FoodPlatformSimulator create(Vertx vertx, JsonObject config, Number defaultSeed) {
    Object url = config.getValue("intakeUrl");
    String intakeUrl = null;
    if (url != null) {
      if (!(url instanceof String text) || !isHttpUrl(text)) {
        throw new IllegalArgumentException("food.intakeUrl must be an absolute http(s) URL, got " + url);
      }
      intakeUrl = text;
    }
    Map<String, String> secrets = new LinkedHashMap<>();
    Object platforms = config.getValue("platforms", new JsonObject());
    if (!(platforms instanceof JsonObject platformsJson)) {
      throw new IllegalArgumentException("food.platforms must be an object of {\"<name>\": {\"secret\": ...}}");
    }
    for (String name : platformsJson.fieldNames()) {
      if (name.startsWith("_")) {
        continue; // "_comment": JSON has no comments
      }
      if (!name.matches("[a-z0-9_-]{1,32}")) {
        throw new IllegalArgumentException("food.platforms." + name + ": names are 1-32 of a-z, 0-9, '_' or '-'");
      }
      Object secret = platformsJson.getValue(name) instanceof JsonObject one ? one.getValue("secret") : null;
      if (!(secret instanceof String text) || text.isBlank()) {
        throw new IllegalArgumentException("food.platforms." + name + ".secret must be a non-empty string");
      }
      secrets.put(name, text);
    }
    Object inFlight = config.getValue("maxInFlight", DEFAULT_MAX_IN_FLIGHT);
    if (!(inFlight instanceof Integer max) || max < 1 || max > 1024) {
      throw new IllegalArgumentException("food.maxInFlight must be an integer from 1 to 1024, got " + inFlight);
    }
    Object seed = config.getValue("randomSeed", defaultSeed);
    if (seed != null && !(seed instanceof Number)) {
      throw new IllegalArgumentException("food.randomSeed must be a number, got " + seed);
    }
    Random random = seed == null ? new Random() : new Random(((Number) seed).longValue());
    return new FoodPlatformSimulator(vertx, intakeUrl, Collections.unmodifiableMap(secrets), max, random);
  }

  private static boolean isHttpUrl(String text) {
    try {
      URI uri = new URI(text);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /** Where pushes go (null: not configured) and which platforms are played; for the start-up log. */
  public String describe() {
    return "intakeUrl=" + intakeUrl + " platforms=" + secrets.keySet();
  }

  /**
   * Adds the food routes. Mount them before routes with a path parameter in the same place
   * ({@code /_control/:platform/...}), or those would take {@code food} for a courier platform.
   * <ul>
   *   <li>{@code POST /food/<platform>/callbacks} — kilosail's signed status callback: 200 {@code {"ok":true}}, 401 on
   *       a bad signature, 400 on a bad body, 503 while down</li>
   *   <li>{@code GET /_control/food} — configuration, down state, callback counters, runs</li>
   *   <li>{@code POST /_control/food/push} {@code {"platform","count","ratePerSecond","city"}} — start a run: 202
   *       {@code {"runId"}}</li>
   *   <li>{@code GET /_control/food/runs/<runId>} — its progress and the order ids</li>
   *   <li>{@code GET /_control/food/orders/<platform>/<platformOrderId>} — callbacks received for that order</li>
   *   <li>{@code POST /_control/food/down} {@code {"forMs": n}} — answer callbacks 503 for n ms (0 brings it back)</li>
   * </ul>
   */
  public void mount(Router router) {
    router.post("/food/:platform/callbacks").handler(this::callback);
    router.get("/_control/food").handler(ctx -> ctx.json(summary()));
    router.post("/_control/food/push").handler(this::startRun);
    router.get("/_control/food/runs/:runId").handler(ctx -> {
      FoodPushRun run = runs.get(ctx.pathParam("runId"));
      if (run == null) {
        problem(ctx, 404, "unknown-run", "no push run " + ctx.pathParam("runId") + " (the last " + MAX_RUNS
            + " runs are kept)");
      } else {
        ctx.json(run.toJson());
      }
    });
    router.get("/_control/food/orders/:platform/:platformOrderId").handler(ctx -> {
      String platform = ctx.pathParam("platform");
      String platformOrderId = ctx.pathParam("platformOrderId");
      List<JsonObject> received = callbacks.get(new OrderKey(platform, platformOrderId));
      if (received == null) {
        problem(ctx, 404, "no-callbacks", "no callback received for " + platform + " order " + platformOrderId);
        return;
      }
      ctx.json(new JsonObject().put("platform", platform).put("platformOrderId", platformOrderId)
          .put("callbacks", new JsonArray(new ArrayList<>(received))));
    });
    router.post("/_control/food/down").handler(ctx -> {
      JsonObject body = jsonBody(ctx);
      if (body == null) {
        return;
      }
      Long forMs = downPeriodMs(ctx, body);
      if (forMs == null) {
        return;
      }
      downUntilMillis = System.currentTimeMillis() + forMs;
      log.info("food simulator callbacks down forMs={}", forMs);
      ctx.json(summary());
    });
  }

  /** Forget runs and callbacks, answer callbacks again ({@code POST /_control/reset}). Running pushes go on. */
  public void reset() {
    runs.clear();
    callbacks.clear();
    downUntilMillis = 0;
    callbacksRecorded = 0;
    callbacksRefused = 0;
    callbacksAnsweredDown = 0;
  }

  public void close() {
    client.close();
  }

  private JsonObject summary() {
    long now = System.currentTimeMillis();
    JsonArray runList = new JsonArray();
    runs.values().forEach(run -> runList.add(new JsonObject().put("runId", run.runId).put("platform", run.platform)
        .put("state", run.done() ? "DONE" : "RUNNING").put("count", run.count).put("accepted", run.accepted)
        .put("failed", run.failed)));
    return new JsonObject()
        .put("intakeUrl", intakeUrl)
        .put("platforms", new JsonArray(new ArrayList<>(secrets.keySet())))
        .put("cities", new JsonArray(new ArrayList<>(FoodOrders.CITIES.keySet())))
        .put("down", now < downUntilMillis)
        .put("downForMs", Math.max(0, downUntilMillis - now))
        .put("callbacks", new JsonObject().put("recorded", callbacksRecorded).put("refused", callbacksRefused)
            .put("answeredDown", callbacksAnsweredDown).put("orders", callbacks.size()))
        .put("runs", runList);
  }

  // ---------------------------------------------------------------- pushing orders

  private void startRun(RoutingContext ctx) {
    JsonObject body = ctx.body().isEmpty() ? new JsonObject() : jsonBody(ctx);
    if (body == null) {
      return;
    }
    if (intakeUrl == null) {
      problem(ctx, 409, "no-intake-url", "the simulator has no food.intakeUrl configured, so it has nowhere to push");
      return;
    }
    String platform;
    int count;
    double rate;
    FoodOrders.City city;
    try {
      for (String field : body.fieldNames()) {
        if (!PUSH_FIELDS.contains(field)) {
          throw new BadField(field, "unknown field; known: " + PUSH_FIELDS);
        }
      }
      platform = text(body, "platform", DEFAULT_PLATFORM);
      if (!secrets.containsKey(platform)) {
        throw new BadField("platform", "no secret configured for '" + platform + "'; configured: " + secrets.keySet());
      }
      Object countValue = body.getValue("count", DEFAULT_COUNT);
      if (!(countValue instanceof Integer n) || n < 1 || n > MAX_COUNT) {
        throw new BadField("count", "must be an integer from 1 to " + MAX_COUNT + ", got " + countValue);
      }
      count = n;
      Object rateValue = body.getValue("ratePerSecond", DEFAULT_RATE);
      if (!(rateValue instanceof Number r) || !(r.doubleValue() > 0) || r.doubleValue() > MAX_RATE) {
        throw new BadField("ratePerSecond", "must be a number above 0 and at most " + (long) MAX_RATE
            + ", got " + rateValue);
      }
      rate = r.doubleValue();
      String cityName = text(body, "city", FoodOrders.DEFAULT_CITY);
      city = FoodOrders.CITIES.get(cityName);
      if (city == null) {
        throw new BadField("city", "unknown city '" + cityName + "'; known: " + FoodOrders.CITIES.keySet());
      }
    } catch (BadField bad) {
      problem(ctx, 400, "bad-push-request", "field '" + bad.field + "': " + bad.getMessage());
      return;
    }

    long startedMillis = System.currentTimeMillis();
    // Time plus a sequence plus random letters: unique across runs and simulator restarts, since a platform order id
    // pushed before would be answered 200 with the old order instead of making a new one.
    String stem = Long.toString(startedMillis, 36) + Long.toString(++runSequence, 36)
        + (char) ('a' + random.nextInt(26)) + (char) ('a' + random.nextInt(26));
    FoodPushRun run = new FoodPushRun("run-" + stem, platform, city, count, rate,
        Instant.ofEpochMilli(startedMillis), System.nanoTime(), FoodOrders.idPrefix(platform) + "-" + stem + "-");
    runs.put(run.runId, run);
    log.info("food simulator push run started runId={} platform={} count={} ratePerSecond={} city={} intakeUrl={}",
        run.runId, platform, count, rate, city.key(), intakeUrl);
    // One timer tick per order up to 10/s; above that several per tick, at most every 1 ms (the timer's resolution).
    long periodMs = Math.max(1, Math.min(100, Math.round(1000 / rate)));
    run.timerId = vertx.setPeriodic(periodMs, id -> pump(run));
    pump(run);
    ctx.response().setStatusCode(202).putHeader("Location", "/_control/food/runs/" + run.runId);
    ctx.json(new JsonObject().put("runId", run.runId).put("platform", platform).put("count", count)
        .put("ratePerSecond", rate).put("city", city.key()));
  }

  /**
   * Sends what is due by now: the first order at once, then one every 1/rate s, never more than {@code maxInFlight}
   * waiting for an answer. Behind schedule (kilosail slow), it catches up as answers come back, still bounded.
   */
  private void pump(FoodPushRun run) {
    double elapsedSeconds = (System.nanoTime() - run.startedNanos) / 1e9;
    long due = Math.min(run.count, 1 + (long) Math.floor(elapsedSeconds * run.ratePerSecond));
    while (run.pushed < due && run.inFlight < maxInFlight) {
      pushOne(run);
    }
    if (run.pushed == run.count && run.timerId >= 0) {
      vertx.cancelTimer(run.timerId);
      run.timerId = -1;
    }
  }

  private void pushOne(FoodPushRun run) {
    run.pushed++;
    run.inFlight++;
    String platformOrderId = run.idPrefix + String.format("%05d", run.pushed);
    Buffer body = orders.next(platformOrderId, run.city, Instant.now()).toBuffer();
    long timestamp = System.currentTimeMillis() / 1000;
    client.postAbs(intakeUrl)
        .timeout(PUSH_TIMEOUT_MS)
        .putHeader("Content-Type", "application/json")
        .putHeader(FoodSignatures.PLATFORM_HEADER, run.platform)
        .putHeader(FoodSignatures.TIMESTAMP_HEADER, Long.toString(timestamp))
        .putHeader(FoodSignatures.SIGNATURE_HEADER, FoodSignatures.sign(secrets.get(run.platform), timestamp,
            body.getBytes()))
        .sendBuffer(body)
        .onComplete(answer -> {
          run.inFlight--;
          if (answer.succeeded()) {
            answered(run, platformOrderId, answer.result());
          } else {
            failed(run, platformOrderId, null, "no answer: " + answer.cause());
          }
          if (run.done()) {
            run.finishedAt = Instant.now();
            log.info("food simulator push run done runId={} platform={} accepted={} failed={} tookMs={}", run.runId,
                run.platform, run.accepted, run.failed, run.finishedAt.toEpochMilli() - run.startedAt.toEpochMilli());
          } else {
            pump(run);
          }
        });
  }

  private static void answered(FoodPushRun run, String platformOrderId, HttpResponse<Buffer> response) {
    String text = response.bodyAsString();
    if (response.statusCode() / 100 != 2) {
      failed(run, platformOrderId, response.statusCode(), text);
      return;
    }
    String orderId;
    try {
      orderId = response.bodyAsJsonObject().getString("orderId");
    } catch (RuntimeException e) {
      orderId = null;
    }
    if (orderId == null || orderId.isBlank()) {
      // A 2xx without the order id the contract promises is a kilosail bug: count it as a failure, visibly.
      failed(run, platformOrderId, response.statusCode(), "2xx without an orderId: " + text);
      return;
    }
    run.accepted(platformOrderId, orderId);
  }

  private static void failed(FoodPushRun run, String platformOrderId, Integer status, String detail) {
    if (run.errors.size() < FoodPushRun.MAX_ERRORS) {
      log.warn("food simulator push failed runId={} platform={} platformOrderId={} status={} detail={}", run.runId,
          run.platform, platformOrderId, status, detail);
    }
    run.failed(platformOrderId, status, detail);
  }

  // ---------------------------------------------------------------- receiving callbacks

  private void callback(RoutingContext ctx) {
    String platform = ctx.pathParam("platform");
    String secret = secrets.get(platform);
    if (secret == null) {
      problem(ctx, 404, "unknown-platform", "no simulated food platform " + platform + "; configured: "
          + secrets.keySet());
      return;
    }
    long now = System.currentTimeMillis();
    if (now < downUntilMillis) {
      callbacksAnsweredDown++;
      problem(ctx, 503, "platform-down", platform + " is down for another " + (downUntilMillis - now)
          + " ms (simulated)");
      return;
    }
    byte[] raw = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    String refusal = FoodSignatures.refusal(secret, ctx.request().getHeader(FoodSignatures.TIMESTAMP_HEADER),
        ctx.request().getHeader(FoodSignatures.SIGNATURE_HEADER), raw, now / 1000, TIMESTAMP_TOLERANCE_SECONDS);
    String named = ctx.request().getHeader(FoodSignatures.PLATFORM_HEADER);
    if (refusal == null && named != null && !named.equals(platform)) {
      // Signed with this platform's secret but naming another one: kilosail mixed up whom it is calling.
      refusal = FoodSignatures.PLATFORM_HEADER + " is '" + named + "' on " + platform + "'s callback URL";
    }
    if (refusal != null) {
      callbacksRefused++;
      log.warn("food simulator refused callback platform={} reason={}", platform, refusal);
      problem(ctx, 401, "signature-invalid", refusal);
      return;
    }
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
      if (body == null) {
        throw new BadField("(body)", "must be a JSON object");
      }
      for (String field : CALLBACK_FIELDS) {
        if (!(body.getValue(field) instanceof String text) || text.isBlank()) {
          throw new BadField(field, "required, a non-empty string");
        }
      }
      utc(body.getString("occurredAt"));
    } catch (BadField bad) {
      problem(ctx, 400, "bad-callback", "field '" + bad.field + "': " + bad.getMessage());
      return;
    } catch (RuntimeException notJson) {
      problem(ctx, 400, "bad-callback", "the body must be a JSON object");
      return;
    }
    OrderKey key = new OrderKey(platform, body.getString("platformOrderId"));
    callbacks.computeIfAbsent(key, k -> new ArrayList<>())
        .add(body.copy().put("receivedAt", Instant.ofEpochMilli(now).toString()));
    callbacksRecorded++;
    log.info("food simulator callback platform={} platformOrderId={} orderId={} state={} occurredAt={}", platform,
        key.platformOrderId(), body.getString("orderId"), body.getString("state"), body.getString("occurredAt"));
    ctx.json(new JsonObject().put("ok", true));
  }

  /** occurredAt must be an ISO-8601 UTC instant ("...Z"), as every instant kilosail sends. */
  private static void utc(String text) {
    try {
      Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new BadField("occurredAt", "must be an ISO-8601 UTC instant like 2025-06-01T04:00:00Z, got " + text);
    }
    if (!text.endsWith("Z")) {
      throw new BadField("occurredAt", "must be in UTC (end with Z), got " + text);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static String text(JsonObject body, String field, String fallback) {
    Object value = body.getValue(field, fallback);
    if (!(value instanceof String text) || text.isBlank()) {
      throw new BadField(field, "must be a non-empty string, got " + value);
    }
    return text;
  }

  /** The body as a JSON object, or null after answering 400. */


}
