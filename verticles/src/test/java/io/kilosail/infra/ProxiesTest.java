package io.kilosail.infra;

import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.DeliveryRequest;
import io.kilosail.contracts.quote.QuoteRequest;
import io.kilosail.contracts.quote.QuoteService;
import io.kilosail.contracts.quote.QuoteServiceVertxEBProxy;
import io.kilosail.contracts.quote.QuoteSet;
import io.kilosail.infra.Proxies.CallPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.serviceproxy.ServiceBinder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A service reached through an address whose registrations include one that never answers (a node that died and is
 * still registered): each call fails over within its own timeout instead of the event bus's 30 s.
 */
class ProxiesTest {

  private static final String ADDRESS = "test.proxies.quote";
  private static final CallPolicy QUICK = new CallPolicy(300, 3, 10, Set.of("quote"));

  private Vertx vertx;

  @BeforeEach
  void createVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aCallThatLandsOnADeadHandlerIsAnsweredByTheLiveOneWithinItsTimeout() throws Exception {
    AtomicInteger unanswered = new AtomicInteger();
    await(vertx.eventBus().consumer(ADDRESS, message -> unanswered.incrementAndGet()).completion());
    await(liveQuoteService().completion());
    QuoteService quotes = Proxies.retrying(vertx, QuoteService.class, QUICK,
        new QuoteServiceVertxEBProxy(vertx, ADDRESS, QUICK.deliveryOptions()));

    for (int i = 0; i < 6; i++) {
      long started = System.nanoTime();
      QuoteSet answer = await(quotes.quote(request("order-" + i)));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(answer.getOrderId()).isEqualTo("order-" + i);
      assertThat(tookMs).as("one timeout at most, then the live handler").isLessThan(1_000);
    }
    assertThat(unanswered.get()).as("round-robin sent some calls to the silent handler").isGreaterThan(0);
  }

  @Test
  void aCallNobodyAnswersFailsAfterItsTriesNotAfterThirtySeconds() throws Exception {
    AtomicInteger unanswered = new AtomicInteger();
    await(vertx.eventBus().consumer(ADDRESS, message -> unanswered.incrementAndGet()).completion());
    QuoteService quotes = Proxies.retrying(vertx, QuoteService.class, QUICK,
        new QuoteServiceVertxEBProxy(vertx, ADDRESS, QUICK.deliveryOptions()));

    long started = System.nanoTime();
    assertThatThrownBy(() -> await(quotes.quote(request("order-1"))))
        .hasRootCauseInstanceOf(ReplyException.class)
        .satisfies(e -> assertThat(((ReplyException) rootCause(e)).failureType()).isEqualTo(ReplyFailure.TIMEOUT));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(unanswered.get()).isEqualTo(3);
    assertThat(tookMs).isBetween(QUICK.timeoutMs() * 3, QUICK.worstCaseMs() + 1_000);
  }

  @Test
  void aCourierCallIsNeverRepeatedItsLostAnswerIsAnUnknownOutcome() throws Exception {
    AtomicInteger received = new AtomicInteger();
    await(vertx.eventBus().consumer(CourierGateway.ADDRESS, message -> received.incrementAndGet()).completion());
    CourierGateway gateway = Proxies.courierGateway(vertx, 300);

    long started = System.nanoTime();
    assertThatThrownBy(() -> await(gateway.placeOrder("uu", new DeliveryRequest().setOrderId("order-1"))))
        .hasRootCauseInstanceOf(ReplyException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(2_000);
    Thread.sleep(300);
    assertThat(received.get()).as("placed once, never again by the proxy").isEqualTo(1);
  }

  @Test
  void aCallThatFindsNoHandlerIsRetriedUntilOneRegisters() throws Exception {
    QuoteService quotes = Proxies.retrying(vertx, QuoteService.class, new CallPolicy(300, 3, 200, Set.of()),
        new QuoteServiceVertxEBProxy(vertx, ADDRESS, QUICK.deliveryOptions()));
    // The service appears while the caller backs off, as when another node takes an address over.
    vertx.setTimer(100, t -> liveQuoteService());
    assertThat(await(quotes.quote(request("order-1"))).getOrderId()).isEqualTo("order-1");
  }

  private io.vertx.core.eventbus.MessageConsumer<?> liveQuoteService() {
    return new ServiceBinder(vertx).setAddress(ADDRESS).register(QuoteService.class,
        request -> Future.succeededFuture(new QuoteSet().setOrderId(request.getDelivery().getOrderId())));
  }

  private static QuoteRequest request(String orderId) {
    return new QuoteRequest().setDelivery(new DeliveryRequest().setOrderId(orderId));
  }

  private static Throwable rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
