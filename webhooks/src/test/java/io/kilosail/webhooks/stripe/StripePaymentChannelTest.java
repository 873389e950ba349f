package io.kilosail.webhooks.stripe;

import io.kilosail.contracts.payment.PaymentChannel;
import io.kilosail.contracts.payment.PaymentLine;
import io.kilosail.contracts.payment.PaymentRequest;
import io.kilosail.contracts.payment.PaymentSession;
import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.payment.stripe.StripePaymentVerticle;
import io.kilosail.simulators.courier.CourierSimulatorVerticle;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Stripe payment channel as the checkout saga calls it, over the event bus, against the Stripe simulator and the
 * real embedded MariaDB (no webhook here: what the channel knows it learns from Stripe's API): a repeated create opens
 * one session; undoing expires an open session and refunds a paid one, once; an undo that overtakes its create wins;
 * Stripe down is a retryable failure and opens the circuit.
 */
@ExtendWith(KilosailInfraExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StripePaymentChannelTest {

  private static Vertx vertx;
  private static WebClient client;
  private static PaymentChannel channel;
  private static int simulatorPort;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    CourierSimulatorVerticle simulator = new CourierSimulatorVerticle();
    await(vertx.deployVerticle(simulator, new DeploymentOptions().setConfig(new JsonObject().put("port", 0)
        .put("stripe", new JsonObject().put("secretKey", "sk_test_channel")))));
    simulatorPort = simulator.actualPort();
    JsonObject config = infra.config()
        .put("node", new JsonObject().put("id", "stripe-channel-test").put("metricsRegistry",
            "stripe-channel-test-" + UUID.randomUUID()))
        .put("payments", new JsonObject().put("stripe", new JsonObject()
            .put("apiBase", "http://127.0.0.1:" + simulatorPort + "/stripe").put("secretKey", "sk_test_channel")
            .put("circuit", new JsonObject().put("maxFailures", 3).put("resetTimeoutMs", 1_000))));
    await(vertx.deployVerticle(new StripePaymentVerticle(), new DeploymentOptions().setConfig(config)));
    channel = PaymentChannel.createProxy(vertx, "stripe");
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void aRepeatedCreateOpensOneSessionAndUndoExpiresIt() throws Exception {
    PaymentRequest request = request();
    PaymentSession first = await(channel.createPayment(step("create-payment", 1), request));
    PaymentSession again = await(channel.createPayment(step("create-payment", 2), request));

    assertThat(first.getState()).isEqualTo("OPEN");
    assertThat(first.getUrl()).contains("/stripe/pay/" + first.getPaymentId());
    assertThat(again.getPaymentId()).isEqualTo(first.getPaymentId());
    assertThat(stripeSession(first).getString("status")).isEqualTo("open");

    PaymentSession undone = await(channel.cancelPayment(step("create-payment", 1), request.getOrderId()));
    assertThat(undone.getState()).isEqualTo("EXPIRED");
    assertThat(stripeSession(first).getString("status")).isEqualTo("expired");
    assertThat(await(channel.cancelPayment(step("create-payment", 2), request.getOrderId())).getState())
        .isEqualTo("EXPIRED");
  }

  @Test
  void undoingAPaidPaymentRefundsItOnce() throws Exception {
    PaymentRequest request = request();
    PaymentSession open = await(channel.createPayment(step("create-payment", 1), request));
    HttpResponse<Buffer> paid = await(client.post(simulatorPort, "127.0.0.1", "/_control/stripe/sessions/"
        + open.getPaymentId() + "/pay").sendJsonObject(new JsonObject().put("outcome", "paid")));
    assertThat(paid.statusCode()).as(paid.bodyAsString()).isEqualTo(200);

    // Our record still says OPEN (no webhook here): the channel asks Stripe, which says paid.
    PaymentSession refunded = await(channel.cancelPayment(step("create-payment", 1), request.getOrderId()));
    PaymentSession again = await(channel.cancelPayment(step("create-payment", 2), request.getOrderId()));

    assertThat(refunded.getState()).isEqualTo("REFUNDED");
    assertThat(refunded.getRefundId()).startsWith("re_");
    assertThat(again.getRefundId()).isEqualTo(refunded.getRefundId());
    assertThat(control(open).getJsonArray("refunds")).hasSize(1);
    assertThat(control(open).getJsonArray("refunds").getJsonObject(0).getLong("amount"))
        .isEqualTo(request.getAmountMinor());
  }

  @Test
  void anUndoThatOvertakesItsCreateLeavesNothingOpen() throws Exception {
    PaymentRequest request = request();
    PaymentSession cancelled = await(channel.cancelPayment(step("create-payment", 1), request.getOrderId()));
    assertThat(cancelled.getState()).isEqualTo("CANCELLED");

    assertThatThrownBy(() -> await(channel.createPayment(step("create-payment", 1), request)))
        .cause().isInstanceOf(ServiceException.class)
        .satisfies(e -> assertThat(((ServiceException) e).failureCode()).isEqualTo(PaymentChannel.REFUSED_BY_PROVIDER));
    assertThat(await(channel.find(request.getOrderId())).getState()).isEqualTo("CANCELLED");
  }

  @Test
  void anInconsistentRequestIsRefusedBeforeStripeIsAsked() {
    PaymentRequest wrongTotal = request().setAmountMinor(1);
    PaymentRequest tooSoon = request().setExpiresAtEpochSeconds(Instant.now().plusSeconds(600).getEpochSecond());

    for (PaymentRequest bad : List.of(wrongTotal, tooSoon)) {
      assertThatThrownBy(() -> await(channel.createPayment(step("create-payment", 1), bad)))
          .cause().isInstanceOf(ServiceException.class)
          .satisfies(e -> assertThat(((ServiceException) e).failureCode()).isEqualTo(PaymentChannel.INVALID_REQUEST));
    }
    assertThatThrownBy(() -> await(channel.find(wrongTotal.getOrderId()))).cause()
        .satisfies(e -> assertThat(((ServiceException) e).failureCode()).isEqualTo(PaymentChannel.PAYMENT_NOT_FOUND));
  }

  @Test
  @Order(Integer.MAX_VALUE) // last: an open circuit would fail the others
  void stripeDownIsRetryableAndOpensTheCircuit() throws Exception {
    await(client.put(simulatorPort, "127.0.0.1", "/_control/stripe/down")
        .sendJsonObject(new JsonObject().put("forMs", 2_000)));
    try {
      for (int i = 0; i < 4; i++) {
        PaymentRequest request = request();
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
            () -> await(channel.createPayment(step("create-payment", 1), request)));
        ServiceException refusal = (ServiceException) failure.getCause();
        assertThat(refusal.failureCode()).isEqualTo(PaymentChannel.PROVIDER_UNAVAILABLE);
        if (i == 3) {
          assertThat(refusal.getMessage()).as("after 3 failures the circuit opens").contains("circuit is open");
        }
      }
    } finally {
      await(client.put(simulatorPort, "127.0.0.1", "/_control/stripe/down")
          .sendJsonObject(new JsonObject().put("forMs", 0)));
      Thread.sleep(1_100); // past resetTimeoutMs: the next call is the trial that closes the circuit again
    }
    PaymentSession recovered = await(channel.createPayment(step("create-payment", 1), request()));
    assertThat(recovered.getState()).as("Stripe back, the circuit closes on its trial call").isEqualTo("OPEN");
  }

  // ---------------------------------------------------------------------------------------------------- helpers

  private static PaymentRequest request() {
    return new PaymentRequest().setOrderId(UUID.randomUUID().toString()).setCustomerEmail("li.lei@example.com")
        .setCurrency("cny").setAmountMinor(2 * 8_800 + 600)
        .setLines(List.of(
            new PaymentLine().setSku("tea").setName("Longjing tea").setUnitAmountMinor(8_800).setQuantity(2),
            new PaymentLine().setSku("delivery").setName("delivery").setUnitAmountMinor(600).setQuantity(1)))
        .setExpiresAtEpochSeconds(Instant.now().plusSeconds(1920).getEpochSecond());
  }

  private static SagaStep step(String name, int attempt) {
    return new SagaStep().setSagaId("saga-" + UUID.randomUUID()).setStep(name).setAttempt(attempt);
  }

  private static JsonObject control(PaymentSession session) throws Exception {
    return await(client.get(simulatorPort, "127.0.0.1", "/_control/stripe/sessions/" + session.getPaymentId())
        .send()).bodyAsJsonObject();
  }

  private static JsonObject stripeSession(PaymentSession session) throws Exception {
    return control(session).getJsonObject("session");
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
