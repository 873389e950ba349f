package io.kilosail.admin;

import io.kilosail.access.AccessRules;
import io.kilosail.access.AuditLog;
import io.kilosail.access.Callers;
import io.kilosail.access.RateLimiter;
import io.kilosail.access.Role;
import io.kilosail.web.Problems;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP admin API ({@code /v1/admin/*}: sagas, the catalog) is for operators only, with the same RS256 token the
 * dashboard's bridge takes ({@link AdminTokens}, issued by {@code issue-token}) as {@code Authorization: Bearer}. A
 * request without a valid one gets 401 problem+json {@code admin-token} and reaches nothing; every change made with
 * one is logged with the operator's name. Without keys configured ({@code admin.jwt}) every admin request is refused:
 * an open admin API is never the fallback.
 *
 * <p>A valid token must also carry the role the path needs ({@link AccessRules#adminPath}): 403 problem+json
 * {@code role-required} otherwise. Each operator is held to its rate limit ({@code rateLimits.perOperator}, 429). Every
 * request that changes something (any method but GET) leaves a row in the audit log ({@link AuditLog}) once answered:
 * who, what, on which target, and the outcome (ok, refused, or failed with the status); a route whose change is one
 * transaction writes its own row inside it and sets {@link #AUDITED}.
 */
public final class AdminAuthentication implements Handler<RoutingContext> {

  public static final String PATH = "/v1/admin/*";
  /** Set by a route that wrote its audit row inside its own transaction: no second row after the answer. */
  public static final String AUDITED = "kilosail.audited";
  /** Where the handler leaves the operator's name for the routes behind it. */
  public static final String OPERATOR = "kilosail.operator";
  private static final Logger log = LoggerFactory.getLogger(AdminAuthentication.class);
  private static final String BEARER = "Bearer ";
  private static final int MAX_BODY_BYTES = 64 * 1024;

  private final AdminTokens tokens;
  private final String unavailable;
  private final RateLimiter limiter;
  private final Pool audit;

  private AdminAuthentication(AdminTokens tokens, String unavailable, RateLimiter limiter, Pool audit) {
    this.tokens = tokens;
    this.unavailable = unavailable;
    this.limiter = limiter;
    this.audit = audit;
  }

  /**
   * Guards {@link #PATH} on {@code router}; call before the admin routes are mounted.
   *
   * @param audit where the audit log is written
   */
  public static void mount(Router router, AdminTokens tokens, String unavailable, RateLimiter limiter, Pool audit) {
    // The body is read before the (asynchronous) token check, so a PUT's body is never lost while it waits.
    router.route(PATH).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.route(PATH).handler(new AdminAuthentication(tokens, unavailable, limiter, audit));
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    String method = ctx.request().method().name();
    String path = ctx.request().path();
    if (tokens == null) {
      refuse(ctx, "no operator keys are configured on this node (" + unavailable + ")");
      return;
    }
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      refuse(ctx, "an operator token is required: Authorization: Bearer <token from issue-token>");
      return;
    }
    tokens.verify(header.substring(BEARER.length()).trim())
        .onSuccess(operator -> {
          ctx.put(OPERATOR, operator.name());
          boolean change = ctx.request().method() != HttpMethod.GET;
          if (change) {
            log.info("admin request operator={} method={} path={}", operator.name(), method, path);
            ctx.addEndHandler(ended -> audited(ctx, operator.name()));
          }
          Role needed = AccessRules.adminPath(path);
          if (needed != null && !operator.may(needed)) {
            Callers.forbidden(ctx, needed, "operator " + operator.name() + " has roles "
                + operator.roles().stream().map(Role::id).sorted().toList());
            return;
          }
          limiter.guard(ctx, RateLimiter.Kind.OPERATOR, operator.name(), ctx::next);
        })
        .onFailure(err -> refuse(ctx, "the operator token is not valid: " + err.getMessage()));
  }

  /** The audit row of an answered change: after the fact, with its outcome (the status the operator got). */
  private void audited(RoutingContext ctx, String operator) {
    if (Boolean.TRUE.equals(ctx.get(AUDITED))) {
      return;
    }
    int status = ctx.response().getStatusCode();
    String outcome = status < 400 ? AuditLog.OK : status == 403 || status == 429 ? AuditLog.REFUSED : AuditLog.FAILED;
    // The target is in the path; a route's parameters are not parsed yet when this handler itself refused.
    String target = ctx.pathParam("id") != null ? ctx.pathParam("id") : ctx.pathParam("sku");
    AuditLog.recordAfter(audit, new AuditLog.Entry(operator, AuditLog.CHANNEL_HTTP,
        ctx.request().method().name() + " " + ctx.request().path(), target, outcome, "HTTP " + status));
  }

  private static void refuse(RoutingContext ctx, String why) {
    log.warn("admin request refused method={} path={} from={} reason={}", ctx.request().method(), ctx.request().path(),
        ctx.request().remoteAddress(), why);
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"kilosail-admin\"");
    Problems.send(ctx, 401, "admin-token", "Unauthorized", why);
  }
}
