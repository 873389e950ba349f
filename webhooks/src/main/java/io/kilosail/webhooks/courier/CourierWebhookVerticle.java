package io.kilosail.webhooks.courier;

import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.checkout.CheckoutSettings;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.courier.wire.CourierCallback;
import io.kilosail.courier.wire.CourierInbound;
import io.kilosail.courier.wire.CourierWire;
import io.kilosail.dispatch.DispatchSettings;
import io.kilosail.dispatch.Dispatcher;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.Proxies;
import io.kilosail.order.CourierCallbackRules;
import io.kilosail.payment.stripe.StripeSettings;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.web.Problems;
import io.kilosail.webhooks.stripe.StripeWebhook;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The courier platforms' callbacks, on an HTTP server of its own (section {@code webhooks}) so the public order API
 * and the courier callbacks can be exposed, scaled and firewalled apart:
 * {@code POST /webhooks/couriers/{uu|shansong|fengniao}} and SF's one URL per kind,
 * {@code POST /webhooks/couriers/sf/{status|complete|cancel|rider-withdrew|exception}}.
 *
 * <p>Each callback is verified with its platform's wire over the raw body (and SF's decoded {@code sign} query
 * parameter; UU and Shansong, which do not sign, by the {@code token} query parameter of the URL we registered with
 * them, see {@code CallbackToken}): a bad signature gets 401 and stores nothing; a signed body the wire cannot read gets 400, and one whose
 * fields the tables cannot hold as sent (too long, a time out of range) 422, both with {@code "retryable":false}
 * and nothing stored. A readable one
 * is stored and applied by {@link CourierCallbackStore} in one transaction, and only after that commit is the
 * platform answered with its {@link CourierWire#callbackReply()}. A database failure answers 500, so the platform
 * retries; the retry is de-duplicated.
 *
 * <p>The same server takes Stripe's webhook, {@code POST /webhooks/stripe} ({@link StripeWebhook}).
 */
public class CourierWebhookVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(CourierWebhookVerticle.class);

  public static final String BASE_PATH = "/webhooks/couriers";
  /** SF posts each kind of callback to its own URL (the reference); the path says nothing the body does not. */
  public static final Set<String> SF_KINDS = Set.of("status", "complete", "cancel", "rider-withdrew", "exception");

  /** Marks a refusal that resending the same callback cannot change (RFC 9457 extension member). */
  /** How long a stopping node waits for the answers of placements its callbacks sent: above the gateway's bound. */
  private static final long EFFECTS_DRAIN_MS = 12_000;
  private static final JsonObject NOT_RETRYABLE = new JsonObject().put("retryable", false);

  private final Clock clock;
  private Pool mysql;
  private HttpServer server;
  private CourierWebhookSettings settings;
  private CourierCallbackStore store;
  private Dispatcher dispatcher;
  private CourierWebhookMetrics metrics;

  public CourierWebhookVerticle() {
    this(Clock.systemUTC());
  }

  public CourierWebhookVerticle(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    StripeSettings stripe;
    DispatchSettings dispatchSettings;
    CancellationPolicy cancellation;
    CheckoutSettings checkout;
    try {
      settings = CourierWebhookSettings.fromJson(config(), clock);
      stripe = StripeSettings.fromJson(config());
      dispatchSettings = DispatchSettings.fromJson(config());
      cancellation = CancellationPolicy.fromJson(config());
      checkout = CheckoutSettings.fromJson(config());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    NodeConfig node = NodeConfig.fromJson(config());
    metrics = new CourierWebhookMetrics(Meters.registry(node));
    mysql = Clients.mysqlPool(vertx, InfraSettings.fromJson(config()).mysql());
    // A callback's next placement or cancel is sent from here too: it charges and credits the prepaid balances alike.
    dispatcher = new Dispatcher(vertx, mysql, Proxies.courierGateway(vertx, config()), dispatchSettings, cancellation,
        Meters.registry(node)).chargingBalances(io.kilosail.shop.ShopSettings.fromJson(config()));
    store = new CourierCallbackStore(mysql, dispatcher, checkout);

    Router router = Problems.withProblemErrors(Router.router(vertx));
    // Raw bytes are what the platforms sign; no form parsing (Shansong posts a form the wire decodes itself).
    router.post(BASE_PATH + "/*").handler(BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes()));
    router.post(BASE_PATH + "/sf/:kind").handler(ctx -> {
      if (!SF_KINDS.contains(ctx.pathParam("kind"))) {
        ctx.next(); // falls through to the router's 404
        return;
      }
      handle(CourierPlatform.SF, ctx);
    });
    router.post(BASE_PATH + "/:platform").handler(ctx -> {
      CourierPlatform platform = platformOf(ctx.pathParam("platform"));
      // SF is reachable only through its per-kind paths.
      if (platform == null || platform == CourierPlatform.SF) {
        ctx.next();
        return;
      }
      handle(platform, ctx);
    });
    new StripeWebhook(stripe, mysql, Meters.registry(node), clock).mount(router, settings.maxBodyBytes());

    return vertx.createHttpServer()
        .requestHandler(router)
        .invalidRequestHandler(Problems.invalidRequestHandler())
        .listen(settings.port(), settings.host())
        .onSuccess(s -> {
          server = s;
          log.info("webhooks listening on http://{}:{} couriers at {} platforms={}, stripe at {} node={}",
              settings.host(), s.actualPort(), BASE_PATH, settings.wires().keySet(), StripeWebhook.PATH, node.id());
        });
  }

  private static CourierPlatform platformOf(String id) {
    try {
      return CourierPlatform.fromId(id);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private void handle(CourierPlatform platform, RoutingContext ctx) {
    CourierWire wire = settings.wires().get(platform);
    if (wire == null) {
      // No credentials configured: nothing could be verified, so the endpoint does not exist.
      Problems.send(ctx, 404, "not-found", "Not Found", "no courier webhook configured for " + platform.id());
      return;
    }
    metrics.received(platform);
    Map<String, String> query = new HashMap<>();
    // queryParams() is already percent-decoded, which is what verifyCallback expects of SF's sign.
    ctx.queryParams().forEach(query::putIfAbsent);
    // UTF-8, whatever charset the Content-Type claims: the platforms sign UTF-8 bytes, and an unknown charset
    // (charset=ebcdic) must not fail the request.
    String body = ctx.body().buffer() == null ? null : ctx.body().buffer().toString(StandardCharsets.UTF_8);
    CourierInbound inbound = new CourierInbound(query, body);
    if (!wire.verifyCallback(inbound)) {
      metrics.rejected(platform, "signature");
      log.warn("courier callback refused platform={} path={} reason=signature bytes={}", platform.id(),
          ctx.request().path(), body == null ? 0 : body.length());
      Problems.send(ctx, 401, "courier-signature", "Unauthorized",
          "the callback's signature (for a platform that does not sign: the token in its URL) does not verify with "
              + platform.id() + "'s credentials");
      return;
    }
    CourierCallback callback;
    try {
      callback = wire.readCallback(inbound);
    } catch (RuntimeException e) {
      // Signed by the platform but not what its wire expects: resending it will not help, so 4xx, and we log it.
      metrics.rejected(platform, "unreadable");
      log.warn("courier callback refused platform={} path={} reason=unreadable cause={}", platform.id(),
          ctx.request().path(), e.getMessage());
      Problems.send(ctx, 400, "courier-callback-unreadable", "Bad Request", e.getMessage(), NOT_RETRYABLE);
      return;
    }
    String unstorable = CourierCallbackStore.unstorable(callback);
    if (unstorable != null) {
      // Authentic and readable, but not storable as sent: it would fail the same way on every retry. 422, not 500
      // (which the platforms retry for ever) and not 2xx (we have not recorded it); see docs/webhooks.md.
      metrics.rejected(platform, "unstorable");
      log.warn("courier callback refused platform={} path={} reason=unstorable cause={}", platform.id(),
          ctx.request().path(), unstorable);
      Problems.send(ctx, 422, "courier-callback-unstorable", "Unprocessable Content", unstorable, NOT_RETRYABLE);
      return;
    }
    store.store(callback, body, clock.instant())
        .onSuccess(stored -> {
          metrics.stored(platform, stored);
          CourierCallbackRules.Decision d = stored.decision();
          if (d.outcome() == CourierCallbackRules.Outcome.UNKNOWN_ORDER && !stored.duplicate()) {
            log.warn("courier callback for unknown order platform={} orderId={} platformOrderId={} rawStatus={}",
                platform.id(), callback.orderId(), callback.platformOrderId(), callback.rawStatus());
          } else {
            log.info("courier callback platform={} orderId={} rawStatus={} state={} duplicate={} outcome={} from={} to={}",
                platform.id(), callback.orderId(), callback.rawStatus(), callback.state(), stored.duplicate(),
                d.outcome(), d.from(), d.to());
          }
          ctx.response().putHeader("Content-Type", "application/json").end(wire.callbackReply());
        })
        .onFailure(err -> {
          log.error("courier callback not stored platform={} orderId={} rawStatus={}", platform.id(),
              callback.orderId(), callback.rawStatus(), err);
          Problems.send(ctx, 500, "internal-error", "Internal Server Error",
              "the callback could not be stored; retry later");
        });
  }

  /** The port the server really listens on (differs from the configured one when that was 0). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  /**
   * Stops taking callbacks, then lets the placements and cancels that applied callbacks sent get their answers stored
   * (bounded): an answer dropped here would leave a platform holding an order dispatch does not know.
   */
  @Override
  public Future<?> stop() {
    long deadline = System.currentTimeMillis() + EFFECTS_DRAIN_MS;
    return (server == null ? Future.succeededFuture() : server.close())
        .eventually(() -> dispatcher == null ? Future.succeededFuture() : dispatcher.drained(deadline))
        .eventually(() -> mysql == null ? Future.succeededFuture() : mysql.close());
  }
}
