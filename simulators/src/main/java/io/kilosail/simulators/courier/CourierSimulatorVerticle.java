package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.simulators.food.FoodPlatformSimulator;
import io.kilosail.simulators.stripe.StripeSimulator;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static io.kilosail.simulators.SimulatorSupport.bounded;
import static io.kilosail.simulators.SimulatorSupport.downPeriodMs;
import static io.kilosail.simulators.SimulatorSupport.jsonBody;
import static io.kilosail.simulators.SimulatorSupport.problem;

/**
 * One HTTP server playing the four courier platforms, each under its own prefix ({@code /uu}, {@code /shansong},
 * {@code /sf}, {@code /fengniao}; point an adapter's base URL there). Each prefix speaks its platform's request
 * format, refuses a bad signature as that platform would, quotes, takes orders and then drives them through
 * acceptance, arrival, pickup and delivery by timers, sending signed callbacks to that platform's configured webhook
 * base URL with retries.
 *
 * <p>Config: {@code host} (default 127.0.0.1), {@code port} (0 picks a free one, see {@link #actualPort()}),
 * {@code randomSeed}, and {@code platforms.<id>.credentials} / {@code platforms.<id>.behaviour} (fields in
 * {@link SimBehaviour}). Control endpoints under {@code /_control} change behaviour at run time: see
 * {@code docs/courier-simulator.md} and {@link #controlRoutes(Router)}.
 *
 * <p>The same server also plays an upstream food platform ({@link FoodPlatformSimulator}): it pushes orders to
 * kilosail's intake and receives kilosail's status callbacks. Its optional config section is {@code food}
 * ({@code intakeUrl}, {@code platforms.<name>.secret}, {@code randomSeed}, {@code maxInFlight}).
 *
 * <p>It plays Stripe too ({@link StripeSimulator}): Checkout Sessions, Refunds, the hosted payment page and signed
 * webhook events, under {@code /stripe} (API base {@code http://<host>:<port>/stripe}). Its optional config section is
 * {@code stripe} ({@code secretKey}, {@code webhookUrl}, {@code webhookSecrets}, {@code webhook.*},
 * {@code asyncDelayMs}, {@code expirySweepMs}); see {@code docs/stripe-simulator.md}.
 *
 * <p>All state lives on this verticle's event loop; nothing blocks it (latency and progress are timers).
 */
public class CourierSimulatorVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(CourierSimulatorVerticle.class);

  /** Bounds the memory of a long demo or benchmark run: the oldest quotes and orders are forgotten first. */
  private static final int MAX_REMEMBERED = 200_000;
  private static final long CALLBACK_TIMEOUT_MS = 5_000;
  /**
   * What an account the simulator has not been told about holds (10,000 yuan): enough for any test's placements, so a
   * caller that never sets balances sees no refusals. The simulator does not refuse a placement for its balance.
   */
  static final long STARTING_BALANCE_FEN = 1_000_000;

  private final Map<CourierPlatform, PlatformState> platforms = new EnumMap<>(CourierPlatform.class);
  private Random random;
  private long sequence = 1;
  private WebClient webClient;
  private FoodPlatformSimulator food;
  private StripeSimulator stripe;
  private HttpServer server;

  /** Everything the simulator holds for one platform. */
  private static final class PlatformState {
    final PlatformDialect dialect;
    final JsonObject configuredBehaviour;
    SimBehaviour behaviour;
    long downUntilMillis;
    /** Platform API requests received (503s included), so a test can tell whether a caller sent one at all. */
    long requests;
    /** Token requests (Fengniao's OAuth endpoint), kept apart so {@link #requests} counts business calls only. */
    long tokenRequests;
    final Map<String, Quote> quotes = bounded(MAX_REMEMBERED);
    final Map<String, SimOrder> orders = bounded(MAX_REMEMBERED);
    /**
     * Prepaid balance per account (the account a request came under; "" for a request naming none), fen. An account
     * not seen yet starts at {@link #STARTING_BALANCE_FEN}; placements take their charged price, a cancel gives back the
     * price less its penalty; {@code POST /_control/<platform>/balances} sets one.
     */
    final Map<String, Long> balances = new HashMap<>();
    /** Live (unfinished) orders by our order id, so a repeated create answers with the same order. */
    final Map<String, SimOrder> liveByOrderId = new HashMap<>();

    PlatformState(PlatformDialect dialect, JsonObject configuredBehaviour) {
      this.dialect = dialect;
      this.configuredBehaviour = configuredBehaviour;
      this.behaviour = SimBehaviour.fromConfig(configuredBehaviour);
    }

    long balanceOf(String account) {
      return balances.getOrDefault(account == null ? "" : account, STARTING_BALANCE_FEN);
    }

    void addToBalance(String account, long fen) {
      balances.put(account == null ? "" : account, balanceOf(account) + fen);
    }

    boolean isDown(long now) {
      return now < downUntilMillis;
    }

    JsonObject toJson(long now) {
      return new JsonObject()
          .put("platform", dialect.platform().id())
          .put("down", isDown(now))
          .put("downForMs", Math.max(0, downUntilMillis - now))
          .put("liveOrders", liveByOrderId.size())
          .put("requests", requests)
          .put("tokenRequests", tokenRequests)
          .put("behaviour", behaviour.toJson());
    }
  }

  private record Quote(String orderId, long priceFen) {
  }


  @Override
  public Future<?> start() {
    JsonObject config = config();
    JsonObject platformsConfig = config.getJsonObject("platforms", new JsonObject());
    try {
      for (CourierPlatform platform : CourierPlatform.values()) {
        JsonObject one = platformsConfig.getJsonObject(platform.id(), new JsonObject());
        JsonObject credentials = one.getJsonObject("credentials", new JsonObject());
        PlatformDialect dialect = switch (platform) {
          case UU -> new UuDialect(credentials);
          case SHANSONG -> new ShansongDialect(credentials);
          case SF -> new SfDialect(credentials);
          case FENGNIAO -> new FengniaoDialect(credentials);
        };
        platforms.put(platform, new PlatformState(dialect, one.getJsonObject("behaviour", new JsonObject())));
      }
      food = FoodPlatformSimulator.create(vertx, config.getJsonObject("food", new JsonObject()),
          config.getValue("randomSeed") instanceof Number seed ? seed : null);
      stripe = StripeSimulator.create(vertx, config.getJsonObject("stripe", new JsonObject()),
          config.getValue("randomSeed") instanceof Number seed ? seed : null);
    } catch (IllegalArgumentException | ClassCastException e) {
      if (food != null) {
        food.close(); // its client is open; stop() is not called when start() fails
      }
      return Future.failedFuture(new IllegalArgumentException("courier simulator config is invalid: " + e.getMessage(), e));
    }
    random = config.getValue("randomSeed") instanceof Number seed ? new Random(seed.longValue()) : new Random();
    webClient = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64));

    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create().setBodyLimit(1024 * 1024));
    for (PlatformState state : platforms.values()) {
      state.dialect.operations().forEach((subPath, operation) ->
          router.post("/" + state.dialect.platform().id() + subPath).handler(ctx -> handle(state, operation, ctx)));
    }
    // Before the courier control routes: /_control/:platform/down would otherwise take "food" or "stripe" for a
    // courier.
    food.mount(router);
    stripe.mount(router);
    controlRoutes(router);
    router.errorHandler(404, ctx -> problem(ctx, 404, "not-found",
        "no simulated endpoint at " + ctx.request().method() + " " + ctx.request().path()));
    router.errorHandler(405, ctx -> problem(ctx, 405, "method-not-allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    router.errorHandler(413, ctx -> problem(ctx, 413, "body-too-large", "the request body exceeds 1 MiB"));
    router.errorHandler(500, ctx -> {
      log.error("simulator request failed method={} path={}", ctx.request().method(), ctx.request().path(), ctx.failure());
      problem(ctx, 500, "internal-error", "the simulator failed on this request; it has been logged");
    });

    String host = config.getString("host", "127.0.0.1");
    int port = config.getInteger("port", 0);
    return vertx.createHttpServer()
        .requestHandler(router)
        .listen(port, host)
        .onSuccess(s -> {
          server = s;
          log.info("courier simulator listening on http://{}:{} platforms={} food: {} stripe: {}", host,
              s.actualPort(), platforms.keySet(), food.describe(), stripe.describe());
        });
  }

  /** The port the server really listens on (differs from the configured one when that was 0). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  public Future<?> stop() {
    if (webClient != null) {
      webClient.close();
    }
    if (food != null) {
      food.close();
    }
    if (stripe != null) {
      stripe.close();
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  // ---------------------------------------------------------------- platform API

  private void handle(PlatformState state, SimOperation operation, RoutingContext ctx) {
    PlatformDialect dialect = state.dialect;
    long now = System.currentTimeMillis();
    if (operation == SimOperation.TOKEN) {
      state.tokenRequests++;
    } else {
      state.requests++;
    }
    if (state.isDown(now)) {
      problem(ctx, 503, "platform-down", dialect.platform().id() + " is down for another "
          + (state.downUntilMillis - now) + " ms (simulated)");
      return;
    }
    String answer;
    try {
      Map<String, String> query = new HashMap<>();
      ctx.queryParams().forEach(query::putIfAbsent);
      Map<String, String> headers = new HashMap<>();
      ctx.request().headers().forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
      JsonObject payload = dialect.verifiedPayload(headers, query, ctx.body().asString());
      answer = switch (operation) {
        case QUOTE -> quote(state, payload);
        case CREATE -> create(state, payload);
        case CANCEL -> cancel(state, payload);
        case PRE_CANCEL -> preCancel(state, payload);
        case DETAIL -> detail(state, payload);
        case TOKEN -> dialect.tokenAnswer(payload);
        case TIP -> tip(state, payload);
        case BALANCE -> dialect.balanceAnswer(state.balanceOf(dialect.accountOf(payload)));
      };
    } catch (SimRefusal refusal) {
      log.info("courier simulator refused platform={} operation={} status={} reason={}",
          dialect.platform().id(), operation, refusal.httpStatus, refusal.getMessage());
      ctx.response().setStatusCode(refusal.httpStatus).putHeader("Content-Type", "application/json").end(refusal.body);
      return;
    }
    long latency = state.behaviour.latencyMs() + (operation == SimOperation.CREATE ? state.behaviour.createLatencyMs() : 0);
    if (latency > 0) {
      vertx.setTimer(latency, id -> answer(ctx, answer));
    } else {
      answer(ctx, answer);
    }
  }

  private static void answer(RoutingContext ctx, String body) {
    if (!ctx.response().closed()) {
      ctx.response().putHeader("Content-Type", "application/json").end(body);
    }
  }

  private String quote(PlatformState state, JsonObject payload) {
    PlatformDialect dialect = state.dialect;
    String orderId = dialect.orderIdOfQuote(payload);
    long price = state.behaviour.priceFen();
    String token = null;
    if (dialect.createNeedsQuoteToken()) {
      token = dialect.newId("quote", sequence++);
      state.quotes.put(token, new Quote(orderId, price));
    }
    return dialect.quoteAnswer(price, state.behaviour.etaSeconds(), token);
  }

  private String create(PlatformState state, JsonObject payload) {
    PlatformDialect dialect = state.dialect;
    String orderId = dialect.orderIdOfCreate(payload);
    String token = null;
    long price = state.behaviour.priceFen();
    if (dialect.createNeedsQuoteToken()) {
      token = dialect.quoteTokenOfCreate(payload);
      if (dialect.quoteTokenIsPlatformOrderId() && state.orders.containsKey(token)) {
        return dialect.createAnswer(state.orders.get(token));
      }
      Quote quote = state.quotes.remove(token);
      if (quote == null) {
        throw dialect.refusal(400, "unknown or used quote token " + token);
      }
      orderId = orderId == null ? quote.orderId() : orderId;
      price = quote.priceFen();
    }
    if (orderId == null) {
      throw dialect.refusal(400, "the order names no order id of ours");
    }
    SimOrder live = state.liveByOrderId.get(orderId);
    if (live != null) {
      // The same order placed again while live: the platform answers with the order it already has.
      return dialect.createAnswer(live);
    }
    String platformOrderId = dialect.quoteTokenIsPlatformOrderId() ? token : dialect.newId("order", sequence++);
    price += state.behaviour.placementSurchargeFen();
    SimOrder order = new SimOrder(dialect.platform(), platformOrderId, orderId, price);
    order.account = dialect.accountOf(payload);
    state.addToBalance(order.account, -price);
    state.orders.put(platformOrderId, order);
    state.liveByOrderId.put(orderId, order);
    log.info("courier simulator took order platform={} platformOrderId={} orderId={} priceFen={}",
        dialect.platform().id(), platformOrderId, orderId, price);
    if (state.behaviour.autoProgress()) {
      awaitCourier(state, order);
    }
    return dialect.createAnswer(order);
  }

  /**
   * The order-detail query: by the platform's id, or by ours (the latest order placed for it), among the orders of the
   * account asking ({@link #visibleTo}).
   */
  private String detail(PlatformState state, JsonObject payload) {
    PlatformDialect dialect = state.dialect;
    String platformOrderId = dialect.platformOrderIdOfDetail(payload);
    String account = dialect.accountOf(payload);
    SimOrder order = null;
    if (platformOrderId != null) {
      order = state.orders.get(platformOrderId);
    } else {
      String orderId = dialect.orderIdOfDetail(payload);
      for (SimOrder candidate : state.orders.values()) {
        if (candidate.orderId.equals(orderId) && visibleTo(candidate, account)) {
          order = candidate;
        }
      }
    }
    if (order == null || !visibleTo(order, account)) {
      throw dialect.refusal(404, "no order " + (platformOrderId != null ? platformOrderId : "for that order number")
          + (account == null ? "" : " under account " + account));
    }
    return dialect.detailAnswer(order);
  }

  /**
   * An order belongs to the account (merchant, store) it was placed under: another account does not see it. What each
   * platform answers then is unconfirmed; "no such order" is the simulator's choice. A request naming no account (a
   * Fengniao call without a store) is the merchant's, which sees all its stores' orders.
   */
  private static boolean visibleTo(SimOrder order, String account) {
    return order.account == null || account == null || order.account.equals(account);
  }

  private String cancel(PlatformState state, JsonObject payload) {
    PlatformDialect dialect = state.dialect;
    String platformOrderId = dialect.platformOrderIdOfCancel(payload);
    SimOrder order = state.orders.get(platformOrderId);
    if (order == null) {
      throw dialect.refusal(404, "no order " + platformOrderId);
    }
    String account = dialect.accountOf(payload);
    if (!visibleTo(order, account)) {
      throw dialect.refusal(404, "no order " + platformOrderId + " under account " + account);
    }
    if (order.finished) {
      if (order.lastEvent == SimEvent.CANCELLED_BY_MERCHANT) {
        return dialect.cancelAnswer(order, order.penaltyFen);
      }
      throw dialect.refusal(409, "order " + platformOrderId + " is already " + order.lastEvent);
    }
    long penalty = penaltyNow(state, order);
    dialect.checkCancel(payload, penalty);
    order.penaltyFen = penalty;
    // The platform keeps the penalty and gives the rest of the charged price back to the account.
    state.addToBalance(order.account, order.priceFen - penalty);
    emit(state, order, SimEvent.CANCELLED_BY_MERCHANT);
    return dialect.cancelAnswer(order, order.penaltyFen);
  }

  /**
   * A tip on an order still waiting for a courier: added once per caller's key (a repeat answers the same total); an
   * order held for a tip is looked at again by the riders once its tips reach the behaviour's threshold. Only the
   * account the order was placed under can tip it ({@link #visibleTo}).
   */
  private String tip(PlatformState state, JsonObject payload) {
    PlatformDialect dialect = state.dialect;
    String platformOrderId = dialect.platformOrderIdOfTip(payload);
    long tipFen = dialect.tipFenOf(payload);
    String key = dialect.tipKeyOf(payload);
    SimOrder order = state.orders.get(platformOrderId);
    String account = dialect.accountOf(payload);
    if (order == null || !visibleTo(order, account)) {
      throw dialect.refusal(404, "no order " + platformOrderId + (account == null ? "" : " under account " + account));
    }
    if (key != null && order.tips.stream().anyMatch(t -> key.equals(((JsonObject) t).getString("key")))) {
      return dialect.tipAnswer(order);
    }
    if (order.finished || order.lastEvent != null && order.lastEvent != SimEvent.COURIER_GAVE_UP) {
      throw dialect.refusal(409, "order " + platformOrderId + " is " + (order.finished ? "already " : "")
          + order.lastEvent + ": a tip is for an order no courier took");
    }
    order.tipsFen += tipFen;
    order.tips.add(new JsonObject().put("tipFen", tipFen).put("key", key)
        .put("at", java.time.Instant.now().toString()));
    log.info("courier simulator tip platform={} platformOrderId={} tipFen={} totalFen={}", dialect.platform().id(),
        platformOrderId, tipFen, order.tipsFen);
    if (order.waitingForTip && order.tipsFen >= state.behaviour.acceptOnlyWithTipFen()) {
      order.waitingForTip = false;
      awaitCourier(state, order);
    }
    return dialect.tipAnswer(order);
  }

  /** What cancelling the order now would cost, by how far its courier got. */
  private static long penaltyNow(PlatformState state, SimOrder order) {
    SimBehaviour behaviour = state.behaviour;
    return order.lastEvent == null ? 0 : switch (order.lastEvent) {
      case ACCEPTED, ARRIVED_AT_SHOP -> behaviour.cancelPenaltyAcceptedFen();
      case PICKED_UP, ABNORMAL -> behaviour.cancelPenaltyPickedUpFen();
      default -> 0;
    };
  }

  /** Fengniao's preCancelOrder: the cost of cancelling now, changing nothing. */
  private String preCancel(PlatformState state, JsonObject payload) {
    PlatformDialect dialect = state.dialect;
    String platformOrderId = dialect.platformOrderIdOfCancel(payload);
    SimOrder order = state.orders.get(platformOrderId);
    if (order == null) {
      throw dialect.refusal(404, "no order " + platformOrderId);
    }
    if (order.finished && order.lastEvent != SimEvent.CANCELLED_BY_MERCHANT) {
      throw dialect.refusal(409, "order " + platformOrderId + " is already " + order.lastEvent);
    }
    return dialect.preCancelAnswer(order, order.finished ? order.penaltyFen : penaltyNow(state, order));
  }

  // ---------------------------------------------------------------- order lifecycle

  private void later(long delayMs, Runnable step) {
    vertx.setTimer(Math.max(1, delayMs), id -> step.run());
  }

  /** Looking for a courier: none before the timeout, or one accepts and goes to the shop. */
  private void awaitCourier(PlatformState state, SimOrder order) {
    later(state.behaviour.acceptDelayMs(), () -> {
      if (order.finished) {
        return;
      }
      if (order.tipsFen < state.behaviour.acceptOnlyWithTipFen()) {
        // Riders pass it by: it waits (without a callback, as a real one does) until a tip makes it worth their while.
        order.waitingForTip = true;
        return;
      }
      if (random.nextDouble() < state.behaviour.noCourierProbability()) {
        emit(state, order, SimEvent.NO_COURIER);
        return;
      }
      order.courierName = "骑手" + (100 + random.nextInt(900));
      order.courierPhone = "139" + String.format(Locale.ROOT, "%08d", random.nextInt(100_000_000));
      emit(state, order, SimEvent.ACCEPTED);
      later(state.behaviour.arriveDelayMs(), () -> goToShop(state, order));
    });
  }

  private void goToShop(PlatformState state, SimOrder order) {
    if (order.finished) {
      return;
    }
    // A courier gives an order up at most once, so a high probability still lets the order end.
    if (order.giveUps == 0 && random.nextDouble() < state.behaviour.giveUpProbability()) {
      order.giveUps++;
      emit(state, order, SimEvent.COURIER_GAVE_UP);
      order.courierName = null;
      order.courierPhone = null;
      awaitCourier(state, order);
      return;
    }
    emit(state, order, SimEvent.ARRIVED_AT_SHOP);
    boolean courierCancels = random.nextDouble() < state.behaviour.courierCancelProbability();
    later(state.behaviour.pickupDelayMs(), () -> {
      if (order.finished) {
        return;
      }
      if (courierCancels) {
        emit(state, order, SimEvent.COURIER_CANCELLED);
        return;
      }
      emit(state, order, SimEvent.PICKED_UP);
      later(state.behaviour.deliverDelayMs(), () -> {
        if (!order.finished) {
          order.returnedToMerchant = random.nextDouble() < state.behaviour.returnProbability();
          emit(state, order, SimEvent.DELIVERED);
        }
      });
    });
  }

  /**
   * Records the event on the order and sends its callback after the order's earlier ones, holding it back a step
   * (sent right after its successor) when out-of-order delivery is on.
   */
  private void emit(PlatformState state, SimOrder order, SimEvent event) {
    order.lastEvent = event;
    if (event.isTerminal()) {
      order.finished = true;
      state.liveByOrderId.remove(order.orderId, order);
    }
    SimCallback callback = state.dialect.callback(order, event, System.currentTimeMillis());
    if (callback == null) {
      return;
    }
    SimCallback held = order.heldBack;
    if (state.behaviour.outOfOrderCallbacks() && held == null && !event.isTerminal()) {
      order.heldBack = callback;
      return;
    }
    order.heldBack = null;
    // Chained per order: a retried callback is never overtaken by the next one (out-of-order is only on demand).
    order.deliveries = order.deliveries.eventually(() -> deliver(state, order, callback));
    if (held != null) {
      order.deliveries = order.deliveries.eventually(() -> deliver(state, order, held));
    }
  }

  /** Sends one callback, then its configured duplicates, one after the other. */
  private Future<Void> deliver(PlatformState state, SimOrder order, SimCallback callback) {
    Future<Void> chain = Future.succeededFuture();
    for (int copy = 0; copy <= state.behaviour.duplicateCallbacks(); copy++) {
      chain = chain.compose(v -> post(state, order, callback, 0));
    }
    return chain;
  }

  private Future<Void> post(PlatformState state, SimOrder order, SimCallback callback, int attempt) {
    String base = state.behaviour.webhookBaseUrl();
    String platform = state.dialect.platform().id();
    if (base == null) {
      record(order, callback, attempt, "no-webhook-configured");
      return Future.succeededFuture();
    }
    String url = base + callback.pathSuffix() + callback.query();
    return webClient.postAbs(url)
        .putHeader("Content-Type", callback.contentType())
        .timeout(CALLBACK_TIMEOUT_MS)
        .sendBuffer(Buffer.buffer(callback.body()))
        .compose(response -> response.statusCode() / 100 == 2
            ? Future.<Void>succeededFuture()
            : Future.<Void>failedFuture("webhook answered " + response.statusCode()))
        .onSuccess(v -> record(order, callback, attempt, "delivered"))
        .recover(failure -> {
          if (attempt >= state.behaviour.callbackRetries()) {
            log.warn("courier simulator gave up callback platform={} platformOrderId={} status={} attempts={} cause={}",
                platform, order.platformOrderId, callback.rawStatus(), attempt + 1, failure.getMessage());
            record(order, callback, attempt, "failed: " + failure.getMessage());
            return Future.succeededFuture();
          }
          long delay = state.behaviour.callbackRetryDelayMs() << Math.min(attempt, 10);
          log.info("courier simulator retries callback platform={} platformOrderId={} status={} attempt={} inMs={} cause={}",
              platform, order.platformOrderId, callback.rawStatus(), attempt + 1, delay, failure.getMessage());
          Promise<Void> wait = Promise.promise();
          later(delay, wait::complete);
          return wait.future().compose(v -> post(state, order, callback, attempt + 1));
        });
  }

  private static void record(SimOrder order, SimCallback callback, int attempt, String outcome) {
    order.sent.add(new JsonObject().put("event", callback.event().name()).put("rawStatus", callback.rawStatus())
        .put("attempts", attempt + 1).put("outcome", outcome));
  }

  // ---------------------------------------------------------------- control

  /**
   * <ul>
   *   <li>{@code GET /_control} — every platform's behaviour and whether it is down</li>
   *   <li>{@code GET|POST /_control/<platform>} — read or change behaviour (JSON fields of {@link SimBehaviour})</li>
   *   <li>{@code POST /_control/<platform>/down} {@code {"forMs": n}} — answer 503 for n ms (0 brings it back)</li>
   *   <li>{@code GET /_control/<platform>/orders/<platformOrderId>} — an order and the callbacks sent for it</li>
   *   <li>{@code GET /_control/<platform>/orders?orderId=<kilosail order id>} — the orders placed for it (a list)</li>
   *   <li>{@code POST /_control/<platform>/orders/<platformOrderId>/events} {@code {"event": "PICKED_UP"}} — make it
   *       happen now, sending its callback (for out-of-order and exception tests; with autoProgress false the
   *       order moves only this way)</li>
   *   <li>{@code GET /_control/<platform>/balances} — the prepaid balance of every account seen (others start at
   *       {@link #STARTING_BALANCE_FEN})</li>
   *   <li>{@code POST /_control/<platform>/balances} {@code {"account": "...", "balanceFen": 7000}} — what the balance
   *       query answers for that account from now on (placements still take from it)</li>
   *   <li>{@code POST /_control/reset} — forget orders and quotes, behaviour back to config, every platform up (the
   *       food side too: runs and callbacks forgotten, callbacks answered again; the Stripe side: sessions, events and
   *       idempotency keys forgotten, webhook settings back to config, the API up)</li>
   * </ul>
   */
  private void controlRoutes(Router router) {
    router.get("/_control").handler(ctx -> {
      long now = System.currentTimeMillis();
      JsonObject all = new JsonObject();
      platforms.forEach((platform, state) -> all.put(platform.id(), state.toJson(now)));
      ctx.json(all);
    });
    router.post("/_control/reset").handler(ctx -> {
      platforms.values().forEach(state -> {
        state.orders.clear();
        state.quotes.clear();
        state.liveByOrderId.clear();
        state.downUntilMillis = 0;
        state.tokenRequests = 0;
        state.balances.clear();
        state.behaviour = SimBehaviour.fromConfig(state.configuredBehaviour);
        state.dialect.reset();
      });
      food.reset();
      stripe.reset();
      log.info("courier simulator reset");
      ctx.json(new JsonObject().put("reset", true));
    });
    router.get("/_control/:platform").handler(ctx -> withPlatform(ctx, state ->
        ctx.json(state.toJson(System.currentTimeMillis()))));
    router.post("/_control/:platform").handler(ctx -> withPlatform(ctx, state -> withJsonBody(ctx, changes -> {
      try {
        state.behaviour.apply(changes);
      } catch (IllegalArgumentException e) {
        problem(ctx, 400, "bad-behaviour", e.getMessage());
        return;
      }
      log.info("courier simulator behaviour changed platform={} changes={}", state.dialect.platform().id(), changes.encode());
      ctx.json(state.toJson(System.currentTimeMillis()));
    })));
    router.post("/_control/:platform/down").handler(ctx -> withPlatform(ctx, state -> withJsonBody(ctx, body -> {
      Long forMs = downPeriodMs(ctx, body);
      if (forMs == null) {
        return;
      }
      state.downUntilMillis = System.currentTimeMillis() + forMs;
      log.info("courier simulator platform down platform={} forMs={}", state.dialect.platform().id(), forMs);
      ctx.json(state.toJson(System.currentTimeMillis()));
    })));
    router.post("/_control/:platform/accounts").handler(ctx -> withPlatform(ctx, state -> withJsonBody(ctx, body -> {
      if (!(body.getValue("account") instanceof String account) || account.isBlank()) {
        problem(ctx, 400, "missing-account", "body must be {\"account\": \"...\"}");
        return;
      }
      state.dialect.extraAccounts.add(account);
      log.info("courier simulator accepts account platform={} account={}", state.dialect.platform().id(), account);
      ctx.json(new JsonObject().put("platform", state.dialect.platform().id()).put("account", account));
    })));
    router.get("/_control/:platform/balances").handler(ctx -> withPlatform(ctx, state -> {
      JsonObject all = new JsonObject();
      state.balances.forEach(all::put);
      ctx.json(new JsonObject().put("platform", state.dialect.platform().id())
          .put("startingBalanceFen", STARTING_BALANCE_FEN).put("balances", all));
    }));
    router.post("/_control/:platform/balances").handler(ctx -> withPlatform(ctx, state -> withJsonBody(ctx, body -> {
      if (!(body.getValue("account") instanceof String account) || account.isBlank()
          || !(body.getValue("balanceFen") instanceof Number fen) || fen.longValue() != fen.doubleValue()) {
        problem(ctx, 400, "bad-balance", "body must be {\"account\": \"...\", \"balanceFen\": <integer fen>}");
        return;
      }
      state.balances.put(account, fen.longValue());
      log.info("courier simulator balance set platform={} account={} balanceFen={}", state.dialect.platform().id(),
          account, fen.longValue());
      ctx.json(new JsonObject().put("platform", state.dialect.platform().id()).put("account", account)
          .put("balanceFen", fen.longValue()));
    })));
    router.get("/_control/:platform/orders").handler(ctx -> withPlatform(ctx, state -> {
      String orderId = ctx.queryParams().get("orderId");
      if (orderId == null) {
        problem(ctx, 400, "missing-order-id", "query parameter orderId is required");
        return;
      }
      ctx.json(new io.vertx.core.json.JsonArray(state.orders.values().stream()
          .filter(o -> orderId.equals(o.orderId)).map(SimOrder::toJson).toList()));
    }));
    router.get("/_control/:platform/orders/:platformOrderId").handler(ctx -> withPlatform(ctx, state ->
        withOrder(ctx, state, order -> ctx.json(order.toJson()))));
    router.post("/_control/:platform/orders/:platformOrderId/events").handler(ctx -> withPlatform(ctx, state ->
        withOrder(ctx, state, order -> withJsonBody(ctx, body -> {
          SimEvent event;
          try {
            event = SimEvent.valueOf(String.valueOf(body.getValue("event")));
          } catch (IllegalArgumentException e) {
            problem(ctx, 400, "bad-event", "event must be one of " + java.util.Arrays.toString(SimEvent.values()));
            return;
          }
          if (order.finished) {
            problem(ctx, 409, "order-finished", "order " + order.platformOrderId + " is already " + order.lastEvent);
            return;
          }
          if (event == SimEvent.DELIVERED) {
            order.returnedToMerchant = Boolean.TRUE.equals(body.getValue("returnedToMerchant"))
                || random.nextDouble() < state.behaviour.returnProbability();
          }
          if (event == SimEvent.ACCEPTED && order.courierName == null) {
            order.courierName = "骑手" + (100 + random.nextInt(900));
            order.courierPhone = "13900000000";
          }
          emit(state, order, event);
          ctx.json(order.toJson());
        }))));
  }

  private void withPlatform(RoutingContext ctx, java.util.function.Consumer<PlatformState> then) {
    String id = ctx.pathParam("platform");
    CourierPlatform platform;
    try {
      platform = CourierPlatform.fromId(id);
    } catch (IllegalArgumentException e) {
      problem(ctx, 404, "unknown-platform", "no simulated platform " + id + "; known: uu, shansong, sf, fengniao");
      return;
    }
    then.accept(platforms.get(platform));
  }

  private void withOrder(RoutingContext ctx, PlatformState state, java.util.function.Consumer<SimOrder> then) {
    SimOrder order = state.orders.get(ctx.pathParam("platformOrderId"));
    if (order == null) {
      problem(ctx, 404, "unknown-order", "no order " + ctx.pathParam("platformOrderId") + " on "
          + state.dialect.platform().id());
      return;
    }
    then.accept(order);
  }

  private void withJsonBody(RoutingContext ctx, java.util.function.Consumer<JsonObject> then) {
    JsonObject body = jsonBody(ctx);
    if (body != null) {
      then.accept(body);
    }
  }

}
