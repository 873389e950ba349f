package io.kilosail.intake;

import io.kilosail.delivery.DeliverySaga;
import io.kilosail.order.OrderRepository;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.access.AccessRules;
import io.kilosail.access.Callers;
import io.kilosail.access.Callers.Caller;
import io.kilosail.access.Callers.CustomerCaller;
import io.kilosail.access.Callers.OperatorCaller;
import io.kilosail.access.Callers.PlatformCaller;
import io.kilosail.access.OrderSecrets;
import io.kilosail.access.RateLimiter;
import io.kilosail.checkout.CheckoutSettings;
import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.cancel.OrderCancellations;
import io.kilosail.checkout.CheckoutOrder;
import io.kilosail.checkout.CheckoutRepository;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;

import io.kilosail.order.DeliveryOrder.InvalidOrderException;
import io.kilosail.messaging.MessageIds;
import io.kilosail.web.Problems;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;

/**
 * The order intake API for upstream food platforms, described by {@code openapi/intake.yaml}:
 * <ul>
 *   <li>{@code POST /v1/orders} — signed push; 202 {@code {"orderId"}} once the order and its {@code order.received}
 *   event are committed, 200 with the same id for a repeated push;</li>
 *   <li>{@code GET /v1/orders/{id}} and {@code GET /v1/orders?platform=&platformOrderId=} — the order, to whoever
 *   may read it ({@link Callers}): the food platform that pushed it (signed), an operator with the ops role, or, for a
 *   shop order, the customer holding its secret. Anyone else's order answers 404, as an order that does not exist.</li>
 * </ul>
 * The signature is checked on the raw body before the contract: an unauthenticated caller gets 401 and learns nothing
 * about our schema. The contract is then checked by plain code written once ({@link OrderPush}, {@link IntakeRequests};
 * {@code IntakeContractAgreementTest} keeps them in agreement with the yaml), not by a JSON Schema validator per
 * request: that took about half of intake's CPU. The body is decoded once.
 */
public final class OrderIntakeRoutes {

  public static final String CONTRACT = "openapi/intake.yaml";
  static final String PLATFORM = "X-Kilosail-Platform";
  static final String TIMESTAMP = "X-Kilosail-Timestamp";
  static final String SIGNATURE = "X-Kilosail-Signature";

  private static final Logger log = LoggerFactory.getLogger(OrderIntakeRoutes.class);

  private final PlatformSignature signature;
  private final OrderRepository orders;
  private final CheckoutRepository checkouts;
  private final OrderCancellations cancellations;
  private final IntakeAdmission admission;
  private final IntakeBatcher batcher;
  /** Stores each shop the first time this node sees it (after the order's commit); null in tests without shops. */
  private io.kilosail.shop.ShopDirectory shops;
  private final RateLimiter limiter;

  private OrderIntakeRoutes(PlatformSignature signature, OrderRepository orders, IntakeBatcher batcher,
                            CheckoutRepository checkouts, OrderCancellations cancellations, IntakeAdmission admission,
                            RateLimiter limiter) {
    this.batcher = batcher;
    this.signature = signature;
    this.admission = admission;
    this.limiter = limiter;
    this.orders = orders;
    this.checkouts = checkouts;
    this.cancellations = cancellations;
  }

  /** The platforms' signature verifier of {@code config}'s intake and platforms sections. */
  public static PlatformSignature signature(JsonObject config) {
    IntakeSettings settings = IntakeSettings.fromJson(config);
    return new PlatformSignature(settings.platformSecrets(), settings.timestampTolerance(), Clock.systemUTC());
  }

  /**
   * Adds the routes; fails on a bad configuration.
   *
   * @param readers identifies who reads an order (the same signature verifier as {@code signature})
   */
  public static Future<Void> mount(Vertx vertx, Router router, Pool pool, JsonObject config,
                                   PlatformSignature signature, Callers readers, RateLimiter limiter) {
    IntakeSettings settings;
    try {
      settings = IntakeSettings.fromJson(config);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (settings.platformSecrets().isEmpty()) {
      log.warn("intake has no platforms configured; every push will be refused section=platforms");
    }
    OrderIntakeRoutes routes;
    try {
      MeterRegistry registry = Meters.registry(NodeConfig.fromJson(config));
      OrderCancellations cancellations = new OrderCancellations(pool, CancellationPolicy.fromJson(config),
          CheckoutSettings.fromJson(config), registry);
      IntakeAdmission admission = IntakeAdmission.start(vertx, pool, IntakeAdmission.Settings.fromJson(config),
          registry);
      OrderRepository orders = new OrderRepository(pool, DeliverySaga.STARTS);
      IntakeBatcher batcher = new IntakeBatcher(orders, vertx.getOrCreateContext(), settings.batchMaxOrders(),
          settings.batchMaxInFlight(), registry);
      routes = new OrderIntakeRoutes(signature, orders, batcher, new CheckoutRepository(pool), cancellations, admission,
          limiter);
      routes.shops = new io.kilosail.shop.ShopDirectory(vertx, pool,
          io.kilosail.shop.ShopSettings.fromJson(config).cacheTtlMs());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    router.post("/v1/orders")
        .handler(BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes()))
        .handler(routes::push);
    router.post("/v1/orders/:id/cancel")
        .handler(BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes()))
        .handler(routes::cancel);
    router.get("/v1/orders/:id").handler(readers.readers()).handler(routes::getById);
    router.get("/v1/orders").handler(readers.readers()).handler(routes::findByPlatformOrder);
    return Future.succeededFuture();
  }

  /** The calling platform when the request is signed by it; otherwise answers 401 and null. */
  private String authenticPlatform(RoutingContext ctx, String what) {
    String platform = ctx.request().getHeader(PLATFORM);
    Buffer body = ctx.body().buffer();
    PlatformSignature.Verdict verdict = signature.verify(platform, ctx.request().getHeader(TIMESTAMP),
        ctx.request().getHeader(SIGNATURE), body == null ? new byte[0] : body.getBytes());
    if (!verdict.ok()) {
      log.warn("intake {} refused platform={} reason={} remote={}", what, platform, verdict.failure(),
          ctx.request().remoteAddress());
      Problems.send(ctx, 401, "signature-invalid", "Unauthorized", verdict.detail());
      return null;
    }
    return platform;
  }

  private void push(RoutingContext ctx) {
    String platform = authenticPlatform(ctx, "push");
    if (platform != null) {
      limiter.guard(ctx, RateLimiter.Kind.PLATFORM, platform, () -> push(ctx, platform));
    }
  }

  private void push(RoutingContext ctx, String platform) {
    if (!admission.admit()) {
      ctx.response().putHeader("Retry-After", String.valueOf(admission.retryAfterSeconds()));
      Problems.send(ctx, 503, "overloaded", "Overloaded", "too many received orders wait for their dispatch; retry in "
          + admission.retryAfterSeconds() + " s");
      return;
    }
    DeliveryOrder order;
    try {
      DeliveryOrder.Pushed push = OrderPush.parse(body(ctx));
      order = DeliveryOrder.received(MessageIds.next(), platform, push, Instant.now());
    } catch (InvalidRequestException | InvalidOrderException invalid) {
      fail(ctx, invalid);
      return;
    }
    batcher.receive(order)
        .onSuccess(intake -> {
          if (intake.created() && shops != null) {
            // After the commit and beside the answer: the shop's write never holds up or loses the order.
            shops.seen(order);
          }
          if (log.isDebugEnabled()) {
            log.debug("intake push orderId={} platform={} created={}", intake.orderId(), platform, intake.created());
          }
          // The id is a UUID we made: nothing in it needs escaping, so no JSON encoder for one member.
          ctx.response()
              .setStatusCode(intake.created() ? 202 : 200)
              .putHeader(HttpHeaders.LOCATION, "/v1/orders/" + intake.orderId())
              .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
              .end("{\"orderId\":\"" + intake.orderId() + "\"}");
        })
        .onFailure(err -> fail(ctx, err));
  }

  private void cancel(RoutingContext ctx) {
    String platform = authenticPlatform(ctx, "cancel");
    if (platform != null) {
      limiter.guard(ctx, RateLimiter.Kind.PLATFORM, platform, () -> cancel(ctx, platform));
    }
  }

  private void cancel(RoutingContext ctx, String platform) {
    String orderId;
    String reason;
    try {
      orderId = IntakeRequests.orderId(ctx.pathParam("id"));
      reason = IntakeRequests.cancelReason(body(ctx));
    } catch (InvalidRequestException invalid) {
      fail(ctx, invalid);
      return;
    }
    cancellations.cancelByPlatform(platform, orderId, reason)
        .onSuccess(cancelled -> {
          log.info("order cancelled by its platform orderId={} platform={} state={} penaltyFen={} repeated={}",
              orderId, platform, cancelled.stateAtCancel(), cancelled.platformPenaltyFen(), cancelled.repeated());
          ctx.json(cancelled.toJson());
        })
        .onFailure(err -> {
          if (err instanceof OrderCancellations.NotFound missing) {
            Problems.send(ctx, 404, "order-not-found", "Not Found", missing.getMessage());
          } else if (err instanceof OrderCancellations.Refused refused) {
            Problems.send(ctx, 409, "order-not-cancellable", "Conflict", refused.getMessage());
          } else {
            fail(ctx, err);
          }
        });
  }

  /**
   * An order by id, as its reader may see it: a food platform its own pushed order with its timeline; an operator
   * (ops) any order, a shop checkout with its delivery (the same id) once it has one; a shop customer the checkout
   * its secret opens, with its delivery. Whatever the caller may not see answers 404 like a missing order.
   */
  private void getById(RoutingContext ctx) {
    String id;
    try {
      id = IntakeRequests.orderId(ctx.pathParam("id"));
    } catch (InvalidRequestException invalid) {
      fail(ctx, invalid);
      return;
    }
    String missing = "no order " + id;
    Caller caller = Callers.of(ctx);
    Future<JsonObject> order;
    if (caller instanceof PlatformCaller platform) {
      order = orders.find(id)
          .compose(found -> withTimeline(found != null && found.platform().equals(platform.platform()) ? found : null));
    } else if (caller instanceof CustomerCaller customer) {
      order = checkouts.readSecretHash(id).compose(stored -> OrderSecrets.matches(stored, customer.secretHash())
          ? checkoutWithDelivery(id) : Future.succeededFuture());
    } else if (caller instanceof OperatorCaller && Callers.requireRole(ctx, AccessRules.READ_ORDER)) {
      order = checkoutWithDelivery(id)
          .compose(checkout -> checkout != null ? Future.succeededFuture(checkout) : orders.find(id)
              .compose(this::withTimeline));
    } else {
      return;
    }
    order.onSuccess(found -> answer(ctx, found, missing)).onFailure(err -> fail(ctx, err));
  }

  /** A shop order with its delivery (null while it has none); null when there is no such shop order. */
  private Future<JsonObject> checkoutWithDelivery(String id) {
    return Future.all(checkouts.find(id), orders.find(id).compose(this::withTimeline))
        .map(found -> {
          CheckoutOrder checkout = found.resultAt(0);
          JsonObject delivery = found.resultAt(1);
          return checkout == null ? null : checkout.toJson().put("delivery", delivery);
        });
  }

  /**
   * A pushed order by the platform's own id. A food platform asks only for its own orders (another platform's name
   * answers 404); an operator needs the ops role; a shop customer has no platform order.
   */
  private void findByPlatformOrder(RoutingContext ctx) {
    String platform;
    String platformOrderId;
    try {
      platform = IntakeRequests.platform(ctx.queryParams().get("platform"));
      platformOrderId = IntakeRequests.platformOrderId(ctx.queryParams().get("platformOrderId"));
    } catch (InvalidRequestException invalid) {
      fail(ctx, invalid);
      return;
    }
    String missing = "no order " + platformOrderId + " from platform " + platform;
    Caller caller = Callers.of(ctx);
    if (caller instanceof PlatformCaller reader) {
      if (!reader.platform().equals(platform)) {
        answer(ctx, null, missing);
        return;
      }
    } else if (!Callers.requireRole(ctx, AccessRules.READ_ORDER)) {
      return;
    }
    orders.find(platform, platformOrderId)
        .compose(this::withTimeline)
        .onSuccess(order -> answer(ctx, order, missing))
        .onFailure(err -> fail(ctx, err));
  }

  /** The body as a JSON object, decoded once; {@link InvalidRequestException} when it is not one. */
  private static JsonObject body(RoutingContext ctx) {
    return IntakeRequests.jsonBody(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE), ctx.body().buffer());
  }

  /** The order's API view with its timeline; null when there is no such order. */
  private Future<JsonObject> withTimeline(DeliveryOrder order) {
    return order == null ? Future.succeededFuture()
        : orders.timeline(order).map(timeline -> order.toJson().put("timeline", timeline));
  }

  private static void answer(RoutingContext ctx, JsonObject order, String missing) {
    if (order == null) {
      Problems.send(ctx, 404, "order-not-found", "Not Found", missing);
    } else {
      ctx.json(order);
    }
  }

  private static void fail(RoutingContext ctx, Throwable err) {
    if (err instanceof InvalidRequestException invalid) {
      Problems.send(ctx, 400, "invalid-request", "Bad Request", invalid.detail());
    } else if (err instanceof InvalidOrderException invalid) {
      Problems.send(ctx, 400, "invalid-request", "Bad Request", "field '" + invalid.field() + "': " + invalid.getMessage());
    } else {
      log.error("intake request failed method={} path={}", ctx.request().method(), ctx.request().path(), err);
      Problems.send(ctx, 500, "internal-error", "Internal Server Error",
          "the request could not be completed; it has been logged");
    }
  }
}
