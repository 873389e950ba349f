package io.kilosail.access;

import io.kilosail.admin.AdminTokens;
import io.kilosail.intake.PlatformSignature;
import io.kilosail.web.Problems;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * Who is reading: the gate in front of every read of orders and money ({@code GET /v1/orders...},
 * {@code GET /v1/settlements...}). A caller proves who it is in one of three ways, tried in this order:
 * <ol>
 *   <li>a food platform: the intake's signature ({@code X-Kilosail-Platform}, {@code X-Kilosail-Timestamp},
 *   {@code X-Kilosail-Signature}) over {@link #signedRead the request line's method and target};</li>
 *   <li>an operator: {@code Authorization: Bearer <token from issue-token>};</li>
 *   <li>a shop customer: {@code X-Kilosail-Order-Secret}, the secret the checkout answered (it opens one order).</li>
 * </ol>
 * Without any: 401 problem+json, nothing read. The caller is then counted against its rate limit and left on the
 * context ({@link #of}); each route decides what that caller may see ({@link #requireRole} for operators, ownership
 * for platforms and customers, answered 404 so nobody learns that another's order exists).
 */
public final class Callers {

  public static final String PLATFORM_HEADER = "X-Kilosail-Platform";
  public static final String TIMESTAMP_HEADER = "X-Kilosail-Timestamp";
  public static final String SIGNATURE_HEADER = "X-Kilosail-Signature";
  public static final String ORDER_SECRET_HEADER = "X-Kilosail-Order-Secret";
  private static final String BEARER = "Bearer ";
  private static final String CALLER = "kilosail.caller";
  private static final Logger log = LoggerFactory.getLogger(Callers.class);

  /** A caller that proved who it is. */
  public sealed interface Caller permits PlatformCaller, OperatorCaller, CustomerCaller {
  }

  /** A food platform, by its signature. */
  public record PlatformCaller(String platform) implements Caller {
  }

  /** An operator, by a valid token; what it may read depends on the token's roles. */
  public record OperatorCaller(AdminTokens.Operator operator) implements Caller {
  }

  /** A shop customer holding an order's read secret (only its hash is compared, see {@link OrderSecrets}). */
  public record CustomerCaller(String secretHash) implements Caller {
  }

  private final PlatformSignature signature;
  private final AdminTokens tokens;
  private final RateLimiter limiter;

  /** @param tokens null when this node has no operator keys: operators are then refused */
  public Callers(PlatformSignature signature, AdminTokens tokens, RateLimiter limiter) {
    this.signature = signature;
    this.tokens = tokens;
    this.limiter = limiter;
  }

  /**
   * The bytes a food platform signs for a read (a request without a body): the method, one space and the request
   * target exactly as on the request line (path and query, as sent), in UTF-8. So {@code GET /v1/orders/0190...}
   * signed at 1733480000 is {@code v1=hex(HMAC-SHA256(secret, "1733480000.GET /v1/orders/0190..."))}. Binding the
   * target means a captured signature cannot be reused for another order, and the timestamp limits replays of this
   * one to the intake's tolerance.
   */
  public static byte[] signedRead(String method, String target) {
    return (method + " " + target).getBytes(StandardCharsets.UTF_8);
  }

  /** The handler that identifies the caller of a read, or answers 401 (or 429). */
  public Handler<RoutingContext> readers() {
    return this::identify;
  }

  /** The caller {@link #readers} identified on this request. */
  public static Caller of(RoutingContext ctx) {
    return ctx.get(CALLER);
  }

  private void identify(RoutingContext ctx) {
    String platform = ctx.request().getHeader(PLATFORM_HEADER);
    String authorization = ctx.request().getHeader("Authorization");
    String orderSecret = ctx.request().getHeader(ORDER_SECRET_HEADER);
    if (platform != null) {
      PlatformSignature.Verdict verdict = signature.verify(platform, ctx.request().getHeader(TIMESTAMP_HEADER),
          ctx.request().getHeader(SIGNATURE_HEADER), signedRead(ctx.request().method().name(), ctx.request().uri()));
      if (!verdict.ok()) {
        unauthorized(ctx, "signature-invalid", verdict.detail() + " (a read signs \"<timestamp>.<METHOD> <target>\","
            + " see docs/security.md)");
        return;
      }
      ctx.put(CALLER, new PlatformCaller(platform));
      limiter.guard(ctx, RateLimiter.Kind.PLATFORM, platform, ctx::next);
    } else if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      if (tokens == null) {
        unauthorized(ctx, "admin-token", "no operator keys are configured on this node (admin.jwt.publicKey)");
        return;
      }
      tokens.verify(authorization.substring(BEARER.length()).trim())
          .onSuccess(operator -> {
            ctx.put(CALLER, new OperatorCaller(operator));
            limiter.guard(ctx, RateLimiter.Kind.OPERATOR, operator.name(), ctx::next);
          })
          .onFailure(err -> unauthorized(ctx, "admin-token", "the operator token is not valid: " + err.getMessage()));
    } else if (orderSecret != null && !orderSecret.isBlank()) {
      ctx.put(CALLER, new CustomerCaller(OrderSecrets.hash(orderSecret.trim())));
      limiter.guard(ctx, RateLimiter.Kind.ADDRESS, ctx.request().remoteAddress().hostAddress(), ctx::next);
    } else {
      unauthorized(ctx, "credentials-required", "this read needs credentials: a food platform's signature"
          + " (X-Kilosail-Platform, X-Kilosail-Timestamp, X-Kilosail-Signature), an operator token (Authorization:"
          + " Bearer) or, for a shop order, the secret its checkout answered (X-Kilosail-Order-Secret)");
    }
  }

  /**
   * True when the caller is an operator holding {@code role}; otherwise answers 403 (another kind of caller, or an
   * operator without the role) and false.
   */
  public static boolean requireRole(RoutingContext ctx, Role role) {
    Caller caller = of(ctx);
    if (caller instanceof OperatorCaller op && op.operator().may(role)) {
      return true;
    }
    String who = caller instanceof OperatorCaller op ? "operator " + op.operator().name() + " has roles "
        + op.operator().roles().stream().map(Role::id).sorted().toList()
        : caller instanceof PlatformCaller p ? "food platform " + p.platform() + " is no operator" : "a shop customer"
        + " is no operator";
    forbidden(ctx, role, who);
    return false;
  }

  /** 403: the caller is known but {@code role} is needed. */
  public static void forbidden(RoutingContext ctx, Role role, String who) {
    log.warn("access refused method={} path={} need={} who={}", ctx.request().method(), ctx.request().path(),
        role.id(), who);
    Problems.send(ctx, 403, "role-required", "Forbidden", "this needs the '" + role.id() + "' role; " + who);
  }

  private static void unauthorized(RoutingContext ctx, String type, String detail) {
    log.warn("read refused method={} path={} from={} reason={}", ctx.request().method(), ctx.request().path(),
        ctx.request().remoteAddress(), type);
    Problems.send(ctx, 401, type, "Unauthorized", detail);
  }
}
