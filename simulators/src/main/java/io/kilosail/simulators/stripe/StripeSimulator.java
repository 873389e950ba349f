package io.kilosail.simulators.stripe;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;

import static io.kilosail.simulators.SimulatorSupport.bounded;
import static io.kilosail.simulators.SimulatorSupport.downPeriodMs;
import static io.kilosail.simulators.SimulatorSupport.jsonBody;
import static io.kilosail.simulators.SimulatorSupport.problem;

/**
 * Stripe, as far as kilosail's checkout uses it: Checkout Sessions in mode {@code payment} (create, retrieve, expire),
 * Refunds, the hosted payment page, session expiry, and signed webhook events delivered with Stripe's retries
 * (plus, on demand, duplicates and reordering). The API speaks Stripe's wire format under {@code /stripe} (so a real
 * Stripe client with its API base set to {@code http://<simulator>/stripe} works unchanged): form-encoded requests in
 * bracket notation, {@code Authorization: Bearer <secret key>}, {@code Idempotency-Key}, JSON objects and
 * {@code {"error":{...}}} answers. Mounted on the courier simulator's HTTP server ({@code CourierSimulatorVerticle}).
 *
 * <p>Config (the {@code stripe} section, all optional): {@code secretKey}, {@code webhookUrl}, {@code webhookSecrets},
 * {@code webhook.{duplicates, reorder, retryDelaysMs, timeoutMs, maxInFlight}}, {@code asyncDelayMs},
 * {@code expirySweepMs}. Endpoints and control calls: {@link #mount(Router)} and {@code docs/stripe-simulator.md}.
 *
 * <p>It signs with its own code ({@link StripeSimSignatures}), never kilosail's. All state is touched only on the
 * event loop of the verticle that mounts it; nothing here blocks.
 */
public final class StripeSimulator {

  private static final Logger log = LoggerFactory.getLogger(StripeSimulator.class);

  static final String DEFAULT_SECRET_KEY = "sk_test_kilosail_dev";
  static final List<String> DEFAULT_WEBHOOK_SECRETS = List.of("whsec_dev_kilosail");
  static final long DEFAULT_ASYNC_DELAY_MS = 200;
  static final long DEFAULT_EXPIRY_SWEEP_MS = 1_000;
  /** Stripe's window for {@code expires_at}: 30 minutes to 24 hours after creation. */
  static final long MIN_EXPIRY_SECONDS = 1_800;
  static final long MAX_EXPIRY_SECONDS = 86_400;
  /**
   * A client that asks for exactly the minimum computes {@code now + 1800} on its own clock a moment before we read
   * ours; this much slack keeps that honest request from failing on transit time alone.
   */
  static final long EXPIRY_SLACK_SECONDS = 10;
  /** Bounds a long demo or benchmark: the oldest sessions, events and idempotency keys are forgotten first. */
  static final int MAX_REMEMBERED = 200_000;
  /** Stripe's limits: 100 line items in mode payment; metadata 50 keys of 40 characters, values of 500. */
  private static final int MAX_LINES = 100;
  private static final int MAX_METADATA_KEYS = 50;
  private static final int MAX_METADATA_KEY_LENGTH = 40;
  private static final int MAX_METADATA_VALUE_LENGTH = 500;
  /** Stripe's ceiling on one charge in two-decimal currencies (999,999.99), applied to every currency here. */
  private static final long MAX_AMOUNT = 99_999_999;
  private static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;
  private static final String SESSION_ID_TEMPLATE = "{CHECKOUT_SESSION_ID}";

  /**
   * Every parameter Stripe's create-session endpoint knows. The ones this simulator plays are read; the others are
   * accepted and ignored (a real client may send them), and a name outside this list is refused as Stripe refuses it.
   */
  private static final Set<String> CHECKOUT_PARAMS = Set.of("after_expiration", "allow_promotion_codes",
      "automatic_tax", "billing_address_collection", "cancel_url", "client_reference_id", "consent_collection",
      "currency", "custom_fields", "custom_text", "customer", "customer_creation", "customer_email",
      "customer_update", "discounts", "expand", "expires_at", "invoice_creation", "line_items", "locale", "metadata",
      "mode", "payment_intent_data", "payment_method_configuration", "payment_method_collection",
      "payment_method_options", "payment_method_types", "phone_number_collection", "redirect_on_completion",
      "return_url", "saved_payment_method_options", "setup_intent_data", "shipping_address_collection",
      "shipping_options", "submit_type", "subscription_data", "success_url", "tax_id_collection", "ui_mode");
  private static final Set<String> REFUND_PARAMS = Set.of("amount", "charge", "currency", "customer",
      "instructions_email", "metadata", "origin", "payment_intent", "reason", "refund_application_fee",
      "reverse_transfer", "expand");
  private static final Set<String> REFUND_REASONS = Set.of("duplicate", "fraudulent", "requested_by_customer");
  private static final Set<String> EXPIRE_PARAMS = Set.of("expand");
  /** Currencies whose minor unit is not a hundredth, for showing amounts on the payment page. */
  private static final Set<String> ZERO_DECIMAL = Set.of("bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
      "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf");
  private static final Set<String> THREE_DECIMAL = Set.of("bhd", "jod", "kwd", "omr", "tnd");
  private static final char[] ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  /** How a customer pays on the hosted page or through the control call. */
  enum Outcome {
    /** A card: the session completes paid at once. */
    PAID,
    /** A delayed method (bank debit) that clears after {@code asyncDelayMs}. */
    ASYNC_PAID,
    /** A delayed method that fails after {@code asyncDelayMs}. */
    ASYNC_FAILED;

    static Outcome parse(Object value) {
      if (value instanceof String text) {
        for (Outcome outcome : values()) {
          if (outcome.wire().equals(text)) {
            return outcome;
          }
        }
      }
      return null;
    }

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What an Idempotency-Key was first used for and what was answered, replayed byte for byte. */
  private record Remembered(String method, String path, String params, int status, String body) {
  }

  private final Vertx vertx;
  private final String secretKey;
  private final long asyncDelayMs;
  private final long expirySweepMs;
  private final StripeSimWebhooks webhooks;
  private final long sweepTimer;
  private boolean closed;

  /** Open sessions only, so the expiry sweep looks at what can expire and not at every session remembered. */
  private final Map<String, StripeSimSession> open = new LinkedHashMap<>();
  private final Map<String, StripeSimSession> byPaymentIntent = new HashMap<>();
  private final Map<String, StripeSimSession> byCharge = new HashMap<>();
  private final Map<String, StripeSimSession> sessions = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, StripeSimSession> eldest) {
      if (size() <= MAX_REMEMBERED) {
        return false;
      }
      StripeSimSession forgotten = eldest.getValue();
      open.remove(forgotten.id);
      if (forgotten.paymentIntentId != null) {
        byPaymentIntent.remove(forgotten.paymentIntentId);
      }
      if (forgotten.chargeId != null) {
        byCharge.remove(forgotten.chargeId);
      }
      return true;
    }
  };
  private final Map<String, StripeSimEvent> events = bounded(MAX_REMEMBERED);
  private final Map<String, Remembered> idempotency = bounded(MAX_REMEMBERED);
  private long downUntilMillis;
  private long sessionsCreated;
  private long refundsCreated;
  private long idempotentReplays;
  private long apiRequests;

  private StripeSimulator(Vertx vertx, String secretKey, long asyncDelayMs, long expirySweepMs,
                          StripeSimWebhooks webhooks) {
    this.vertx = vertx;
    this.secretKey = secretKey;
    this.asyncDelayMs = asyncDelayMs;
    this.expirySweepMs = expirySweepMs;
    this.webhooks = webhooks;
    // Created on the mounting verticle's event loop, so the sweep runs there too.
    this.sweepTimer = vertx.setPeriodic(expirySweepMs, id -> sweepExpired(nowSeconds()));
  }

  /**
   * Reads the {@code stripe} section and starts the expiry sweep; call it from the verticle that mounts the routes.
   * {@code seed} (the simulator's {@code randomSeed}) is accepted for symmetry with the other parts and deliberately
   * unused: Stripe ids must not repeat across runs, since kilosail keeps the ones it was given. Throws
   * {@link IllegalArgumentException} naming the {@code stripe.*} field at fault.
   */
  public static StripeSimulator create(Vertx vertx, JsonObject config, Number seed) {
    Object key = config.getValue("secretKey", DEFAULT_SECRET_KEY);
    if (!(key instanceof String secretKey) || secretKey.isBlank()) {
      throw new IllegalArgumentException("stripe.secretKey must be a non-empty string");
    }
    List<String> secrets = new ArrayList<>();
    Object secretsValue = config.getValue("webhookSecrets", new JsonArray(DEFAULT_WEBHOOK_SECRETS));
    if (!(secretsValue instanceof JsonArray array) || array.isEmpty() || array.size() > 5) {
      throw new IllegalArgumentException("stripe.webhookSecrets must be an array of 1 to 5 secrets, got "
          + (secretsValue instanceof JsonArray ? "an array of " + ((JsonArray) secretsValue).size() : secretsValue));
    }
    for (Object secret : array) {
      if (!(secret instanceof String text) || text.isBlank()) {
        throw new IllegalArgumentException("stripe.webhookSecrets holds non-empty strings only");
      }
      secrets.add(text);
    }
    Object webhookValue = config.getValue("webhook", new JsonObject());
    if (!(webhookValue instanceof JsonObject webhook)) {
      throw new IllegalArgumentException("stripe.webhook must be an object");
    }
    JsonObject settingsFields = new JsonObject();
    for (String field : webhook.fieldNames()) {
      if (StripeSimWebhooks.RUNTIME_FIELDS.contains(field) && !"webhookUrl".equals(field)) {
        settingsFields.put(field, webhook.getValue(field));
      } else if (!Set.of("timeoutMs", "maxInFlight").contains(field) && !field.startsWith("_")) {
        throw new IllegalArgumentException("stripe.webhook." + field + " is not a setting; known: duplicates, reorder,"
            + " retryDelaysMs, timeoutMs, maxInFlight (webhookUrl belongs in stripe itself)");
      }
    }
    if (config.containsKey("webhookUrl")) {
      settingsFields.put("webhookUrl", config.getValue("webhookUrl"));
    }
    StripeSimWebhooks.Settings settings = StripeSimWebhooks.Settings.DEFAULT.with(settingsFields,
        field -> "webhookUrl".equals(field) ? "stripe.webhookUrl" : "stripe.webhook." + field);
    long timeoutMs = millis(webhook, "timeoutMs", StripeSimWebhooks.DEFAULT_TIMEOUT_MS, 1, 600_000,
        "stripe.webhook.timeoutMs");
    long maxInFlight = millis(webhook, "maxInFlight", StripeSimWebhooks.DEFAULT_MAX_IN_FLIGHT, 1, 1024,
        "stripe.webhook.maxInFlight");
    long asyncDelayMs = millis(config, "asyncDelayMs", DEFAULT_ASYNC_DELAY_MS, 0, 3_600_000, "stripe.asyncDelayMs");
    long expirySweepMs = millis(config, "expirySweepMs", DEFAULT_EXPIRY_SWEEP_MS, 10, 3_600_000,
        "stripe.expirySweepMs");
    StripeSimWebhooks webhooks = new StripeSimWebhooks(vertx, secrets, settings, timeoutMs, (int) maxInFlight);
    return new StripeSimulator(vertx, secretKey, asyncDelayMs, expirySweepMs, webhooks);
  }

  private static long millis(JsonObject config, String field, long fallback, long min, long max, String name) {
    Object value = config.getValue(field, fallback);
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min
        || ((Number) value).longValue() > max) {
      throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max + ", got "
          + value);
    }
    return ((Number) value).longValue();
  }

  /** Where events go and how; for the start-up log (secrets are counted, never shown). */
  public String describe() {
    StripeSimWebhooks.Settings settings = webhooks.settings();
    return "webhookUrl=" + settings.webhookUrl() + " webhookSecrets=" + webhooks.settingsJson().getInteger("secrets")
        + " duplicates=" + settings.duplicates() + " reorder=" + settings.reorder() + " asyncDelayMs=" + asyncDelayMs
        + " expirySweepMs=" + expirySweepMs;
  }

  /**
   * Adds the Stripe routes. Mount them before routes with a path parameter in the same place
   * ({@code /_control/:platform/...}), or those would take {@code stripe} for a courier platform.
   * <ul>
   *   <li>{@code POST /stripe/v1/checkout/sessions}, {@code GET /stripe/v1/checkout/sessions/<id>},
   *       {@code POST /stripe/v1/checkout/sessions/<id>/expire}, {@code POST /stripe/v1/refunds} — Stripe's API</li>
   *   <li>{@code GET|POST /stripe/pay/<id>} — the hosted payment page and its buttons</li>
   *   <li>{@code GET /_control/stripe} — counts and settings; {@code POST /_control/stripe/sessions/<id>/pay}
   *       {@code {"outcome"}}; {@code POST /_control/stripe/sessions/<id>/expire};
   *       {@code GET /_control/stripe/sessions/<id>}; {@code GET /_control/stripe/events/<id>};
   *       {@code POST /_control/stripe/events/<id>/resend}; {@code PUT /_control/stripe/webhooks};
   *       {@code PUT /_control/stripe/down} {@code {"forMs"}}</li>
   * </ul>
   */
  public void mount(Router router) {
    router.route("/stripe/v1/*").handler(this::gate);
    router.post("/stripe/v1/checkout/sessions").handler(api(this::createSession));
    router.get("/stripe/v1/checkout/sessions/:id").handler(api((ctx, form) -> session(ctx.pathParam("id")).toJson()));
    router.post("/stripe/v1/checkout/sessions/:id/expire").handler(api(this::expireByApi));
    router.post("/stripe/v1/refunds").handler(api(this::createRefund));
    router.route("/stripe/v1/*").handler(ctx -> stripeError(ctx, StripeSimError.of(404, "invalid_request_error",
        null, null, "Unrecognized request URL (" + ctx.request().method() + ": "
            + ctx.request().path().substring("/stripe".length()) + ").")));

    router.get("/stripe/pay/:id").handler(this::payPage);
    router.post("/stripe/pay/:id").handler(this::payByForm);

    router.get("/_control/stripe").handler(ctx -> ctx.json(summary()));
    router.get("/_control/stripe/sessions/:id").handler(ctx -> withSession(ctx, session ->
        ctx.json(sessionView(session))));
    router.post("/_control/stripe/sessions/:id/pay").handler(ctx -> withSession(ctx, session -> {
      JsonObject body = jsonBody(ctx);
      if (body == null) {
        return;
      }
      Outcome outcome = Outcome.parse(body.getValue("outcome"));
      if (outcome == null) {
        problem(ctx, 400, "bad-outcome", "field 'outcome': must be one of paid, async_paid, async_failed; got "
            + body.getValue("outcome"));
        return;
      }
      if (!session.isOpen()) {
        problem(ctx, 409, "session-not-open", "session " + session.id + " is " + session.status
            + "; only an open session can be paid");
        return;
      }
      pay(session, outcome, "control");
      ctx.json(session.toJson());
    }));
    router.post("/_control/stripe/sessions/:id/expire").handler(ctx -> withSession(ctx, session -> {
      if (!session.isOpen()) {
        problem(ctx, 409, "session-not-open", "session " + session.id + " is " + session.status
            + "; only an open session can be expired");
        return;
      }
      expire(session, "control");
      ctx.json(session.toJson());
    }));
    router.get("/_control/stripe/events/:id").handler(ctx -> withEvent(ctx, event ->
        ctx.json(event.summary().put("sessionId", event.sessionId).put("event", new JsonObject(
            new String(event.body, StandardCharsets.UTF_8))))));
    router.post("/_control/stripe/events/:id/resend").handler(ctx -> withEvent(ctx, event -> {
      log.info("stripe simulator resends event eventId={} type={} sessionId={}", event.id, event.type,
          event.sessionId);
      webhooks.resend(event);
      ctx.response().setStatusCode(202);
      ctx.json(new JsonObject().put("resent", event.id).put("type", event.type));
    }));
    router.put("/_control/stripe/webhooks").handler(ctx -> {
      JsonObject body = jsonBody(ctx);
      if (body == null) {
        return;
      }
      for (String field : body.fieldNames()) {
        if (!StripeSimWebhooks.RUNTIME_FIELDS.contains(field)) {
          problem(ctx, 400, "bad-webhook-settings", "field '" + field + "': not changeable at run time; known: "
              + StripeSimWebhooks.RUNTIME_FIELDS);
          return;
        }
      }
      try {
        webhooks.change(webhooks.settings().with(body, field -> "field '" + field + "'"));
      } catch (IllegalArgumentException e) {
        problem(ctx, 400, "bad-webhook-settings", e.getMessage());
        return;
      }
      ctx.json(webhooks.settingsJson());
    });
    router.put("/_control/stripe/down").handler(ctx -> {
      JsonObject body = jsonBody(ctx);
      if (body == null) {
        return;
      }
      Long forMs = downPeriodMs(ctx, body);
      if (forMs == null) {
        return;
      }
      downUntilMillis = System.currentTimeMillis() + forMs;
      log.info("stripe simulator API down forMs={}", forMs);
      ctx.json(summary());
    });
  }

  /** Forget sessions, events and idempotency keys, webhook settings back to config, the API up again. */
  public void reset() {
    sessions.clear();
    open.clear();
    byPaymentIntent.clear();
    byCharge.clear();
    events.clear();
    idempotency.clear();
    downUntilMillis = 0;
    sessionsCreated = 0;
    refundsCreated = 0;
    idempotentReplays = 0;
    apiRequests = 0;
    webhooks.reset();
  }

  public void close() {
    closed = true;
    vertx.cancelTimer(sweepTimer);
    webhooks.close();
  }

  // ---------------------------------------------------------------- API plumbing

  /** Before every {@code /stripe/v1} route: the simulated outage, then the API key, as Stripe checks them. */
  private void gate(RoutingContext ctx) {
    apiRequests++;
    long now = System.currentTimeMillis();
    if (now < downUntilMillis) {
      stripeError(ctx, StripeSimError.of(503, "api_error", null, null, "The simulated Stripe API is down for"
          + " another " + (downUntilMillis - now) + " ms (PUT /_control/stripe/down)."));
      return;
    }
    String given = apiKey(ctx.request().getHeader("Authorization"));
    if (given == null) {
      stripeError(ctx, StripeSimError.of(401, "invalid_request_error", null, null, "You did not provide an API key."
          + " You need to provide your API key in the Authorization header, using Bearer auth (e.g."
          + " 'Authorization: Bearer YOUR_SECRET_KEY')."));
      return;
    }
    if (!given.equals(secretKey)) {
      log.warn("stripe simulator refused an API key method={} path={} key={}", ctx.request().method(),
          ctx.request().path(), masked(given));
      stripeError(ctx, StripeSimError.of(401, "invalid_request_error", null, null, "Invalid API Key provided: "
          + masked(given)));
      return;
    }
    ctx.next();
  }

  /** The key from {@code Bearer <key>}, or from Basic auth with the key as user name (Stripe accepts both). */
  private static String apiKey(String authorization) {
    if (authorization == null) {
      return null;
    }
    if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String key = authorization.substring(7).trim();
      return key.isEmpty() ? null : key;
    }
    if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
            StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        String key = colon < 0 ? decoded : decoded.substring(0, colon);
        return key.isEmpty() ? null : key;
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  /** As Stripe shows a wrong key: enough to recognise it, not enough to use it. */
  private static String masked(String key) {
    if (key.length() <= 12) {
      return "*".repeat(key.length());
    }
    return key.substring(0, 8) + "*".repeat(key.length() - 12) + key.substring(key.length() - 4);
  }

  /**
   * An API operation with Stripe's answer handling: the form parsed, errors answered in Stripe's shape, and on a POST
   * the Idempotency-Key honoured. A key's first successful answer is remembered with its request and replayed for the
   * same request; an error is not remembered (Stripe saves a result only once the endpoint began executing, which
   * here means it succeeded), so a corrected retry with the same key goes through.
   */
  private Handler<RoutingContext> api(BiFunction<RoutingContext, StripeSimForm, JsonObject> operation) {
    return ctx -> {
      String method = ctx.request().method().name();
      String path = ctx.request().path();
      String key = "POST".equals(method) ? ctx.request().getHeader("Idempotency-Key") : null;
      try {
        StripeSimForm form = StripeSimForm.parse(ctx.body().asString());
        if (key != null) {
          if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
            throw StripeSimError.invalid(null, null, "Idempotency-Key must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH
                + " characters long.");
          }
          ctx.response().putHeader("Idempotency-Key", key);
          Remembered first = idempotency.get(key);
          if (first != null) {
            replay(ctx, key, first, method, path, form.canonical());
            return;
          }
        }
        String body = operation.apply(ctx, form).encode();
        if (key != null) {
          idempotency.put(key, new Remembered(method, path, form.canonical(), 200, body));
        }
        answer(ctx, 200, body);
      } catch (StripeSimError error) {
        stripeError(ctx, error);
      }
    };
  }

  private void replay(RoutingContext ctx, String key, Remembered first, String method, String path, String params) {
    if (!first.method().equals(method) || !first.path().equals(path)) {
      throw StripeSimError.of(400, "idempotency_error", null, null, "Keys for idempotent requests can only be used"
          + " for the same endpoint they were first used for (" + first.method() + " "
          + first.path().substring("/stripe".length()) + "). Try using a key other than '" + key
          + "' if you meant to execute a different request.");
    }
    if (!first.params().equals(params)) {
      log.info("stripe simulator refused a reused Idempotency-Key with other parameters key={} path={}", key, path);
      throw StripeSimError.of(400, "idempotency_error", null, null, "Keys for idempotent requests can only be used"
          + " with the same parameters they were first used with. Try using a key other than '" + key
          + "' if you meant to execute a different request.");
    }
    idempotentReplays++;
    log.debug("stripe simulator replays key={} path={}", key, path);
    ctx.response().putHeader("Idempotent-Replayed", "true");
    answer(ctx, first.status(), first.body());
  }

  private static void answer(RoutingContext ctx, int status, String body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Request-Id", "req_" + randomId(14))
        .putHeader("Stripe-Version", StripeSimEvent.API_VERSION)
        .end(body);
  }

  private static void stripeError(RoutingContext ctx, StripeSimError error) {
    answer(ctx, error.status, error.toJson().encode());
  }

  private StripeSimSession session(String id) {
    StripeSimSession session = sessions.get(id);
    if (session == null) {
      throw StripeSimError.notFound("session", "No such checkout.session: '" + id + "'");
    }
    return session;
  }

  private static void onlyKnownParams(StripeSimForm form, Set<String> known) {
    for (String name : form.all().keySet()) {
      if (!known.contains(StripeSimForm.topLevel(name))) {
        throw StripeSimError.unknownParam(name);
      }
    }
  }

  // ---------------------------------------------------------------- Checkout Sessions

  private JsonObject createSession(RoutingContext ctx, StripeSimForm form) {
    onlyKnownParams(form, CHECKOUT_PARAMS);
    String mode = form.required("mode");
    if (!"payment".equals(mode)) {
      throw StripeSimError.invalid(null, "mode", "Invalid mode: the simulator plays mode `payment` only, got `"
          + mode + "`.");
    }
    String successUrl = url(form, "success_url");
    String cancelUrl = url(form, "cancel_url");
    String clientReferenceId = form.optional("client_reference_id");
    if (clientReferenceId != null && clientReferenceId.length() > 200) {
      throw StripeSimError.invalid(null, "client_reference_id", "client_reference_id must be at most 200"
          + " characters.");
    }
    String customerEmail = form.optional("customer_email");
    if (customerEmail != null && !customerEmail.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
      throw StripeSimError.invalid("email_invalid", "customer_email", "Invalid email address: " + customerEmail);
    }
    long now = nowSeconds();
    Long expiresAt = form.integer("expires_at");
    if (expiresAt == null) {
      expiresAt = now + MAX_EXPIRY_SECONDS;
    } else if (expiresAt < now + MIN_EXPIRY_SECONDS - EXPIRY_SLACK_SECONDS) {
      throw StripeSimError.invalid(null, "expires_at", "The `expires_at` timestamp must be at least 30 minutes from"
          + " Checkout Session creation (it is " + (expiresAt - now) + " s away).");
    } else if (expiresAt > now + MAX_EXPIRY_SECONDS) {
      throw StripeSimError.invalid(null, "expires_at", "The `expires_at` timestamp must be less than 24 hours from"
          + " Checkout Session creation.");
    }
    JsonObject metadata = metadata(form, "metadata");
    JsonObject paymentIntentMetadata = metadata(form, "payment_intent_data[metadata]");
    List<StripeSimSession.Line> lines = lines(form);

    String id = "cs_test_" + randomId(58);
    StripeSimSession session;
    try {
      session = new StripeSimSession(id, now, expiresAt, currencyOf(form), lines, clientReferenceId, customerEmail,
          successUrl, cancelUrl, metadata, paymentIntentMetadata, baseUrl(ctx) + "/stripe/pay/" + id);
    } catch (ArithmeticException overflow) {
      throw StripeSimError.invalid("amount_too_large", "line_items", "The line items add up to more than "
          + MAX_AMOUNT + " minor units.");
    }
    if (session.amountTotal > MAX_AMOUNT) {
      throw StripeSimError.invalid("amount_too_large", "line_items", "Amount must be no more than " + MAX_AMOUNT
          + " minor units; the line items add up to " + session.amountTotal + ".");
    }
    sessions.put(id, session);
    open.put(id, session);
    sessionsCreated++;
    log.info("stripe simulator session created sessionId={} amount={} currency={} lines={} clientReferenceId={}"
        + " expiresInS={}", id, session.amountTotal, session.currency, lines.size(), clientReferenceId,
        expiresAt - now);
    return session.toJson();
  }

  private static String url(StripeSimForm form, String param) {
    String url = form.optional(param);
    if (url != null && !StripeSimWebhooks.isHttpUrl(url.replace(SESSION_ID_TEMPLATE, "x"))) {
      throw StripeSimError.invalid("url_invalid", param, "Not a valid URL");
    }
    return url;
  }

  private static JsonObject metadata(StripeSimForm form, String prefix) {
    Map<String, String> entries = form.hash(prefix);
    if (entries.size() > MAX_METADATA_KEYS) {
      throw StripeSimError.invalid(null, prefix, "Metadata can have at most " + MAX_METADATA_KEYS + " keys.");
    }
    JsonObject metadata = new JsonObject();
    entries.forEach((key, value) -> {
      String param = prefix + "[" + key + "]";
      if (key.isEmpty() || key.length() > MAX_METADATA_KEY_LENGTH) {
        throw StripeSimError.invalid(null, param, "Metadata keys are 1 to " + MAX_METADATA_KEY_LENGTH
            + " characters long.");
      }
      if (value.length() > MAX_METADATA_VALUE_LENGTH) {
        throw StripeSimError.invalid(null, param, "Metadata values can have up to " + MAX_METADATA_VALUE_LENGTH
            + " characters.");
      }
      // Stripe drops a key set to the empty string (that is how a client unsets one).
      if (!value.isEmpty()) {
        metadata.put(key, value);
      }
    });
    return metadata;
  }

  private static List<StripeSimSession.Line> lines(StripeSimForm form) {
    TreeMap<Integer, Map<String, String>> items = form.items("line_items");
    if (items.isEmpty()) {
      throw StripeSimError.invalid("parameter_missing", "line_items", "line_items is required in `payment` mode.");
    }
    if (items.size() > MAX_LINES) {
      throw StripeSimError.invalid(null, "line_items", "A Checkout Session in `payment` mode takes at most "
          + MAX_LINES + " line items.");
    }
    List<StripeSimSession.Line> lines = new ArrayList<>();
    int expected = 0;
    for (Map.Entry<Integer, Map<String, String>> item : items.entrySet()) {
      String at = "line_items[" + item.getKey() + "]";
      if (item.getKey() != expected++) {
        throw StripeSimError.invalid(null, at, "Invalid array: line_items must be indexed from 0 without gaps.");
      }
      if (item.getValue().containsKey("[price]")) {
        throw StripeSimError.invalid(null, at + "[price]", "Price ids are not simulated: give the line's price_data.");
      }
      String currency = form.required(at + "[price_data][currency]");
      if (!currency.matches("[a-z]{3}")) {
        throw StripeSimError.invalid(null, at + "[price_data][currency]", "Invalid currency: " + currency
            + ". Stripe currencies are three-letter ISO codes in lower case.");
      }
      String first = form.optional("line_items[0][price_data][currency]");
      if (!currency.equals(first)) {
        throw StripeSimError.invalid(null, at + "[price_data][currency]", "All line items must use the same"
            + " currency: " + currency + " differs from " + first + ".");
      }
      Long unitAmount = form.integer(at + "[price_data][unit_amount]");
      if (unitAmount == null) {
        throw StripeSimError.missingParam(at + "[price_data][unit_amount]");
      }
      if (unitAmount < 0 || unitAmount > MAX_AMOUNT) {
        throw StripeSimError.invalid(null, at + "[price_data][unit_amount]", "Invalid integer: unit_amount must"
            + " be from 0 to " + MAX_AMOUNT + ", got " + unitAmount + ".");
      }
      String name = form.required(at + "[price_data][product_data][name]");
      if (name.isBlank()) {
        throw StripeSimError.invalid("parameter_invalid_string_blank", at + "[price_data][product_data][name]",
            "A product name cannot be blank.");
      }
      Long quantity = form.integer(at + "[quantity]");
      if (quantity == null) {
        throw StripeSimError.missingParam(at + "[quantity]");
      }
      if (quantity < 1 || quantity > 999_999) {
        throw StripeSimError.invalid(null, at + "[quantity]", "Invalid integer: quantity must be from 1 to 999999,"
            + " got " + quantity + ".");
      }
      lines.add(new StripeSimSession.Line(name, unitAmount, quantity));
    }
    return lines;
  }

  private static String currencyOf(StripeSimForm form) {
    return form.required("line_items[0][price_data][currency]");
  }

  /** {@code http://} plus the Host the request came to, so the page URL works whatever port the server got. */
  private static String baseUrl(RoutingContext ctx) {
    HostAndPort authority = ctx.request().authority();
    if (authority == null) {
      return "http://127.0.0.1";
    }
    String host = authority.host().contains(":") && !authority.host().startsWith("[")
        ? "[" + authority.host() + "]" : authority.host();
    return "http://" + host + (authority.port() > 0 ? ":" + authority.port() : "");
  }

  private JsonObject expireByApi(RoutingContext ctx, StripeSimForm form) {
    onlyKnownParams(form, EXPIRE_PARAMS);
    StripeSimSession session = session(ctx.pathParam("id"));
    if (!session.isOpen()) {
      throw StripeSimError.invalid("checkout_session_not_open", null, "Only Checkout Sessions with a status of"
          + " `open` can be expired.");
    }
    expire(session, "api");
    return session.toJson();
  }

  private void expire(StripeSimSession session, String why) {
    session.status = "expired";
    open.remove(session.id);
    log.info("stripe simulator session expired sessionId={} by={}", session.id, why);
    emit(session, "checkout.session.expired", session.toJson());
  }

  /** Expires the open sessions whose {@code expires_at} is at or before {@code now} (the clock is passed in for tests). */
  void sweepExpired(long now) {
    if (closed || open.isEmpty()) {
      return;
    }
    List<StripeSimSession> due = new ArrayList<>();
    for (StripeSimSession session : open.values()) {
      if (session.expiresAt <= now) {
        due.add(session);
      }
    }
    due.forEach(session -> expire(session, "expires_at"));
  }

  // ---------------------------------------------------------------- paying

  /** Applies an outcome to an open session (the caller checked it is open). */
  private void pay(StripeSimSession session, Outcome outcome, String by) {
    session.status = "complete";
    open.remove(session.id);
    session.paymentIntentId = "pi_" + randomId(24);
    byPaymentIntent.put(session.paymentIntentId, session);
    if (outcome == Outcome.PAID) {
      charge(session);
    }
    log.info("stripe simulator session paid sessionId={} outcome={} by={} paymentIntent={} amount={} currency={}",
        session.id, outcome.wire(), by, session.paymentIntentId, session.amountTotal, session.currency);
    emit(session, "checkout.session.completed", session.toJson());
    if (outcome == Outcome.PAID) {
      return;
    }
    vertx.setTimer(Math.max(1, asyncDelayMs), id -> {
      if (closed || sessions.get(session.id) != session) {
        return; // reset or forgotten meanwhile
      }
      if (outcome == Outcome.ASYNC_PAID) {
        charge(session);
        log.info("stripe simulator delayed payment succeeded sessionId={}", session.id);
        emit(session, "checkout.session.async_payment_succeeded", session.toJson());
      } else {
        log.info("stripe simulator delayed payment failed sessionId={}", session.id);
        emit(session, "checkout.session.async_payment_failed", session.toJson());
      }
    });
  }

  /** Money moved: the session is paid and has a Charge that can be refunded. */
  private void charge(StripeSimSession session) {
    session.paymentStatus = "paid";
    session.chargeId = "ch_" + randomId(24);
    session.chargeCreated = nowSeconds();
    byCharge.put(session.chargeId, session);
  }

  // ---------------------------------------------------------------- refunds

  private JsonObject createRefund(RoutingContext ctx, StripeSimForm form) {
    onlyKnownParams(form, REFUND_PARAMS);
    String paymentIntent = form.optional("payment_intent");
    String charge = form.optional("charge");
    StripeSimSession session;
    if (paymentIntent != null) {
      session = byPaymentIntent.get(paymentIntent);
      if (session == null) {
        throw StripeSimError.notFound("payment_intent", "No such payment_intent: '" + paymentIntent + "'");
      }
    } else if (charge != null) {
      session = byCharge.get(charge);
      if (session == null) {
        throw StripeSimError.notFound("charge", "No such charge: '" + charge + "'");
      }
    } else {
      throw StripeSimError.missingParam("payment_intent");
    }
    if (session.chargeId == null) {
      throw StripeSimError.invalid(null, "payment_intent", "This PaymentIntent (" + session.paymentIntentId
          + ") does not have a successful charge to refund.");
    }
    long left = session.refundable();
    if (left <= 0) {
      throw StripeSimError.invalid("charge_already_refunded", null, "Charge " + session.chargeId
          + " has already been refunded.");
    }
    Long amount = form.integer("amount");
    if (amount == null) {
      amount = left;
    } else if (amount < 1) {
      throw StripeSimError.invalid(null, "amount", "Invalid positive integer: amount must be at least 1.");
    } else if (amount > left) {
      throw StripeSimError.invalid("amount_too_large", "amount", "Refund amount (" + amount + ") is greater than"
          + " unrefunded amount on charge (" + left + ").");
    }
    String reason = form.optional("reason");
    if (reason != null && !REFUND_REASONS.contains(reason)) {
      throw StripeSimError.invalid(null, "reason", "Invalid reason: must be one of " + REFUND_REASONS + ".");
    }
    JsonObject metadata = metadata(form, "metadata");

    JsonObject refund = new JsonObject()
        .put("id", "re_" + randomId(24))
        .put("object", "refund")
        .put("amount", amount)
        .put("currency", session.currency)
        .put("payment_intent", session.paymentIntentId)
        .put("charge", session.chargeId)
        .put("reason", reason)
        .put("status", "succeeded")
        .put("created", nowSeconds())
        .put("metadata", metadata);
    session.amountRefunded += amount;
    session.refunds.add(refund);
    refundsCreated++;
    log.info("stripe simulator refund refundId={} sessionId={} paymentIntent={} amount={} refundedSoFar={} of={}",
        refund.getString("id"), session.id, session.paymentIntentId, amount, session.amountRefunded,
        session.amountTotal);
    emit(session, "charge.refunded", session.chargeJson());
    return refund.copy();
  }

  // ---------------------------------------------------------------- events

  private void emit(StripeSimSession session, String type, JsonObject object) {
    StripeSimEvent event = new StripeSimEvent("evt_" + randomId(24), type, nowSeconds(), session.id, object);
    events.put(event.id, event);
    session.recordEvent(event.id);
    log.info("stripe simulator event eventId={} type={} sessionId={}", event.id, type, session.id);
    webhooks.publish(event);
  }

  // ---------------------------------------------------------------- the hosted payment page

  private void payPage(RoutingContext ctx) {
    StripeSimSession session = sessions.get(ctx.pathParam("id"));
    if (session == null) {
      html(ctx, 404, page("Unknown session", "<p>No Checkout Session " + escape(ctx.pathParam("id")) + ".</p>"));
      return;
    }
    if (!session.isOpen()) {
      html(ctx, 200, page("Checkout", "<p>This checkout session is <b>" + escape(session.status)
          + "</b> (payment " + escape(session.paymentStatus) + ").</p>"));
      return;
    }
    StringBuilder body = new StringBuilder("<table><tr><th>Item</th><th>Qty</th><th>Price</th><th>Amount</th></tr>");
    for (StripeSimSession.Line line : session.lines) {
      body.append("<tr><td>").append(escape(line.name())).append("</td><td>").append(line.quantity())
          .append("</td><td>").append(money(line.unitAmount(), session.currency)).append("</td><td>")
          .append(money(line.amount(), session.currency)).append("</td></tr>");
    }
    body.append("<tr><th colspan=3>Total</th><th>").append(money(session.amountTotal, session.currency))
        .append("</th></tr></table>");
    if (session.customerEmail != null) {
      body.append("<p>Receipt to ").append(escape(session.customerEmail)).append("</p>");
    }
    String action = "/stripe/pay/" + escape(session.id);
    for (Outcome outcome : Outcome.values()) {
      String label = switch (outcome) {
        case PAID -> "Pay";
        case ASYNC_PAID -> "Pay (delayed method, succeeds)";
        case ASYNC_FAILED -> "Pay (delayed method, fails)";
      };
      body.append("<form method=post action=\"").append(action).append("\"><input type=hidden name=outcome value=")
          .append(outcome.wire()).append("><button>").append(label).append("</button></form>");
    }
    if (session.cancelUrl != null) {
      body.append("<p><a href=\"").append(escape(session.cancelUrl)).append("\">Cancel and go back</a></p>");
    }
    body.append("<p class=small>Simulated Stripe Checkout &middot; session ").append(escape(session.id))
        .append(" &middot; expires ").append(java.time.Instant.ofEpochSecond(session.expiresAt)).append("</p>");
    html(ctx, 200, page("Pay " + money(session.amountTotal, session.currency), body.toString()));
  }

  private void payByForm(RoutingContext ctx) {
    StripeSimSession session = sessions.get(ctx.pathParam("id"));
    if (session == null) {
      html(ctx, 404, page("Unknown session", "<p>No Checkout Session " + escape(ctx.pathParam("id")) + ".</p>"));
      return;
    }
    Outcome outcome = Outcome.parse(StripeSimForm.parse(ctx.body().asString()).optional("outcome"));
    if (outcome == null) {
      html(ctx, 400, page("Bad request", "<p>outcome must be one of paid, async_paid, async_failed.</p>"));
      return;
    }
    if (!session.isOpen()) {
      html(ctx, 409, page("Checkout", "<p>This checkout session is <b>" + escape(session.status)
          + "</b>; it cannot be paid.</p>"));
      return;
    }
    pay(session, outcome, "page");
    if (session.successUrl != null) {
      ctx.response().setStatusCode(303)
          .putHeader("Location", session.successUrl.replace(SESSION_ID_TEMPLATE, session.id))
          .end();
      return;
    }
    html(ctx, 200, page("Thank you", "<p>Payment " + (outcome == Outcome.PAID ? "received" : "submitted; the"
        + " delayed method settles in a moment") + ". Session " + escape(session.id) + " is "
        + escape(session.status) + ".</p>"));
  }

  private static String page(String title, String body) {
    return "<!doctype html><html><head><meta charset=utf-8><title>" + escape(title) + "</title><style>"
        + "body{font-family:sans-serif;max-width:36em;margin:2em auto}td,th{padding:.2em .8em;text-align:left}"
        + "button{margin:.3em 0;padding:.5em 1em}.small{color:#777;font-size:small}</style></head><body><h1>"
        + escape(title) + "</h1>" + body + "</body></html>";
  }

  private static void html(RoutingContext ctx, int status, String page) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8").end(page);
  }

  /** Minor units shown in major units: 123456 usd is "1234.56 USD", 500 jpy is "500 JPY". */
  static String money(long minor, String currency) {
    int decimals = ZERO_DECIMAL.contains(currency) ? 0 : THREE_DECIMAL.contains(currency) ? 3 : 2;
    String code = currency.toUpperCase(Locale.ROOT);
    if (decimals == 0) {
      return minor + " " + code;
    }
    long unit = decimals == 3 ? 1000 : 100;
    String fraction = String.format(Locale.ROOT, "%0" + decimals + "d", Math.abs(minor % unit));
    return (minor < 0 ? "-" : "") + Math.abs(minor / unit) + "." + fraction + " " + code;
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
        .replace("'", "&#39;");
  }

  // ---------------------------------------------------------------- control

  private JsonObject summary() {
    Map<String, Long> byStatus = new TreeMap<>(Map.of("open", 0L, "complete", 0L, "expired", 0L));
    long paid = 0;
    for (StripeSimSession session : sessions.values()) {
      byStatus.merge(session.status, 1L, Long::sum);
      if ("paid".equals(session.paymentStatus)) {
        paid++;
      }
    }
    long now = System.currentTimeMillis();
    return new JsonObject()
        .put("sessions", new JsonObject(new LinkedHashMap<>(byStatus)).put("paid", paid)
            .put("created", sessionsCreated).put("remembered", sessions.size()))
        .put("refunds", refundsCreated)
        .put("events", webhooks.countsJson().put("remembered", events.size()))
        .put("api", new JsonObject().put("requests", apiRequests).put("idempotentReplays", idempotentReplays)
            .put("idempotencyKeys", idempotency.size()).put("down", now < downUntilMillis)
            .put("downForMs", Math.max(0, downUntilMillis - now)))
        .put("webhooks", webhooks.settingsJson())
        .put("asyncDelayMs", asyncDelayMs)
        .put("expirySweepMs", expirySweepMs);
  }

  private JsonObject sessionView(StripeSimSession session) {
    JsonArray list = new JsonArray();
    for (String eventId : session.eventIds) {
      StripeSimEvent event = events.get(eventId);
      if (event != null) {
        list.add(event.summary());
      }
    }
    return new JsonObject().put("session", session.toJson()).put("refunds", session.refundsJson())
        .put("events", list);
  }

  private void withSession(RoutingContext ctx, java.util.function.Consumer<StripeSimSession> then) {
    StripeSimSession session = sessions.get(ctx.pathParam("id"));
    if (session == null) {
      problem(ctx, 404, "unknown-session", "no Checkout Session " + ctx.pathParam("id") + " (the last "
          + MAX_REMEMBERED + " are kept)");
      return;
    }
    then.accept(session);
  }

  private void withEvent(RoutingContext ctx, java.util.function.Consumer<StripeSimEvent> then) {
    StripeSimEvent event = events.get(ctx.pathParam("id"));
    if (event == null) {
      problem(ctx, 404, "unknown-event", "no event " + ctx.pathParam("id") + " (the last " + MAX_REMEMBERED
          + " are kept)");
      return;
    }
    then.accept(event);
  }

  /** The body as a JSON object (an empty body reads as {}), or null after answering 400. */

  // ---------------------------------------------------------------- helpers

  private static long nowSeconds() {
    return System.currentTimeMillis() / 1000;
  }

  private static String randomId(int length) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] id = new char[length];
    for (int i = 0; i < length; i++) {
      id[i] = ID_CHARS[random.nextInt(ID_CHARS.length)];
    }
    return new String(id);
  }


}
