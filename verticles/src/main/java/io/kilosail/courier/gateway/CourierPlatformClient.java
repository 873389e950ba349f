package io.kilosail.courier.gateway;

import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.courier.CourierSettings;
import io.kilosail.courier.wire.CourierCancelRequest;
import io.kilosail.courier.wire.CourierCancelled;
import io.kilosail.courier.wire.CourierHttpRequest;
import io.kilosail.courier.wire.CourierOrderDetail;
import io.kilosail.courier.wire.CourierOrderPlaced;
import io.kilosail.courier.wire.CourierOrderRequest;
import io.kilosail.courier.wire.CourierQuote;
import io.kilosail.courier.wire.CourierRejectedException;
import io.kilosail.courier.wire.CourierTipAdded;
import io.kilosail.courier.wire.CourierWire;
import io.kilosail.courier.wire.CourierWireException;
import io.kilosail.courier.wire.FengniaoWire;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One courier platform as kilosail calls it: its {@link CourierWire} signs the request and reads the answer, a shared
 * {@link WebClient} sends it with the platform's HTTP timeout, and the platform's own {@link CircuitBreaker} stops
 * calling it after repeated failures so a platform that is down costs its callers nothing but an immediate
 * {@link CourierGateway#CIRCUIT_OPEN}.
 *
 * <p>Every failure leaves as a {@link ServiceException} with a {@link CourierGateway} code, so the gateway verticle
 * passes it across the bus unchanged and the {@code QuoteCollector} reads the same codes locally. Only
 * {@link CourierGateway#REJECTED} does not count towards the circuit: a refusal is the platform working.
 *
 * <p>Meters (node registry): {@code kilosail.courier.calls} (platform, operation, outcome = ok or the failure name),
 * {@code kilosail.courier.call.duration} (platform, operation), {@code kilosail.courier.circuit.state} (platform;
 * 0 closed, 1 half-open, 2 open).
 *
 * <p>Fengniao needs an OAuth access token on every request: with {@link FengniaoTokens} the client binds the current
 * token to the wire before building a request, and when Fengniao refuses the token it renews it and sends once more.
 */
public final class CourierPlatformClient {

  private static final Logger log = LoggerFactory.getLogger(CourierPlatformClient.class);

  private final CourierSettings.Platform settings;
  private final WebClient web;
  private final CircuitBreaker breaker;
  private final MeterRegistry registry;
  private final Gauge circuitGauge;
  /** Fengniao's token holder; null for the platforms that sign without a token. */
  private final FengniaoTokens tokens;

  public CourierPlatformClient(Vertx vertx, WebClient web, CourierSettings.Platform settings, MeterRegistry registry) {
    this(vertx, web, settings, registry, null);
  }

  public CourierPlatformClient(Vertx vertx, WebClient web, CourierSettings.Platform settings, MeterRegistry registry,
                               FengniaoTokens tokens) {
    if (tokens == null && settings.wire() instanceof FengniaoWire) {
      throw new IllegalArgumentException("Fengniao calls need its token holder (FengniaoTokens)");
    }
    this.tokens = tokens;
    this.settings = settings;
    this.web = web;
    this.registry = registry;
    String id = settings.platform().id();
    CourierSettings.Circuit circuit = settings.circuit();
    this.breaker = CircuitBreaker.create("courier-" + id, vertx, new CircuitBreakerOptions()
            .setMaxFailures(circuit.maxFailures())
            .setTimeout(circuit.timeoutMs())
            .setResetTimeout(circuit.resetTimeoutMs())
            // No retries here: the caller decides from its persisted state; a retry inside would hide the time spent.
            .setMaxRetries(0))
        .<Object>failurePolicy(result -> result.failed() && !isRejection(result.cause()))
        .openHandler(v -> log.warn("courier circuit open platform={} resetTimeoutMs={}", id, circuit.resetTimeoutMs()))
        .halfOpenHandler(v -> log.info("courier circuit half-open platform={}", id))
        .closeHandler(v -> log.info("courier circuit closed platform={}", id));
    this.circuitGauge = Gauge.builder("kilosail.courier.circuit.state", breaker, b -> switch (b.state()) {
          case CLOSED -> 0;
          case HALF_OPEN -> 1;
          case OPEN -> 2;
        })
        .description("courier platform circuit: 0 closed, 1 half-open, 2 open")
        .tag("platform", id)
        .strongReference(true)
        .register(registry);
  }

  public CourierPlatform platform() {
    return settings.platform();
  }

  /** True when placing an order needs a quote token (UU, Shansong). */
  public boolean placesWithQuoteToken() {
    return settings.wire().placesWithQuoteToken();
  }

  public CircuitBreakerState circuitState() {
    return breaker.state();
  }

  public Future<CourierQuote> quote(CourierOrderRequest order) {
    return call("quote", wire -> wire.quote(order), settings.wire()::readQuote);
  }

  public Future<CourierOrderPlaced> placeOrder(CourierOrderRequest order) {
    return call("create", wire -> wire.createOrder(order), body -> settings.wire().readCreateOrder(order, body));
  }

  /**
   * Cancels; Fengniao in its two steps: {@code preCancelOrder} states the cost, {@code cancelOrder} accepts it, and
   * that stated cost is the penalty reported.
   */
  public Future<CourierCancelled> cancel(CourierCancelRequest cancel) {
    if (settings.wire() instanceof FengniaoWire fengniao) {
      return call("precancel", wire -> ((FengniaoWire) wire).preCancel(cancel), fengniao::readPreCancel)
          .compose(cost -> call("cancel", wire -> ((FengniaoWire) wire).cancel(cancel, cost), fengniao::readCancel)
              .map(done -> new CourierCancelled(done.platformOrderId(), cost)));
    }
    return call("cancel", wire -> wire.cancel(cancel), settings.wire()::readCancel);
  }

  /**
   * The platform's order-detail query for our order, under {@code account} (null: the default account): its answer,
   * or null when the platform has no such order (the wire reads "not found" as null). Fails with
   * {@link CourierGateway#NOT_SUPPORTED}, sending nothing, when the wire has no such query yet.
   */
  public Future<CourierOrderDetail> orderDetail(String account, String orderId, String platformOrderId) {
    return call("detail", wire -> wire.orderDetail(account, orderId, platformOrderId), body -> {
      try {
        return settings.wire().readOrderDetail(body);
      } catch (UnsupportedOperationException e) {
        // A wire that builds the query but cannot read its answer is as good as none: the caller falls back.
        throw new CourierWireException(e.getMessage());
      }
    });
  }

  /**
   * Adds a tip under {@code account} (null: the default account); fails with {@link CourierGateway#NOT_SUPPORTED},
   * sending nothing, where the wire has no tip call.
   */
  public Future<CourierTipAdded> addTip(String account, String orderId, String platformOrderId, long tipFen,
                                        String key) {
    return call("tip", wire -> wire.addTip(account, orderId, platformOrderId, tipFen, key), body -> {
      try {
        return settings.wire().readAddTip(body);
      } catch (UnsupportedOperationException e) {
        throw new CourierWireException(e.getMessage());
      }
    });
  }

  /**
   * The prepaid balance of {@code account} (null: the default account) in fen; fails with
   * {@link CourierGateway#NOT_SUPPORTED}, sending nothing, where the wire has no balance query.
   */
  public Future<Long> accountBalance(String account) {
    return call("balance", wire -> wire.accountBalance(account), body -> {
      try {
        return settings.wire().readAccountBalance(body);
      } catch (UnsupportedOperationException e) {
        throw new CourierWireException(e.getMessage());
      }
    });
  }

  /** Forgets the breaker (its timers) and the gauge; the WebClient belongs to whoever created it. */
  public void close() {
    breaker.close();
    registry.remove(circuitGauge);
  }

  private <T> Future<T> call(String operation, Function<CourierWire, CourierHttpRequest> build,
                             Function<String, T> reader) {
    if (tokens == null) {
      return attempt(operation, settings.wire(), build, reader);
    }
    FengniaoWire fengniao = (FengniaoWire) settings.wire();
    return tokens.accessToken()
        .recover(err -> Future.failedFuture(tokenFailure(err)))
        .compose(token -> attempt(operation, fengniao.withAccessToken(token), build, reader)
            .recover(err -> !isTokenRejection(err) ? Future.failedFuture(err)
                : tokens.renewAfterRejection(token)
                    .recover(renewal -> Future.failedFuture(tokenFailure(renewal)))
                    .compose(renewed -> attempt(operation, fengniao.withAccessToken(renewed), build, reader))));
  }

  /** No token, so the request was never sent: a refusal of the token request, or the platform unreachable. */
  private ServiceException tokenFailure(Throwable err) {
    if (err instanceof CourierRejectedException rejected) {
      return failure(CourierGateway.REJECTED, "Fengniao refused the token request: " + rejected.getMessage(),
          new JsonObject().put("platformCode", rejected.code()));
    }
    return failure(CourierGateway.PLATFORM_DOWN, "no Fengniao access token: " + err.getMessage(), null);
  }

  private static boolean isTokenRejection(Throwable err) {
    return err instanceof ServiceException e && e.failureCode() == CourierGateway.REJECTED && e.getDebugInfo() != null
        && FengniaoWire.isTokenRejection(e.getDebugInfo().getString("platformCode"));
  }

  private <T> Future<T> attempt(String operation, CourierWire wire, Function<CourierWire, CourierHttpRequest> build,
                                Function<String, T> reader) {
    long started = System.nanoTime();
    CourierHttpRequest request;
    try {
      request = build.apply(wire);
    } catch (UnsupportedOperationException e) {
      // The wire has no such call (an order-detail query not implemented): nothing is sent, nothing counted.
      return Future.failedFuture(failure(CourierGateway.NOT_SUPPORTED, e.getMessage(), null));
    } catch (RuntimeException e) {
      // The wire refused to sign it (a null field it needs): our request is wrong, the platform was never asked.
      return record(operation, started, Future.failedFuture(failure(CourierGateway.INVALID_REQUEST,
          "cannot build the " + operation + " request: " + e.getMessage(), null)));
    }
    Future<T> result = breaker.<T>execute(() -> send(request, reader))
        .recover(err -> Future.failedFuture(classify(operation, err)));
    return record(operation, started, result);
  }

  private <T> Future<T> send(CourierHttpRequest request, Function<String, T> reader) {
    var post = web.postAbs(settings.baseUrl() + request.pathAndQuery())
        .timeout(settings.timeoutMs())
        .putHeader("Content-Type", request.contentType());
    request.headers().forEach(post::putHeader);
    return post
        .sendBuffer(Buffer.buffer(request.body()))
        .compose(response -> read(response, reader));
  }

  private <T> Future<T> read(HttpResponse<Buffer> response, Function<String, T> reader) {
    int status = response.statusCode();
    if (status >= 500) {
      return Future.failedFuture(failure(CourierGateway.PLATFORM_DOWN,
          settings.platform().id() + " answered HTTP " + status, new JsonObject().put("httpStatus", status)));
    }
    String body = response.bodyAsString();
    try {
      // A 4xx carries the platform's error envelope, which the wire reads as a refusal like a 200 with an error code.
      T value = reader.apply(body == null ? "" : body);
      if (status >= 300) {
        return Future.failedFuture(failure(CourierGateway.BAD_ANSWER,
            settings.platform().id() + " answered HTTP " + status + " with a body that reads as success",
            new JsonObject().put("httpStatus", status)));
      }
      return Future.succeededFuture(value);
    } catch (CourierRejectedException e) {
      return Future.failedFuture(failure(CourierGateway.REJECTED, e.getMessage(),
          new JsonObject().put("platformCode", e.code()).put("httpStatus", status)));
    } catch (CourierWireException e) {
      return Future.failedFuture(failure(CourierGateway.BAD_ANSWER, e.getMessage(),
          new JsonObject().put("httpStatus", status)));
    }
  }

  private ServiceException classify(String operation, Throwable err) {
    if (err instanceof ServiceException known) {
      return known;
    }
    String id = settings.platform().id();
    if (err instanceof OpenCircuitException) {
      return failure(CourierGateway.CIRCUIT_OPEN, id + " circuit is open: not called", null);
    }
    if (err instanceof io.vertx.circuitbreaker.TimeoutException || err instanceof TimeoutException) {
      return failure(CourierGateway.TIMEOUT, id + " did not answer " + operation + " in time", null);
    }
    if (neverSent(err)) {
      return failure(CourierGateway.PLATFORM_DOWN, id + " unreachable: " + err, null);
    }
    // The request may have reached the platform before the connection went (reset, closed by a stopping node).
    return failure(CourierGateway.CONNECTION_LOST, id + " connection lost during " + operation + ": " + err, null);
  }

  /** Connection refused or timed out, unknown host: no byte of the request reached the platform. */
  private static boolean neverSent(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
          || t instanceof java.net.NoRouteToHostException) {
        return true;
      }
    }
    return false;
  }

  private ServiceException failure(int code, String message, JsonObject debug) {
    return new ServiceException(code, message,
        (debug == null ? new JsonObject() : debug).put("platform", settings.platform().id()));
  }

  private <T> Future<T> record(String operation, long started, Future<T> result) {
    return result.andThen(ar -> {
      long nanos = System.nanoTime() - started;
      String outcome = ar.succeeded() ? "ok" : outcomeName(ar.cause());
      String id = settings.platform().id();
      Counter.builder("kilosail.courier.calls").tag("platform", id).tag("operation", operation)
          .tag("outcome", outcome).register(registry).increment();
      Timer.builder("kilosail.courier.call.duration").tag("platform", id).tag("operation", operation)
          .register(registry).record(nanos, TimeUnit.NANOSECONDS);
      if (ar.failed()) {
        log.info("courier call failed platform={} operation={} outcome={} ms={} reason={}", id, operation, outcome,
            TimeUnit.NANOSECONDS.toMillis(nanos), ar.cause().getMessage());
      }
    });
  }

  static String outcomeName(Throwable err) {
    if (!(err instanceof ServiceException e)) {
      return "error";
    }
    return switch (e.failureCode()) {
      case CourierGateway.INVALID_REQUEST -> "invalid_request";
      case CourierGateway.REJECTED -> "rejected";
      case CourierGateway.BAD_ANSWER -> "bad_answer";
      case CourierGateway.PLATFORM_DOWN -> "platform_down";
      case CourierGateway.TIMEOUT -> "timeout";
      case CourierGateway.CONNECTION_LOST -> "connection_lost";
      case CourierGateway.CIRCUIT_OPEN -> "circuit_open";
      case CourierGateway.NOT_SUPPORTED -> "not_supported";
      default -> "error";
    };
  }

  private static boolean isRejection(Throwable err) {
    return err instanceof ServiceException e && e.failureCode() == CourierGateway.REJECTED;
  }
}
