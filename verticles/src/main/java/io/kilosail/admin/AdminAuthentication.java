package io.kilosail.admin;

import io.kilosail.web.Problems;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP admin API ({@code /v1/admin/*}: sagas, the catalog) is for operators only, with the same RS256 token the
 * dashboard's bridge takes ({@link AdminTokens}, issued by {@code issue-token}) as {@code Authorization: Bearer}. A
 * request without a valid one gets 401 problem+json {@code admin-token} and reaches nothing; every change made with
 * one is logged with the operator's name. Without keys configured ({@code admin.jwt}) every admin request is refused:
 * an open admin API is never the fallback.
 */
public final class AdminAuthentication implements Handler<RoutingContext> {

  public static final String PATH = "/v1/admin/*";
  /** Where the handler leaves the operator's name for the routes behind it. */
  public static final String OPERATOR = "kilosail.operator";
  private static final Logger log = LoggerFactory.getLogger(AdminAuthentication.class);
  private static final String BEARER = "Bearer ";
  private static final int MAX_BODY_BYTES = 64 * 1024;

  private final AdminTokens tokens;
  private final String unavailable;

  private AdminAuthentication(AdminTokens tokens, String unavailable) {
    this.tokens = tokens;
    this.unavailable = unavailable;
  }

  /** Guards {@link #PATH} on {@code router}; call before the admin routes are mounted. */
  public static void mount(Router router, AdminTokens tokens, String unavailable) {
    // The body is read before the (asynchronous) token check, so a PUT's body is never lost while it waits.
    router.route(PATH).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.route(PATH).handler(new AdminAuthentication(tokens, unavailable));
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
          if (ctx.request().method() != HttpMethod.GET) {
            log.info("admin request operator={} method={} path={}", operator.name(), method, path);
          }
          ctx.next();
        })
        .onFailure(err -> refuse(ctx, "the operator token is not valid: " + err.getMessage()));
  }

  private static void refuse(RoutingContext ctx, String why) {
    log.warn("admin request refused method={} path={} from={} reason={}", ctx.request().method(), ctx.request().path(),
        ctx.request().remoteAddress(), why);
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"kilosail-admin\"");
    Problems.send(ctx, 401, "admin-token", "Unauthorized", why);
  }
}
