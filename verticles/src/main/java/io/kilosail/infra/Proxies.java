package io.kilosail.infra;

import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierGatewayVertxEBProxy;
import io.kilosail.contracts.dispatch.DispatchService;
import io.kilosail.contracts.dispatch.DispatchServiceVertxEBProxy;
import io.kilosail.contracts.payment.PaymentChannel;
import io.kilosail.contracts.payment.PaymentChannelVertxEBProxy;
import io.kilosail.contracts.quote.QuoteService;
import io.kilosail.contracts.quote.QuoteServiceVertxEBProxy;
import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.contracts.saga.SagaCoordinatorServiceVertxEBProxy;
import io.kilosail.contracts.stock.StockService;
import io.kilosail.contracts.stock.StockServiceVertxEBProxy;
import io.kilosail.courier.CourierSettings;
import io.kilosail.quote.QuotingSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Clock;
import java.util.Set;

/**
 * Every service proxy of kilosail, created in one place with a timeout sized to its operation and, where the operation
 * is idempotent, a bounded retry. The event bus default (30 s) is far too long: a request sent to a node that has just
 * died is never answered (the clustered event bus does not fail a request whose connection broke), so its caller
 * would wait the whole timeout while holding whatever it holds (an idempotent consumer's key slot, a saga step).
 *
 * <p>A clustered address is served round-robin by its registrations, so a second try usually reaches a live node, and
 * once Hazelcast has dropped the dead member (see {@code HazelcastClusterConfig}) every try does. What is retried:
 * <ul>
 *   <li>{@link ReplyFailure#NO_HANDLERS}: nothing was delivered, so trying again is always safe;</li>
 *   <li>{@link ReplyFailure#TIMEOUT}: the outcome is unknown, so only operations that are idempotent by contract
 *   (keyed by business key or saga step, or read-only) are retried.</li>
 * </ul>
 * The courier gateway is never retried here: a lost answer to a placement or a cancellation is an unknown outcome
 * that dispatch resolves from its own state (design.md, "an answer that never came"); it only gets its timeout.
 */
public final class Proxies {

  private static final Logger log = LoggerFactory.getLogger(Proxies.class);

  /**
   * How one service is called.
   *
   * @param timeoutMs           how long one try waits for its answer
   * @param attempts            tries in all (1: never retried)
   * @param backoffMs           pause before the second try, doubled for each further one
   * @param idempotentOperations methods retried after a timeout too; every other one only when no handler was found
   */
  public record CallPolicy(long timeoutMs, int attempts, long backoffMs, Set<String> idempotentOperations) {

    public CallPolicy {
      if (timeoutMs < 1 || attempts < 1 || backoffMs < 0) {
        throw new IllegalArgumentException("timeoutMs and attempts must be positive, backoffMs not negative");
      }
      idempotentOperations = Set.copyOf(idempotentOperations);
    }

    public DeliveryOptions deliveryOptions() {
      return new DeliveryOptions().setSendTimeout(timeoutMs);
    }

    /** The longest a call can take with every try timing out: what a caller may hold while it waits. */
    public long worstCaseMs() {
      long total = 0;
      for (int attempt = 1; attempt <= attempts; attempt++) {
        total += timeoutMs + (attempt < attempts ? backoffMs << (attempt - 1) : 0);
      }
      return total;
    }
  }

  /**
   * Start and signal write one saga row (group-committed) and answer; 3 s is far above their normal few ms. Start is
   * idempotent per (type, business key), a signal by the saga's version guard, reads are reads. An operator's retry or
   * compensate answers 409 when repeated after it took effect, so those are retried only when nothing was delivered.
   */
  public static final CallPolicy SAGA_COORDINATOR = new CallPolicy(3_000, 3, 100,
      Set.of("start", "signal", "find", "findByBusinessKey"));

  /**
   * Dispatch records its candidates and offers the order in one transaction (the courier calls run after the answer);
   * both operations go through the saga barrier, so a repeat is a no-op. 4 s keeps one try inside the delivery saga's
   * 5 s step timeout, which bounds the step whatever happens here.
   */
  public static final CallPolicy DISPATCH = new CallPolicy(4_000, 2, 100, Set.of("dispatch", "withdraw"));

  /** Stock operations are one short transaction each, through the saga barrier. */
  public static final CallPolicy STOCK = new CallPolicy(3_000, 2, 100, Set.of("reserve", "commit", "release"));

  /**
   * A payment channel calls its provider over HTTP: Stripe's default call timeout (10 s, {@code stripe.timeoutMs})
   * plus a margin. Creating a payment answers the first outcome when repeated for the order; cancelling is safe to
   * repeat.
   */
  public static final CallPolicy PAYMENT = new CallPolicy(11_000, 2, 200,
      Set.of("createPayment", "cancelPayment", "find"));

  /** Margin above the callee's own deadline, for the hop across the bus and a busy event loop. */
  static final long MARGIN_MS = 1_000;

  private Proxies() {
  }

  public static SagaCoordinatorService sagaCoordinator(Vertx vertx) {
    return retrying(vertx, SagaCoordinatorService.class, SAGA_COORDINATOR,
        new SagaCoordinatorServiceVertxEBProxy(vertx, SagaCoordinatorService.ADDRESS,
            SAGA_COORDINATOR.deliveryOptions()));
  }

  /** Quoting answers within its Redis wait and its per-platform call timeout (the platforms are asked in parallel). */
  public static QuoteService quote(Vertx vertx, JsonObject config) {
    QuotingSettings quoting = QuotingSettings.fromJson(config);
    CallPolicy policy = new CallPolicy(quoting.cacheTimeoutMs() + quoting.callTimeoutMs() + MARGIN_MS / 2, 2, 100,
        Set.of("quote"));
    return retrying(vertx, QuoteService.class, policy,
        new QuoteServiceVertxEBProxy(vertx, QuoteService.ADDRESS, policy.deliveryOptions()));
  }

  public static DispatchService dispatch(Vertx vertx) {
    return retrying(vertx, DispatchService.class, DISPATCH,
        new DispatchServiceVertxEBProxy(vertx, DispatchService.ADDRESS, DISPATCH.deliveryOptions()));
  }

  public static StockService stock(Vertx vertx) {
    return retrying(vertx, StockService.class, STOCK,
        new StockServiceVertxEBProxy(vertx, StockService.ADDRESS, STOCK.deliveryOptions()));
  }

  public static PaymentChannel paymentChannel(Vertx vertx, String channel) {
    return retrying(vertx, PaymentChannel.class, PAYMENT,
        new PaymentChannelVertxEBProxy(vertx, PaymentChannel.address(channel), PAYMENT.deliveryOptions()));
  }

  /**
   * The courier gateway as dispatch calls it: the longest a gateway call can take on any configured platform (its HTTP
   * timeout, or its circuit breaker's backstop if that is longer) plus a margin. Never retried (see the class).
   */
  public static CourierGateway courierGateway(Vertx vertx, JsonObject config) {
    long longestCall = Math.max(CourierSettings.DEFAULT_TIMEOUT_MS, CourierSettings.DEFAULT_CIRCUIT_TIMEOUT_MS);
    try {
      longestCall = CourierSettings.fromJson(config, Clock.systemUTC()).platforms().values().stream()
          .mapToLong(p -> Math.max(p.timeoutMs(), p.circuit().timeoutMs()))
          .max().orElse(longestCall);
    } catch (RuntimeException badSection) {
      // The gateway itself reports a bad couriers section; its callers keep the default deadline.
    }
    return courierGateway(vertx, longestCall + MARGIN_MS);
  }

  /** The courier gateway with a deadline of the caller's own (quoting gives each platform its call timeout). */
  public static CourierGateway courierGateway(Vertx vertx, long timeoutMs) {
    return new CourierGatewayVertxEBProxy(vertx, CourierGateway.ADDRESS,
        new DeliveryOptions().setSendTimeout(timeoutMs));
  }

  /**
   * Wraps a proxy so that its {@code Future}-returning operations are tried again as {@link CallPolicy} allows. The
   * retry runs on the caller's context (the future's callbacks do), and never blocks.
   */
  public static <T> T retrying(Vertx vertx, Class<T> contract, CallPolicy policy, T target) {
    if (policy.attempts() == 1) {
      return target;
    }
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return method.invoke(target, args);
      }
      if (!Future.class.isAssignableFrom(method.getReturnType())) {
        return invoke(target, method, args);
      }
      return call(vertx, contract, policy, target, method, args, 1);
    };
    return contract.cast(java.lang.reflect.Proxy.newProxyInstance(contract.getClassLoader(),
        new Class<?>[] {contract}, handler));
  }

  private static <T> Future<Object> call(Vertx vertx, Class<T> contract, CallPolicy policy, T target, Method method,
                                         Object[] args, int attempt) {
    Future<Object> result;
    try {
      result = (Future<Object>) invoke(target, method, args);
    } catch (Throwable e) {
      return Future.failedFuture(e);
    }
    return result.recover(failure -> {
      if (attempt >= policy.attempts() || !mayRetry(policy, method, failure)) {
        return Future.failedFuture(failure);
      }
      long backoff = policy.backoffMs() << (attempt - 1);
      log.info("event-bus call retried service={} operation={} attempt={} failure={} retryInMs={}",
          contract.getSimpleName(), method.getName(), attempt, ((ReplyException) failure).failureType(), backoff);
      return vertx.timer(Math.max(1, backoff))
          .compose(x -> call(vertx, contract, policy, target, method, args, attempt + 1));
    });
  }

  static boolean mayRetry(CallPolicy policy, Method method, Throwable failure) {
    if (!(failure instanceof ReplyException reply)) {
      return false;
    }
    return reply.failureType() == ReplyFailure.NO_HANDLERS
        || reply.failureType() == ReplyFailure.TIMEOUT && policy.idempotentOperations().contains(method.getName());
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
