package io.kilosail.launcher;

import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shop's checkout end to end, on one node with every role, the Stripe simulator (sessions, the payment page,
 * signed webhooks, refunds) and the courier simulator: stock, payment, delivery, and every way an order can fail with
 * its compensations run once.
 */
@ExtendWith(KilosailInfraExtension.class)
class CheckoutFlowTest {

  private static final JsonObject CONF = new JsonObject()
      .put("checkout", new JsonObject().put("answerWaitMs", 60_000).put("deliveryFeeMinor", 600))
      .put("dispatch", new JsonObject()
          .put("defaultStrategy", "SEQUENTIAL")
          .put("priority", new JsonArray(LiveNode.PLATFORMS))
          .put("acceptanceTimeoutMs", 30_000))
      .put("quoting", new JsonObject()
          .put("rulesFile", "does-not-exist.json")
          .put("rules", new JsonObject().put("timeZone", "Asia/Shanghai").put("rules", new JsonArray()
              .add(new JsonObject().put("name", "everywhere").put("couriers", new JsonArray(LiveNode.PLATFORMS))))))
      .put("relay", new JsonObject().put("idlePollMs", 20));

  private static LiveNode node;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    node = LiveNode.start(infra.settings(), CONF);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @BeforeEach
  void couriersDeliverAtOnce() throws Exception {
    for (String platform : LiveNode.PLATFORMS) {
      node.behave(platform, new JsonObject().put("autoProgress", true).put("latencyMs", 0));
    }
  }

  @Test
  void paidOrderIsDeliveredWithItsStockSold() throws Exception {
    String sku = newSku(5, 8_800);
    HttpResponse<String> answer = checkout(UUID.randomUUID().toString(), sku, 2);

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
    JsonObject order = new JsonObject(answer.body());
    assertThat(order.getString("state")).isEqualTo("AWAITING_PAYMENT");
    assertThat(order.getLong("totalMinor")).isEqualTo(2 * 8_800 + 600);
    assertThat(order.getString("paymentUrl")).contains("/stripe/");
    assertThat(levels(sku)).startsWith(3, 2);

    pay(order, "paid");

    JsonObject done = awaitState(order.getString("orderId"), "COMPLETED");
    assertThat(done.getJsonObject("delivery").getString("state")).isEqualTo("DELIVERED");
    assertThat(done.getJsonObject("delivery").getJsonObject("courier")).as(done.encodePrettily()).isNotNull();
    assertThat(levels(sku)).containsExactly(3, 0, 2);
    assertThat(awaitCheckoutSaga(order.getString("orderId"), "COMPLETED").getString("state")).isEqualTo("COMPLETED");
  }

  @Test
  void aThousandBuyersOfAHundredItemsNeverOversell() throws Exception {
    String sku = newSku(100, 1_000);
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      answers.add(checkoutLikeAClient(UUID.randomUUID().toString(), sku, 1, 10));
    }
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).join();

    Map<Integer, List<HttpResponse<String>>> byStatus = answers.stream().map(CompletableFuture::join)
        .collect(Collectors.groupingBy(HttpResponse::statusCode));
    assertThat(byStatus.keySet()).as("statuses").containsOnly(201, 409);
    assertThat(byStatus.get(201)).hasSize(100);
    assertThat(byStatus.get(409)).hasSize(900).allSatisfy(refused -> {
      assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(new JsonObject(refused.body()).getString("type")).endsWith("/out-of-stock");
    });
    assertThat(levels(sku)).startsWith(0, 100);

    for (HttpResponse<String> sold : byStatus.get(201)) {
      pay(new JsonObject(sold.body()), "paid");
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonObject after = stock(sku);
    while (after.getInteger("sold") < 100 && System.nanoTime() < deadline) {
      Thread.sleep(200);
      after = stock(sku);
    }
    assertThat(levels(sku)).containsExactly(0, 0, 100);
  }

  @Test
  void aFailedPaymentReleasesTheStockOnce() throws Exception {
    String sku = newSku(3, 500);
    JsonObject order = new JsonObject(checkout(UUID.randomUUID().toString(), sku, 3).body());

    pay(order, "async_failed");

    JsonObject ended = awaitState(order.getString("orderId"), "PAYMENT_FAILED");
    assertThat(ended.getString("endReason")).startsWith("payment-failed");
    assertThat(levels(sku)).startsWith(3, 0);
    assertCompensatedOnce(order.getString("orderId"), "create-payment", "reserve-stock", "open");
  }

  @Test
  void anExpiredSessionReleasesTheStock() throws Exception {
    String sku = newSku(2, 500);
    JsonObject order = new JsonObject(checkout(UUID.randomUUID().toString(), sku, 2).body());

    expire(order);

    awaitState(order.getString("orderId"), "EXPIRED");
    assertThat(levels(sku)).startsWith(2, 0);
    assertCompensatedOnce(order.getString("orderId"), "create-payment", "reserve-stock", "open");
  }

  @Test
  void cancellingAfterPaymentRefundsOnceAndRestocks() throws Exception {
    for (String platform : LiveNode.PLATFORMS) {
      node.behave(platform, new JsonObject().put("autoProgress", false).put("latencyMs", 0));
    }
    String sku = newSku(4, 2_000);
    JsonObject order = new JsonObject(checkout(UUID.randomUUID().toString(), sku, 1).body());
    String orderId = order.getString("orderId");
    pay(order, "paid");
    awaitState(orderId, "DELIVERING");

    String secret = order.getString("orderSecret");
    HttpResponse<String> noSecret = node.send("POST", node.api("/v1/checkout/" + orderId + "/cancel"),
        new JsonObject());
    assertThat(noSecret.statusCode()).as("a cancel without the order's secret").isEqualTo(401);
    HttpResponse<String> wrongSecret = node.send("POST", node.api("/v1/checkout/" + orderId + "/cancel"),
        new JsonObject(), "X-Kilosail-Order-Secret", "guessed");
    assertThat(wrongSecret.statusCode()).as("a cancel with another secret").isEqualTo(404);
    HttpResponse<String> cancel = node.send("POST", node.api("/v1/checkout/" + orderId + "/cancel"), new JsonObject(),
        "X-Kilosail-Order-Secret", secret);
    assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);

    JsonObject ended = awaitState(orderId, "CANCELLED");
    assertThat(ended.getJsonObject("delivery").getString("state")).isEqualTo("CANCELLED");
    assertThat(refunds(order)).as("refunds at Stripe").isEqualTo(1);
    assertThat(levels(sku)).containsExactly(4, 0, 0);
    assertCompensatedOnce(orderId, "deliver", "create-payment", "reserve-stock", "open");
    HttpResponse<String> again = node.send("POST", node.api("/v1/checkout/" + orderId + "/cancel"), new JsonObject(),
        "X-Kilosail-Order-Secret", secret);
    assertThat(again.statusCode()).as("a second cancel answers the ended order").isEqualTo(200);
    assertThat(refunds(order)).isEqualTo(1);
  }

  @Test
  void theCustomerReadsItsOrderWithTheSecretItsCheckoutAnsweredNotWithTheIdAlone() throws Exception {
    String sku = newSku(5, 900);
    String key = UUID.randomUUID().toString();
    JsonObject first = new JsonObject(checkout(key, sku, 1).body());
    String orderId = first.getString("orderId");
    String secret = first.getString("orderSecret");
    assertThat(secret).as(first.encode()).isNotBlank();
    URI byId = node.api("/v1/orders/" + orderId);

    HttpResponse<String> anonymous = node.http().send(HttpRequest.newBuilder(byId).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).as("the order id alone").isEqualTo(401);
    assertThat(anonymous.headers().firstValue("content-type")).hasValue("application/problem+json");
    assertThat(customerRead(byId, "not-the-secret").statusCode()).as("another secret").isEqualTo(404);
    HttpResponse<String> mine = customerRead(byId, secret);
    assertThat(mine.statusCode()).as(mine.body()).isEqualTo(200);
    assertThat(new JsonObject(mine.body()).getString("orderId")).isEqualTo(orderId);
    // The secret opens that order only, and a food platform's order is none of a customer's business.
    assertThat(customerRead(node.api("/v1/orders/" + node.push("shanghai")), secret).statusCode()).isEqualTo(404);

    // A customer who lost the answer repeats the request: a new secret, and the old one stops working.
    JsonObject repeated = new JsonObject(checkout(key, sku, 1).body());
    assertThat(repeated.getString("orderId")).isEqualTo(orderId);
    assertThat(customerRead(byId, repeated.getString("orderSecret")).statusCode()).isEqualTo(200);
    assertThat(customerRead(byId, secret).statusCode()).isEqualTo(404);
  }

  private static HttpResponse<String> customerRead(URI uri, String secret) throws Exception {
    return node.http().send(HttpRequest.newBuilder(uri).header("X-Kilosail-Order-Secret", secret).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void duplicatedReorderedAndReplayedWebhooksPayTheOrderOnce() throws Exception {
    HttpResponse<String> shaky = node.send("PUT", node.simulator("/_control/stripe/webhooks"),
        new JsonObject().put("duplicates", 2).put("reorder", true));
    assertThat(shaky.statusCode()).as(shaky.body()).isEqualTo(200);
    try {
      String sku = newSku(3, 1_200);
      JsonObject order = new JsonObject(checkout(UUID.randomUUID().toString(), sku, 2).body());
      String orderId = order.getString("orderId");

      // A delayed method: completed (unpaid) then async_payment_succeeded, each sent three times, the pair swapped.
      pay(order, "async_paid");
      awaitState(orderId, "COMPLETED");

      JsonObject atStripe = new JsonObject(node.send("GET", node.simulator("/_control/stripe/sessions/"
          + sessionId(order)), null).body());
      JsonObject succeeded = atStripe.getJsonArray("events").stream().map(JsonObject.class::cast)
          .filter(e -> "checkout.session.async_payment_succeeded".equals(e.getString("type"))).findFirst()
          .orElseThrow();
      HttpResponse<String> replay = node.send("POST", node.simulator("/_control/stripe/events/"
          + succeeded.getString("id") + "/resend"), new JsonObject());
      assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);

      JsonObject saga = awaitCheckoutSaga(orderId, "COMPLETED");
      long confirmations = saga.getJsonArray("timeline").stream().map(JsonObject.class::cast)
          .filter(e -> "confirm".equals(e.getString("step")) && "SUCCEEDED".equals(e.getString("outcome"))).count();
      assertThat(confirmations).as(saga.encodePrettily()).isEqualTo(1);
      assertThat(levels(sku)).containsExactly(1, 0, 2);
      assertThat(node.order(orderId).getString("state")).isEqualTo("COMPLETED");
    } finally {
      node.send("PUT", node.simulator("/_control/stripe/webhooks"),
          new JsonObject().put("duplicates", 0).put("reorder", false));
    }
  }

  @Test
  void aRepeatedKeyAnswersTheFirstOrderAndAnotherBodyIsAConflict() throws Exception {
    String sku = newSku(10, 700);
    String key = UUID.randomUUID().toString();
    HttpResponse<String> first = checkout(key, sku, 1);
    HttpResponse<String> repeat = checkout(key, sku, 1);
    HttpResponse<String> other = checkout(key, sku, 2);

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(repeat.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(repeat.body()).getString("orderId"))
        .isEqualTo(new JsonObject(first.body()).getString("orderId"));
    assertThat(new JsonObject(repeat.body()).getString("paymentUrl"))
        .isEqualTo(new JsonObject(first.body()).getString("paymentUrl"));
    assertThat(other.statusCode()).isEqualTo(409);
    assertThat(new JsonObject(other.body()).getString("type")).endsWith("/idempotency-key-reused");
    assertThat(stock(sku).getInteger("reserved")).as("one reservation").isEqualTo(1);
  }

  @Test
  void badInputIsRefusedNamingWhatIsWrongAndChangesNothing() throws Exception {
    String sku = newSku(10, 700);
    HttpResponse<String> noKey = node.send("POST", node.api("/v1/checkout"), body(sku, 1));
    HttpResponse<String> zero = checkout(UUID.randomUUID().toString(), sku, 0);
    HttpResponse<String> unknown = checkout(UUID.randomUUID().toString(), "no-such-sku", 1);
    JsonObject noEmail = body(sku, 1);
    noEmail.getJsonObject("customer").remove("email");
    HttpResponse<String> missingEmail = node.send("POST", node.api("/v1/checkout"), noEmail,
        "Idempotency-Key", UUID.randomUUID().toString());

    assertThat(noKey.statusCode()).isEqualTo(400);
    assertThat(noKey.body()).contains("Idempotency-Key");
    assertThat(zero.statusCode()).isEqualTo(400);
    assertThat(zero.body()).contains("quantity");
    assertThat(unknown.statusCode()).isEqualTo(422);
    assertThat(unknown.body()).contains("items[0].sku");
    assertThat(missingEmail.statusCode()).isEqualTo(400);
    assertThat(missingEmail.body()).contains("email");
    HttpResponse<String> otherChannel = node.send("POST", node.api("/v1/checkout"),
        body(sku, 1).put("paymentChannel", "alipay"), "Idempotency-Key", UUID.randomUUID().toString());
    assertThat(otherChannel.statusCode()).as(otherChannel.body()).isEqualTo(422);
    assertThat(new JsonObject(otherChannel.body()).getString("detail")).contains("paymentChannel").contains("alipay");
    assertThat(levels(sku)).startsWith(10, 0);
  }

  // ---------------------------------------------------------------------------------------------------- helpers

  private static String newSku(int available, long priceMinor) throws Exception {
    String sku = "sku-" + UUID.randomUUID().toString().substring(0, 8);
    HttpResponse<String> put = node.send("PUT", node.api("/v1/admin/skus/" + sku), new JsonObject()
        .put("name", "Test item " + sku).put("priceMinor", priceMinor).put("currency", "CNY")
        .put("available", available));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    return sku;
  }

  private static JsonObject stock(String sku) throws Exception {
    HttpResponse<String> answer = node.send("GET", node.api("/v1/stock/" + sku), null);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new JsonObject(answer.body());
  }

  /** available, reserved, sold */
  private static List<Integer> levels(String sku) throws Exception {
    JsonObject s = stock(sku);
    return List.of(s.getInteger("available"), s.getInteger("reserved"), s.getInteger("sold"));
  }

  private static JsonObject body(String sku, int quantity) {
    return new JsonObject()
        .put("customer", new JsonObject().put("name", "Li Lei").put("email", "li.lei@example.com")
            .put("phone", "138-0000-0001"))
        .put("items", new JsonArray().add(new JsonObject().put("sku", sku).put("quantity", quantity)))
        .put("delivery", new JsonObject().put("address", "1 Century Ave, Pudong").put("lat", 31.2397)
            .put("lng", 121.4998));
  }

  private static HttpResponse<String> checkout(String key, String sku, int quantity) throws Exception {
    return node.send("POST", node.api("/v1/checkout"), body(sku, quantity), "Idempotency-Key", key);
  }

  /** As a client should: a 503 (a burst beyond what the node takes at once) is sent again after its Retry-After. */
  private static CompletableFuture<HttpResponse<String>> checkoutLikeAClient(String key, String sku, int quantity,
                                                                             int attemptsLeft) {
    return node.sendAsync("POST", node.api("/v1/checkout"), body(sku, quantity), "Idempotency-Key", key)
        .thenCompose(answer -> answer.statusCode() != 503 || attemptsLeft <= 1
            ? CompletableFuture.completedFuture(answer)
            : CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(
                    Long.parseLong(answer.headers().firstValue("Retry-After").orElse("1")), TimeUnit.SECONDS))
                .thenCompose(x -> checkoutLikeAClient(key, sku, quantity, attemptsLeft - 1)));
  }

  private static JsonObject awaitState(String orderId, String state) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
    JsonObject order = node.order(orderId);
    while (!state.equals(order.getString("state")) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      order = node.order(orderId);
    }
    assertThat(order.getString("state")).as(order.encodePrettily()).isEqualTo(state);
    return order;
  }

  /** The order's checkout saga (a delivered order also has a delivery saga under the same key) once in {@code state}. */
  private static JsonObject awaitCheckoutSaga(String orderId, String state) throws Exception {
    JsonObject saga = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> answer = node.send("GET", node.api("/v1/admin/sagas?businessKey=" + orderId), null);
      saga = new JsonArray(answer.body()).stream().map(JsonObject.class::cast)
          .filter(s -> "checkout".equals(s.getString("sagaType"))).findFirst().orElse(null);
      if (saga != null && state.equals(saga.getString("state"))) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(saga).as("checkout saga of " + orderId).isNotNull();
    return saga;
  }

  /** The checkout saga compensated exactly these steps, each once, in this order (the reverse of their actions). */
  private static void assertCompensatedOnce(String orderId, String... steps) throws Exception {
    JsonObject saga = awaitCheckoutSaga(orderId, "COMPENSATED");
    assertThat(saga.getString("state")).as(saga.encodePrettily()).isEqualTo("COMPENSATED");
    List<String> compensated = saga.getJsonArray("timeline").stream().map(JsonObject.class::cast)
        .filter(e -> "COMPENSATION".equals(e.getString("phase")) && "SUCCEEDED".equals(e.getString("outcome")))
        .map(e -> e.getString("step")).toList();
    assertThat(compensated).as(saga.encodePrettily()).containsExactly(steps);
  }

  // ------------------------------------------------------------------------------------- the Stripe simulator

  private static String sessionId(JsonObject order) {
    String url = order.getString("paymentUrl");
    return url.substring(url.lastIndexOf('/') + 1);
  }

  private static void pay(JsonObject order, String outcome) throws Exception {
    HttpResponse<String> paid = node.send("POST", node.simulator("/_control/stripe/sessions/" + sessionId(order)
        + "/pay"), new JsonObject().put("outcome", outcome));
    assertThat(paid.statusCode()).as(paid.body()).isBetween(200, 204);
  }

  private static void expire(JsonObject order) throws Exception {
    HttpResponse<String> expired = node.send("POST", node.simulator("/_control/stripe/sessions/"
        + sessionId(order) + "/expire"), new JsonObject());
    assertThat(expired.statusCode()).as(expired.body()).isBetween(200, 204);
  }

  private static int refunds(JsonObject order) throws Exception {
    HttpResponse<String> session = node.send("GET", node.simulator("/_control/stripe/sessions/"
        + sessionId(order)), null);
    assertThat(session.statusCode()).as(session.body()).isEqualTo(200);
    return new JsonObject(session.body()).getJsonArray("refunds", new JsonArray()).size();
  }
}
