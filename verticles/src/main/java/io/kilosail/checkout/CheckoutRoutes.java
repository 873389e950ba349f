package io.kilosail.checkout;

import io.kilosail.access.AuditLog;
import io.kilosail.access.OrderSecrets;
import io.kilosail.admin.AdminAuthentication;
import io.kilosail.access.Callers;
import io.kilosail.checkout.CheckoutPricing.Priced;
import io.kilosail.checkout.CheckoutPricing.Unpriceable;
import io.kilosail.checkout.CheckoutPricing.Wanted;
import io.kilosail.checkout.StockRepository.Sku;
import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.contracts.saga.SagaView;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.Proxies;
import io.kilosail.intake.ContractViolations;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.OrderRepository;
import io.kilosail.messaging.MessageIds;
import io.kilosail.web.Problems;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.RequestValidator;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The shop's API, described by {@code openapi/checkout.yaml} (docs/checkout.md):
 * <ul>
 *   <li>{@code POST /v1/checkout} with an {@code Idempotency-Key}: prices the items, stores the order and starts the
 *   checkout saga, then waits (up to {@code checkout.answerWaitMs}) for the saga to open the payment page (201 with
 *   the URL) or to refuse the stock (409); a repeat with the same key answers the order as it is;</li>
 *   <li>{@code POST /v1/checkout/{id}/cancel}: the customer calls the order off, proving it is theirs with the
 *   secret the checkout answered ({@code X-Kilosail-Order-Secret});</li>
 *   <li>{@code GET /v1/stock/{sku}} and {@code PUT /v1/admin/skus/{sku}}: the catalog.</li>
 * </ul>
 * The order itself is read with {@code GET /v1/orders/{id}} (see {@code OrderIntakeRoutes}) and the secret every
 * checkout answer carries ({@code orderSecret}, header {@code X-Kilosail-Order-Secret}); the order id alone opens
 * nothing. Each answer issues a fresh secret (only its hash is stored), so a customer whose first answer was lost gets
 * one by repeating the request with the same key; the older secret then stops working.
 */
public final class CheckoutRoutes {

  public static final String CONTRACT = "openapi/checkout.yaml";
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  public static final int MAX_BODY_BYTES = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(CheckoutRoutes.class);

  private final Vertx vertx;
  private final OpenAPIContract contract;
  private final RequestValidator validator;
  private final RequestExtractor extractor = RequestExtractor.withBodyHandler();
  private final CheckoutSettings settings;
  private final CheckoutPricing pricing;
  private final CheckoutRepository orders;
  private final StockRepository stock;
  private final SagaCoordinatorService coordinator;
  private final OrderRepository deliveries;
  /** Where the checkout saga tells this instance that an order's answer is ready; one address per instance. */
  private final String answers;
  private final Map<String, List<Promise<Void>>> waiting = new ConcurrentHashMap<>();

  private CheckoutRoutes(Vertx vertx, OpenAPIContract contract, CheckoutSettings settings, Pool pool, String answers) {
    this.vertx = vertx;
    this.contract = contract;
    this.validator = RequestValidator.create(vertx, contract);
    this.settings = settings;
    this.pricing = new CheckoutPricing(settings.deliveryFeeMinor(), settings.maxLines(), settings.maxQuantity());
    this.orders = new CheckoutRepository(pool);
    this.stock = new StockRepository(pool);
    this.deliveries = new OrderRepository(pool);
    this.coordinator = Proxies.sagaCoordinator(vertx);
    this.answers = answers;
  }

  /** Loads the contract, listens for the saga's answers and adds the routes; fails on a bad configuration. */
  public static Future<MessageConsumer<JsonObject>> mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    CheckoutSettings settings;
    try {
      settings = CheckoutSettings.fromJson(config);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    String answers = "kilosail.checkout.answers." + NodeConfig.fromJson(config).id() + "." + UUID.randomUUID();
    return OpenAPIContract.from(vertx, CONTRACT).compose(contract -> {
      CheckoutRoutes routes = new CheckoutRoutes(vertx, contract, settings, pool, answers);
      MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(answers, m -> routes.answered(m.body()));
      BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);
      router.post("/v1/checkout").handler(body).handler(routes::checkout);
      router.post("/v1/checkout/:id/cancel").handler(body).handler(routes::cancel);
      router.get("/v1/stock/:sku").handler(routes::getStock);
      router.put("/v1/admin/skus/:sku").handler(body).handler(routes::putSku);
      return consumer.completion().map(consumer);
    });
  }

  // ------------------------------------------------------------------------------------------------- POST /v1/checkout

  private void checkout(RoutingContext ctx) {
    String key = ctx.request().getHeader(IDEMPOTENCY_KEY);
    validated(ctx, "checkout")
        .compose(x -> price(ctx.body().asJsonObject()))
        .compose(priced -> orders.create(newOrder(key, ctx.body().asJsonObject(), priced)))
        .compose(creation -> {
          CheckoutOrder order = creation.order();
          if (!creation.created() && !order.requestHash().equals(hash(ctx.body().asJsonObject()))) {
            Problems.send(ctx, 409, "idempotency-key-reused", "Conflict", "Idempotency-Key " + key
                + " was used for another checkout (order " + order.id() + ") with a different body");
            return Future.succeededFuture();
          }
          if (order.state() != CheckoutState.CREATED) {
            return answer(ctx, order, creation.created());
          }
          // Always (re)start: the start is idempotent, and a node that died after storing the order left no saga.
          Future<Void> ready = awaitAnswer(order.id());
          return coordinator.start(CheckoutSaga.TYPE, order.id(), CheckoutSaga.dataOf(order, answers))
              .recover(err -> Future.failedFuture(new NotStarted(order.id(), err)))
              .compose(sagaId -> ready)
              .compose(x -> orders.find(order.id()))
              .compose(now -> answer(ctx, now, creation.created()));
        })
        .onFailure(err -> fail(ctx, err));
  }

  private Future<Priced> price(JsonObject body) {
    String channel = body.getString("paymentChannel");
    if (channel != null && !settings.paymentChannels().contains(channel)) {
      // Caught here, not by a saga that would find no payment verticle at kilosail.payment.<channel> and give up.
      return Future.failedFuture(new Unpriceable("unknown-payment-channel", "paymentChannel", "no payment channel '"
          + channel + "'; this shop takes " + settings.paymentChannels()));
    }
    List<Wanted> wanted = new ArrayList<>();
    JsonArray items = body.getJsonArray("items");
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      wanted.add(new Wanted(item.getString("sku"), item.getInteger("quantity")));
    }
    try {
      pricing.check(wanted);
    } catch (Unpriceable e) {
      return Future.failedFuture(e);
    }
    return stock.find(wanted.stream().map(Wanted::sku).toList())
        .map(found -> pricing.price(wanted, found.stream().collect(Collectors.toMap(Sku::sku, Function.identity()))));
  }

  private CheckoutOrder newOrder(String key, JsonObject body, Priced priced) {
    Instant now = Instant.now();
    return new CheckoutOrder(MessageIds.next(), key, hash(body), CheckoutState.CREATED, body.getJsonObject("customer"),
        priced.linesJson(), body.getJsonObject("delivery"), priced.currency(), priced.goodsMinor(),
        priced.deliveryFeeMinor(), priced.totalMinor(), body.getString("paymentChannel", settings.paymentChannel()),
        null, null, null, null, now, now);
  }

  /**
   * Resolves when the saga says the order's answer is ready, or when {@code answerWait} has passed (the caller then
   * reads whatever the order says, possibly still CREATED).
   */
  private Future<Void> awaitAnswer(String orderId) {
    Promise<Void> ready = Promise.promise();
    waiting.computeIfAbsent(orderId, id -> new ArrayList<>()).add(ready);
    long timer = vertx.setTimer(Math.max(1, settings.answerWait().toMillis()), t -> ready.tryComplete());
    return ready.future().onComplete(x -> {
      vertx.cancelTimer(timer);
      waiting.computeIfPresent(orderId, (id, list) -> {
        list.remove(ready);
        return list.isEmpty() ? null : list;
      });
    });
  }

  private void answered(JsonObject message) {
    List<Promise<Void>> promises = waiting.get(message.getString("orderId"));
    if (promises != null) {
      List.copyOf(promises).forEach(Promise::tryComplete);
    }
  }

  private Future<Void> answer(RoutingContext ctx, CheckoutOrder order, boolean created) {
    if (order.state() == CheckoutState.REJECTED) {
      return answer(ctx, order, created, null);
    }
    String secret = OrderSecrets.newSecret();
    return orders.replaceReadSecret(order.id(), OrderSecrets.hash(secret))
        .compose(x -> answer(ctx, order, created, secret));
  }

  private static Future<Void> answer(RoutingContext ctx, CheckoutOrder order, boolean created, String secret) {
    JsonObject view = order.toJson().put("orderSecret", secret);
    return switch (order.state()) {
      case CREATED -> {
        ctx.response().setStatusCode(202).putHeader("Location", "/v1/orders/" + order.id());
        yield ctx.json(view.put("poll", "/v1/orders/" + order.id()));
      }
      case REJECTED -> Problems.send(ctx, 409, "out-of-stock", "Conflict", "order " + order.id() + ": "
          + order.endReason());
      default -> {
        ctx.response().setStatusCode(created ? 201 : 200).putHeader("Location", "/v1/orders/" + order.id());
        yield ctx.json(view.put("paymentUrl", order.paymentUrl()));
      }
    };
  }

  // ------------------------------------------------------------------------------------- POST /v1/checkout/{id}/cancel

  /**
   * Notes the cancel on the order, then stops the saga: before delivery the saga is made to compensate at once; once
   * handed to delivery, the delivery order is cancelled and the saga compensates when it hears of it.
   */
  private void cancel(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String secret = ctx.request().getHeader(Callers.ORDER_SECRET_HEADER);
    if (secret == null || secret.isBlank()) {
      Problems.send(ctx, 401, "credentials-required", "Unauthorized", "cancelling a shop order needs the secret its"
          + " checkout answered (orderSecret), in header " + Callers.ORDER_SECRET_HEADER);
      return;
    }
    validated(ctx, "cancelCheckout")
        .compose(x -> orders.readSecretHash(id))
        // Another's order and no order look the same: 404.
        .compose(stored -> OrderSecrets.matches(stored, OrderSecrets.hash(secret.trim())) ? orders.requestCancel(id)
            : Future.succeededFuture())
        .compose(order -> {
          if (order == null) {
            return Problems.send(ctx, 404, "order-not-found", "Not Found", "no checkout order " + id);
          }
          if (order.state() == CheckoutState.COMPLETED) {
            return Problems.send(ctx, 409, "order-not-cancellable", "Conflict",
                "order " + id + " was delivered; it can no longer be cancelled");
          }
          if (order.state().terminal()) {
            return ctx.json(order.toJson());
          }
          return deliveredAlready(id).compose(delivered -> delivered
              ? Problems.send(ctx, 409, "order-not-cancellable", "Conflict",
                  "order " + id + " was delivered; it can no longer be cancelled")
              : callOff(order).compose(x -> {
            log.info("checkout cancel requested orderId={} state={}", id, order.state());
            ctx.response().setStatusCode(202);
            return ctx.json(order.toJson());
          }));
        })
        .onFailure(err -> fail(ctx, err));
  }

  /**
   * The checkout saga stops and compensates: whatever it did so far is undone in reverse (a delivery under way is
   * cancelled as the shop, which calls its couriers off; the payment is expired or refunded; the stock goes back).
   * A saga that has not started yet finds the cancel on the order and ends it at its first step.
   */
  private Future<Void> callOff(CheckoutOrder order) {
    return coordinator.findByBusinessKey(order.id()).compose(sagas -> {
      Future<Void> all = Future.succeededFuture();
      for (SagaView saga : sagas) {
        if (CheckoutSaga.TYPE.equals(saga.getSagaType())
            && ("RUNNING".equals(saga.getState()) || "WAITING".equals(saga.getState()))) {
          all = all.compose(x -> coordinator.forceCompensate(saga.getId()).<Void>mapEmpty()
              // It ended or began compensating on its own meanwhile: the order's end says what happened.
              .recover(err -> err instanceof ServiceException e
                  && e.failureCode() == SagaCoordinatorService.SAGA_NOT_IN_THAT_STATE
                  ? Future.succeededFuture() : Future.failedFuture(err)));
        }
      }
      return all;
    });
  }

  /** Its delivery reached the customer (the checkout saga may not have heard yet): too late to cancel. */
  private Future<Boolean> deliveredAlready(String orderId) {
    return deliveries.find(orderId).map(d -> d != null && d.state() == DeliveryOrder.State.DELIVERED);
  }

  // ------------------------------------------------------------------------------------------------------- catalog

  private void getStock(RoutingContext ctx) {
    validated(ctx, "getStock")
        .compose(x -> stock.find(ctx.pathParam("sku")))
        .compose(sku -> sku == null
            ? Problems.send(ctx, 404, "sku-not-found", "Not Found", "no SKU " + ctx.pathParam("sku"))
            : ctx.json(sku.toJson()))
        .onFailure(err -> fail(ctx, err));
  }

  private void putSku(RoutingContext ctx) {
    validated(ctx, "putSku")
        .compose(x -> {
          JsonObject b = ctx.body().asJsonObject();
          String sku = ctx.pathParam("sku");
          // The audit row commits with the change (a failed change is audited after, by AdminAuthentication).
          AuditLog.Entry audit = new AuditLog.Entry(ctx.get(AdminAuthentication.OPERATOR), AuditLog.CHANNEL_HTTP,
              "PUT " + ctx.request().path(), sku, AuditLog.OK, "HTTP 200");
          return stock.upsert(sku, b.getString("name"), b.getLong("priceMinor"), b.getString("currency"),
              b.getInteger("available"), conn -> AuditLog.record(conn, audit));
        })
        .compose(sku -> {
          ctx.put(AdminAuthentication.AUDITED, true);
          return ctx.json(sku.toJson());
        })
        .onFailure(err -> fail(ctx, err));
  }

  // ------------------------------------------------------------------------------------------------------- helpers

  private Future<?> validated(RoutingContext ctx, String operationId) {
    return extractor.extractValidatableRequest(ctx, contract.operation(operationId))
        .compose(request -> validator.validate(request, operationId));
  }

  /** The body's canonical JSON, hashed: the same checkout sent again with the same key has the same hash. */
  static String hash(JsonObject body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body.encode().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void fail(RoutingContext ctx, Throwable err) {
    if (ctx.response().ended()) {
      log.warn("checkout request failed after its answer path={} error={}", ctx.request().path(), err.toString());
    } else if (err instanceof ValidatorException invalid) {
      Problems.send(ctx, 400, "invalid-request", "Bad Request", ContractViolations.detail(invalid));
    } else if (err instanceof Unpriceable unpriceable) {
      boolean unknown = unpriceable.type().startsWith("unknown-");
      Problems.send(ctx, unknown ? 422 : 400, unpriceable.type(), unknown ? "Unprocessable Content" : "Bad Request",
          "field '" + unpriceable.field() + "': " + unpriceable.getMessage());
    } else if (err instanceof NotStarted notStarted) {
      // The order is stored, its saga not (yet) started: the same key again starts it, and nothing is held meanwhile.
      log.warn("checkout saga not started orderId={} cause={}", notStarted.orderId, notStarted.getCause().toString());
      ctx.response().putHeader("Retry-After", "1");
      Problems.send(ctx, 503, "checkout-busy", "Service Unavailable", "order " + notStarted.orderId
          + " is stored but could not be started now (" + notStarted.getCause().getMessage()
          + "); send the same request with the same Idempotency-Key again");
    } else if (err instanceof DecodeException) {
      Problems.send(ctx, 400, "invalid-request", "Bad Request", "request body is not valid JSON");
    } else {
      Problems.sendServiceFailure(ctx, err);
    }
  }

  /** The checkout saga could not be started (the coordinator busy or unreachable): answered 503, retry with the key. */
  private static final class NotStarted extends RuntimeException {
    final String orderId;

    NotStarted(String orderId, Throwable cause) {
      super(cause.getMessage(), cause, false, false);
      this.orderId = orderId;
    }
  }
}
