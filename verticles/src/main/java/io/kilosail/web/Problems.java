package io.kilosail.web;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 9457 problem details: every error kilosail answers over HTTP has this body, so a client can tell what went
 * wrong by reading {@code type} and {@code detail} instead of parsing prose.
 */
public final class Problems {

  public static final String CONTENT_TYPE = "application/problem+json";
  public static final String TYPE_BASE = "https://kilosail.io/problems/";

  private static final Logger log = LoggerFactory.getLogger(Problems.class);

  private Problems() {
  }

  public static JsonObject problem(int status, String type, String title, String detail) {
    return new JsonObject()
        .put("type", TYPE_BASE + type)
        .put("title", title)
        .put("status", status)
        .put("detail", detail);
  }

  public static Future<Void> send(RoutingContext ctx, int status, String type, String title, String detail) {
    return send(ctx, status, type, title, detail, new JsonObject());
  }

  /** As {@link #send(RoutingContext, int, String, String, String)}, with extension members (RFC 9457 section 3.2). */
  public static Future<Void> send(RoutingContext ctx, int status, String type, String title, String detail,
                                  JsonObject extensions) {
    JsonObject body = problem(status, type, title, detail).put("instance", ctx.request().path()).mergeIn(extensions);
    return ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", CONTENT_TYPE)
        .end(body.encode());
  }

  /**
   * Answers the failure of a service proxy call: a service's code 4xxx as HTTP status xxx (the convention of the
   * contracts: 4404 is "not found"), no service on the bus as 503, no answer in time as 504, anything else as 500.
   */
  public static Future<Void> sendServiceFailure(RoutingContext ctx, Throwable failure) {
    if (failure instanceof ServiceException refusal && refusal.failureCode() >= 4400 && refusal.failureCode() < 4500) {
      int status = refusal.failureCode() - 4000;
      return send(ctx, status, "service-" + refusal.failureCode(), statusTitle(status), refusal.getMessage());
    }
    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return send(ctx, 503, "service-unavailable", "Service Unavailable",
          "no node runs the service for this request right now; retry later");
    }
    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT) {
      return send(ctx, 504, "service-timeout", "Gateway Timeout", "the service did not answer in time; retry later");
    }
    log.error("service call failed method={} path={}", ctx.request().method(), ctx.request().path(), failure);
    return send(ctx, 500, "internal-error", "Internal Server Error", "the request could not be completed; it has been logged");
  }

  private static String statusTitle(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 406 -> "Not Acceptable";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      case 415 -> "Unsupported Media Type";
      case 422 -> "Unprocessable Content";
      case 431 -> "Request Header Fields Too Large";
      default -> "Client Error";
    };
  }

  /**
   * For {@code HttpServer.invalidRequestHandler}: a request Netty's codec could not read (request line or headers too
   * long, a malformed request line or header) never reaches the router, and Vert.x's default answers it with an empty
   * body. This answers the same status (414, 431, else 400) as problem+json naming the cause, then closes the
   * connection, as the default does: after a codec error the rest of the bytes on it cannot be trusted.
   */
  public static Handler<HttpServerRequest> invalidRequestHandler() {
    return request -> {
      Throwable cause = request.decoderResult().cause();
      int status;
      String type;
      String detail;
      if (cause instanceof TooLongHttpLineException) {
        status = 414;
        type = "uri-too-long";
        detail = "the request line (method, URI, version) is longer than this server reads";
      } else if (cause instanceof TooLongHttpHeaderException) {
        status = 431;
        type = "headers-too-large";
        detail = "the request's headers are larger than this server reads";
      } else {
        status = 400;
        type = "malformed-request";
        detail = "the request is not well-formed HTTP: "
            + (cause == null || cause.getMessage() == null ? "unreadable request" : cause.getMessage());
      }
      log.debug("invalid HTTP request status={} from={} cause={}", status, request.remoteAddress(), String.valueOf(cause));
      request.response()
          .setStatusCode(status)
          .putHeader("Content-Type", CONTENT_TYPE)
          .putHeader("Connection", "close")
          .end(problem(status, type, statusTitle(status), detail).encode())
          .onComplete(x -> request.connection().close());
    };
  }

  /** Answers unknown paths, wrong methods and unexpected failures with problem+json instead of Vert.x's HTML. */
  public static Router withProblemErrors(Router router) {
    // Failures the router itself raises before any route answers (a path with bad percent-encoding is 400, a body
    // over a BodyHandler's limit 413, ...); each gets its status as problem+json rather than Vert.x's plain text.
    for (int status : new int[] {400, 401, 403, 406, 414, 415, 431}) {
      router.errorHandler(status, ctx -> send(ctx, status, "http-" + status, statusTitle(status),
          "the HTTP layer refused the request before it reached an endpoint (" + statusTitle(status) + ")"));
    }
    router.errorHandler(404, ctx -> send(ctx, 404, "not-found", "Not Found",
        "no resource at " + ctx.request().method() + " " + ctx.request().path()));
    router.errorHandler(405, ctx -> send(ctx, 405, "method-not-allowed", "Method Not Allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    router.errorHandler(413, ctx -> send(ctx, 413, "content-too-large", "Content Too Large",
        "the request body is larger than this endpoint accepts"));
    router.errorHandler(500, ctx -> {
      log.error("request failed method={} path={}", ctx.request().method(), ctx.request().path(), ctx.failure());
      send(ctx, 500, "internal-error", "Internal Server Error",
          "the request could not be completed; it has been logged");
    });
    return router;
  }
}
