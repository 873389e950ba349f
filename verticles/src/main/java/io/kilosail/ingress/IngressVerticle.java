package io.kilosail.ingress;

import io.kilosail.access.AuditLog;
import io.kilosail.access.Callers;
import io.kilosail.access.RateLimiter;
import io.kilosail.access.RateLimits;
import io.kilosail.admin.AdminAuthentication;
import io.kilosail.admin.AdminBridge;
import io.kilosail.admin.AdminTokens;
import io.kilosail.checkout.CheckoutRoutes;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.NodeLifecycle;
import io.kilosail.infra.Proxies;
import io.kilosail.intake.OrderIntakeRoutes;
import io.kilosail.intake.PlatformSignature;
import io.kilosail.ledger.ReceivablesRoutes;
import io.kilosail.ledger.ReconciliationRoutes;
import io.kilosail.ledger.SettlementRoutes;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.saga.SagaAdminRoutes;
import io.kilosail.web.Problems;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public HTTP server of a node: operations endpoints now ({@code /health}, {@code /ready}, {@code /metrics}),
 * the order intake API ({@code /v1/orders}, {@link OrderIntakeRoutes}), the settlement reports ({@code /v1/settlements},
 * {@link SettlementRoutes}), the shop's checkout API ({@code /v1/checkout}, {@link CheckoutRoutes}); on a node with the
 * admin role, the admin dashboard ({@code /admin/}, {@code /eventbus/*}). Who may call what is in docs/security.md:
 * reads go through {@link Callers}, the admin API through {@link AdminAuthentication}, and every caller is held to
 * its rate limit ({@link RateLimiter}, shared by the nodes through Redis).
 */
public class IngressVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(IngressVerticle.class);

  private Pool mysql;
  private Redis redis;
  private KafkaAdminClient kafkaAdmin;
  private HttpServer server;

  @Override
  public Future<?> start() {
    NodeConfig node = NodeConfig.fromJson(config());
    HttpConfig http = HttpConfig.fromJson(config());
    InfraSettings infra = InfraSettings.fromJson(config());
    mysql = Clients.mysqlPool(vertx, infra.mysql());
    redis = Clients.redis(vertx, infra.redisUrl());
    kafkaAdmin = Clients.kafkaAdmin(vertx, infra);

    Router router = Problems.withProblemErrors(Router.router(vertx));
    router.route().handler(this::refuseWhileDraining);
    router.get("/health").handler(ctx -> ctx.json(new JsonObject()
        .put("status", "UP").put("node", node.id()).put("roles", node.roles())));
    router.get("/ready").handler(HealthCheckHandler.createWithHealthChecks(
        ReadinessChecks.create(vertx, mysql, kafkaAdmin, RedisAPI.api(redis))));
    router.get("/metrics").handler(PrometheusScrapingHandler.create(node.metricsRegistry()));
    AdminTokens tokens;
    PlatformSignature signature;
    RateLimiter limiter;
    try {
      tokens = adminTokens();
      signature = OrderIntakeRoutes.signature(config());
      limiter = new RateLimiter(RedisAPI.api(redis), RateLimits.fromJson(config()), Meters.registry(node));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Callers readers = new Callers(signature, tokens, limiter);
    // Shop customers and anyone else without credentials: one budget per client address (the peer of the TCP
    // connection; behind a proxy that is the proxy, so the limit belongs on it there).
    // The body is read before the (asynchronous) check, or it would be lost while the limiter waits for Redis; the
    // checkout routes' own BodyHandler then finds it read.
    router.route("/v1/checkout*").handler(BodyHandler.create(false).setBodyLimit(CheckoutRoutes.MAX_BODY_BYTES))
        .handler(ctx -> limiter.guard(ctx, RateLimiter.Kind.ADDRESS, ctx.request().remoteAddress().hostAddress(),
            ctx::next));
    router.route("/v1/stock/*").handler(ctx -> limiter.guard(ctx, RateLimiter.Kind.ADDRESS,
        ctx.request().remoteAddress().hostAddress(), ctx::next));
    ReconciliationRoutes.mountBodyLimit(router);
    AdminAuthentication.mount(router, tokens, "admin.jwt.publicKey", limiter, mysql);
    SagaAdminRoutes.mount(router, Proxies.sagaCoordinator(vertx));
    AuditLog.mount(router, mysql);
    SettlementRoutes.mount(router, mysql, readers);
    ReceivablesRoutes.mount(router, mysql, readers);
    io.kilosail.shop.ShopRoutes.mount(vertx, router, mysql, config());
    ReconciliationRoutes.mount(router, mysql);
    if (node.roles().contains("admin")) {
      mountAdminDashboard(router);
    }

    return OrderIntakeRoutes.mount(vertx, router, mysql, config(), signature, readers, limiter)
        .compose(mounted -> CheckoutRoutes.mount(vertx, router, mysql, config()))
        .compose(answers -> vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(true))
            .requestHandler(router)
            .invalidRequestHandler(Problems.invalidRequestHandler())
            .listen(http.port(), http.host()))
        .onSuccess(s -> {
          server = s;
          log.info("ingress listening on http://{}:{} node={}", http.host(), s.actualPort(), node.id());
        });
  }

  /**
   * A stopping node takes no new work: 503 with Retry-After, so a platform or a load balancer tries another node (or
   * this one once restarted). Liveness and metrics still answer; readiness says it is going.
   */
  private void refuseWhileDraining(RoutingContext ctx) {
    String path = ctx.request().path();
    if (!NodeLifecycle.draining(vertx) || path.equals("/health") || path.equals("/metrics")) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("Retry-After", String.valueOf(NodeLifecycle.RETRY_AFTER_SECONDS))
        .putHeader("Connection", "close");
    Problems.send(ctx, 503, "node-stopping", "Node stopping",
        "this node is shutting down; retry in " + NodeLifecycle.RETRY_AFTER_SECONDS + " s");
  }

  /** The operators' token keys, or null when none are configured (the admin API then refuses everyone). */
  private AdminTokens adminTokens() {
    JsonObject jwt = config().getJsonObject("admin", new JsonObject()).getJsonObject("jwt", new JsonObject());
    if (jwt.getString("publicKey") == null) {
      log.warn("no admin.jwt.publicKey: the admin API (/v1/admin/*) refuses every request on this node");
      return null;
    }
    return AdminTokens.fromJson(vertx, config());
  }

  /**
   * The admin dashboard: its page at {@code /admin/} (static files from the classpath) and the event bus bridge at
   * {@code /eventbus/*} that feeds it and carries its commands (see {@link AdminBridge} for what may cross it).
   */
  private void mountAdminDashboard(Router router) {
    AdminBridge.mount(vertx, router, AdminTokens.fromJson(vertx, config()), mysql);
    // The page's links are relative: it must be read as the directory /admin/. (A route "/admin" matches "/admin/" too,
    // hence the exact check.)
    router.get("/admin").handler(ctx -> {
      if (ctx.request().path().equals("/admin")) {
        ctx.redirect("/admin/");
      } else {
        ctx.next();
      }
    });
    router.route("/admin/*").handler(StaticHandler.create("webroot/admin"));
  }

  /** The port the server really listens on (differs from the configured one when that was 0). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  public Future<?> stop() {
    redis.close();
    return Future.join(server == null ? Future.succeededFuture() : server.close(), kafkaAdmin.close(), mysql.close());
  }
}
