package io.kilosail.intake;

import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.cancel.OrderCancellations;
import io.kilosail.checkout.CheckoutOrder;
import io.kilosail.checkout.CheckoutRepository;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;

import io.kilosail.intake.DeliveryOrder.InvalidOrderException;
import io.kilosail.messaging.MessageIds;
import io.kilosail.web.Problems;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.RequestValidator;
import io.vertx.openapi.validation.ValidatorException;
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
 *   <li>{@code GET /v1/orders/{id}} and {@code GET /v1/orders?platform=&platformOrderId=} — the order.</li>
 * </ul>
 * The signature is checked on the raw body before the contract: an unauthenticated caller gets 401 and learns nothing
 * about our schema. That order is why this uses the library's validator directly instead of RouterBuilder, which
 * validates before any handler of the route runs.
 */
public final class OrderIntakeRoutes {

  public static final String CONTRACT = "openapi/intake.yaml";
  static final String PLATFORM = "X-Kilosail-Platform";
  static final String TIMESTAMP = "X-Kilosail-Timestamp";
  static final String SIGNATURE = "X-Kilosail-Signature";

  private static final Logger log = LoggerFactory.getLogger(OrderIntakeRoutes.class);

  private final OpenAPIContract contract;
  private final RequestValidator validator;
  private final RequestExtractor extractor = RequestExtractor.withBodyHandler();
  private final PlatformSignature signature;
  private final OrderRepository orders;
  private final CheckoutRepository checkouts;
  private final OrderCancellations cancellations;

  private OrderIntakeRoutes(Vertx vertx, OpenAPIContract contract, PlatformSignature signature, OrderRepository orders,
                            CheckoutRepository checkouts, OrderCancellations cancellations) {
    this.contract = contract;
    this.validator = RequestValidator.create(vertx, contract);
    this.signature = signature;
    this.orders = orders;
    this.checkouts = checkouts;
    this.cancellations = cancellations;
  }

  /** Loads the contract (from the classpath, without blocking) and adds the routes; fails on a bad configuration. */
  public static Future<Void> mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    IntakeSettings settings;
    try {
      settings = IntakeSettings.fromJson(config);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (settings.platformSecrets().isEmpty()) {
      log.warn("intake has no platforms configured; every push will be refused section=platforms");
    }
    PlatformSignature signature = new PlatformSignature(settings.platformSecrets(), settings.timestampTolerance(),
        Clock.systemUTC());
    return OpenAPIContract.from(vertx, CONTRACT).map(contract -> {
      OrderCancellations cancellations = new OrderCancellations(pool, CancellationPolicy.fromJson(config),
          Meters.registry(NodeConfig.fromJson(config)));
      OrderIntakeRoutes routes = new OrderIntakeRoutes(vertx, contract, signature, new OrderRepository(pool),
          new CheckoutRepository(pool), cancellations);
      router.post("/v1/orders")
          .handler(BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes()))
          .handler(routes::push);
      router.post("/v1/orders/:id/cancel")
          .handler(BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes()))
          .handler(routes::cancel);
      router.get("/v1/orders/:id").handler(routes::getById);
      router.get("/v1/orders").handler(routes::findByPlatformOrder);
      return null;
    });
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
    if (platform == null) {
      return;
    }
    validated(ctx, "pushOrder")
        .map(x -> DeliveryOrder.received(MessageIds.next(), platform, ctx.body().asJsonObject(), Instant.now()))
        .compose(orders::receive)
        .onSuccess(intake -> {
          log.debug("intake push orderId={} platform={} created={}", intake.orderId(), platform, intake.created());
          ctx.response()
              .setStatusCode(intake.created() ? 202 : 200)
              .putHeader("Location", "/v1/orders/" + intake.orderId());
          ctx.json(new JsonObject().put("orderId", intake.orderId()));
        })
        .onFailure(err -> fail(ctx, err));
  }

  private void cancel(RoutingContext ctx) {
    String platform = authenticPlatform(ctx, "cancel");
    if (platform == null) {
      return;
    }
    String orderId = ctx.pathParam("id");
    validated(ctx, "cancelOrder")
        .compose(x -> cancellations.cancelByPlatform(platform, orderId, ctx.body().asJsonObject().getString("reason")))
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
   * An order by id: a pushed order with its timeline, or one of our shop's checkouts with its delivery (the same id)
   * once it has one.
   */
  private void getById(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    validated(ctx, "getOrder")
        .compose(x -> Future.all(checkouts.find(id), orders.find(id).compose(this::withTimeline)))
        .map(found -> {
          CheckoutOrder checkout = found.resultAt(0);
          JsonObject delivery = found.resultAt(1);
          return checkout == null ? delivery : checkout.toJson().put("delivery", delivery);
        })
        .onSuccess(order -> answer(ctx, order, "no order " + id))
        .onFailure(err -> fail(ctx, err));
  }

  private void findByPlatformOrder(RoutingContext ctx) {
    String platform = ctx.queryParams().get("platform");
    String platformOrderId = ctx.queryParams().get("platformOrderId");
    validated(ctx, "findOrder")
        .compose(x -> orders.find(platform, platformOrderId))
        .compose(this::withTimeline)
        .onSuccess(order -> answer(ctx, order, "no order " + platformOrderId + " from platform " + platform))
        .onFailure(err -> fail(ctx, err));
  }

  private Future<?> validated(RoutingContext ctx, String operationId) {
    return extractor.extractValidatableRequest(ctx, contract.operation(operationId))
        .compose(request -> validator.validate(request, operationId));
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
    if (err instanceof ValidatorException invalid) {
      Problems.send(ctx, 400, "invalid-request", "Bad Request", ContractViolations.detail(invalid));
    } else if (err instanceof InvalidOrderException invalid) {
      Problems.send(ctx, 400, "invalid-request", "Bad Request", "field '" + invalid.field() + "': " + invalid.getMessage());
    } else if (err instanceof DecodeException) {
      Problems.send(ctx, 400, "invalid-request", "Bad Request", "request body is not valid JSON");
    } else {
      log.error("intake request failed method={} path={}", ctx.request().method(), ctx.request().path(), err);
      Problems.send(ctx, 500, "internal-error", "Internal Server Error",
          "the request could not be completed; it has been logged");
    }
  }
}
