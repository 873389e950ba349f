package io.kilosail.launcher;

import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Orders pushed by a food platform, delivered end to end: one node with every role, on the real servers, with the
 * courier simulator calling back its webhooks. Each city is set up for one strategy (see {@link #CONF}); the courier
 * platforms' prices, ETAs and behaviour are set per test through the simulator's control endpoints.
 */
@ExtendWith(KilosailInfraExtension.class)
class DeliveryFlowTest {

  private static final List<String> PLATFORMS = LiveNode.PLATFORMS;
  private static final JsonObject CONF = new JsonObject()
      .put("dispatch", new JsonObject()
          .put("defaultStrategy", "SEQUENTIAL")
          .put("priority", new JsonArray(PLATFORMS))
          .put("acceptanceTimeoutMs", 1500)
          .put("courierWaitMs", 20_000)
          .put("deliveryWaitMs", 20_000)
          .put("rules", new JsonArray()
              .add(new JsonObject().put("cities", new JsonArray().add("beijing")).put("strategy", "FASTEST"))
              .add(new JsonObject().put("cities", new JsonArray().add("shenzhen")).put("strategy", "CHEAPEST"))
              .add(new JsonObject().put("cities", new JsonArray().add("hangzhou")).put("strategy", "SIMULTANEOUS"))))
      .put("quoting", new JsonObject()
          .put("callTimeoutMs", 1000)
          .put("cacheTtlSeconds", 1)
          .put("rulesFile", "does-not-exist.json")
          .put("rules", new JsonObject().put("timeZone", "Asia/Shanghai").put("rules", new JsonArray()
              .add(new JsonObject().put("name", "everywhere").put("couriers", new JsonArray(PLATFORMS))))))
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

  // ------------------------------------------------------------ strategies

  @Test
  void eachStrategyDeliversAnOrderEndToEndWithTheCourierItPicks() throws Exception {
    // SF and Fengniao state no delivery time in their answers (no source shows one): FASTEST ranks them last.
    node.behave("uu", new JsonObject().put("priceFen", 900).put("etaSeconds", 1800));
    node.behave("shansong", new JsonObject().put("priceFen", 1100).put("etaSeconds", 600));
    node.behave("sf", new JsonObject().put("priceFen", 1200));
    node.behave("fengniao", new JsonObject().put("priceFen", 800));

    String sequential = node.push("shanghai");
    String fastest = node.push("beijing");
    String cheapest = node.push("shenzhen");

    node.assertDeliveredBy(sequential, "uu", 900);
    node.assertDeliveredBy(fastest, "shansong", 1100);
    node.assertDeliveredBy(cheapest, "fengniao", 800);
    JsonObject order = node.order(sequential);
    assertThat(node.states(order)).containsExactly("CREATED", "DISPATCHING", "ACCEPTED", "ARRIVED_AT_SHOP", "PICKED_UP",
        "DELIVERED");
    node.awaitSaga(sequential, "COMPLETED");
    // The push-back told the food platform: the newest state last, versions only growing (docs/pushback.md).
    JsonArray told = node.awaitFoodPlatformTold(order.getString("platformOrderId"), "DELIVERED");
    for (int i = 1; i < told.size(); i++) {
      assertThat(told.getJsonObject(i).getInteger("version")).as(told.encode())
          .isGreaterThan(told.getJsonObject(i - 1).getInteger("version"));
    }
  }

  @Test
  void simultaneousOffersLeaveExactlyOneHolderAndCancelTheOthersAtTheirPlatforms() throws Exception {
    for (String platform : PLATFORMS) {
      // Every courier accepts at the same moment, and then takes its time to the shop: the losers' cancels reach their
      // platforms before those couriers could deliver, even on a loaded machine.
      node.behave(platform, new JsonObject().put("priceFen", 1000).put("acceptDelayMs", 300).put("arriveDelayMs", 4000));
    }
    String orderId;
    try {
      orderId = node.push("hangzhou");
      node.awaitState(orderId, "DELIVERED");
    } finally {
      for (String platform : PLATFORMS) {
        node.behave(platform, new JsonObject().put("arriveDelayMs", 200));
      }
    }

    JsonObject order = node.awaitState(orderId, "DELIVERED");
    String holder = order.getJsonObject("courier").getString("platform");
    assertThat(node.states(order)).containsOnlyOnce("ACCEPTED");
    for (String platform : PLATFORMS) {
      if (platform.equals(holder)) {
        continue;
      }
      String platformOrderId = node.placement(orderId, platform);
      node.awaitSimulatorEvent(platform, platformOrderId, "CANCELLED_BY_MERCHANT");
    }
  }

  // ------------------------------------------------------------ what is booked

  @Test
  void theLedgerBooksThePriceThePlatformChargedWhenItTookTheOrderNotItsQuote() throws Exception {
    // SF quotes 700 (the cheapest) and charges 850 when it takes the order; its create answer says so.
    node.behave("sf", new JsonObject().put("priceFen", 700).put("placementSurchargeFen", 150));
    Thread.sleep(1_100); // a quote cached before (cacheTtlSeconds 1) would still show the old price
    try {
      String orderId = node.push("shenzhen");
      node.assertDeliveredBy(orderId, "sf", 850);
      JsonObject ledger = node.ledger(orderId);
      assertThat(ledger.getLong("payableFen")).as(ledger.encodePrettily()).isEqualTo(850);
      assertThat(ledger.getBoolean("balanced")).isTrue();
      assertThat(ledger.getLong("marginFen")).isEqualTo(ledger.getLong("receivableFen") - 850);
    } finally {
      node.behave("sf", new JsonObject().put("priceFen", 1000).put("placementSurchargeFen", 0));
    }
  }

  // ------------------------------------------------------------ the next candidate

  @Test
  void aCourierThatTimesOutOrGivesUpIsFollowedByTheNextCandidate() throws Exception {
    // UU's courier accepts and gives the order up (UU reports that, status 2); Shansong finds nobody within the 1.5 s
    // acceptance timeout; SF delivers.
    node.behave("uu", new JsonObject().put("acceptDelayMs", 200).put("giveUpProbability", 1.0));
    node.behave("shansong", new JsonObject().put("acceptDelayMs", 10_000));
    node.behave("sf", new JsonObject().put("acceptDelayMs", 200));
    try {
      String orderId = node.push("shanghai");
      node.assertDeliveredBy(orderId, "sf", null);
      JsonObject order = node.order(orderId);
      // DISPATCHING when first offered, and again when UU's courier gave up.
      assertThat(node.states(order).stream().filter("DISPATCHING"::equals)).hasSize(2);
      node.awaitSimulatorEvent("uu", node.placement(orderId, "uu"), "CANCELLED_BY_MERCHANT");
      node.awaitSimulatorEvent("shansong", node.placement(orderId, "shansong"), "CANCELLED_BY_MERCHANT");
    } finally {
      node.behave("uu", new JsonObject().put("giveUpProbability", 0.0));
      node.behave("shansong", new JsonObject().put("acceptDelayMs", 200));
    }
  }

  @Test
  void aPlacementWhoseAnswerIsLostIsAnUnknownOutcomeAndNoSecondCourierIsPlaced() throws Exception {
    // UU creates the order and its courier accepts, but UU's answer to the create comes after the gateway's timeout:
    // dispatch must not take that for a refusal and place Shansong (both couriers would deliver).
    node.behave("uu", new JsonObject().put("createLatencyMs", 4_000).put("acceptDelayMs", 300));
    try {
      String orderId = node.push("shanghai");
      node.assertDeliveredBy(orderId, "uu", null);
      node.awaitSaga(orderId, "COMPLETED");
      for (String other : List.of("shansong", "sf", "fengniao")) {
        assertThat(node.simulatorOrders(other, orderId)).as("orders placed with " + other).isEmpty();
      }
    } finally {
      node.behave("uu", new JsonObject().put("createLatencyMs", 0));
    }
  }

  @Test
  void aPlatformThatIsDownIsSkippedAndTheOrderStillDelivered() throws Exception {
    node.down("uu", 60_000);
    try {
      String orderId = node.push("shanghai");
      JsonObject order = node.awaitState(orderId, "DELIVERED");
      assertThat(order.getJsonObject("courier").getString("platform")).isNotEqualTo("uu");
    } finally {
      node.down("uu", 0);
    }
  }

  @Test
  void anOrderNoCourierTakesIsCancelledAndItsSagaCompensated() throws Exception {
    for (String platform : PLATFORMS) {
      node.behave(platform, new JsonObject().put("noCourierProbability", 1.0));
    }
    try {
      String orderId = node.push("shanghai");
      JsonObject order = node.awaitState(orderId, "CANCELLED");
      assertThat(order.getValue("courier")).isNull();
      assertThat(node.states(order)).endsWith("CANCELLED");
      JsonObject saga = node.awaitSaga(orderId, "COMPENSATED");
      assertThat(saga.getString("lastError")).contains("delivery.no-courier");
    } finally {
      for (String platform : PLATFORMS) {
        node.behave(platform, new JsonObject().put("noCourierProbability", 0.0));
      }
    }
  }

  @Test
  void anSfReturnToTheMerchantEndsTheOrderWithoutADelivery() throws Exception {
    // SF is the cheapest; its rider picks the goods up and brings them back (complete callback, receipt_type 2).
    for (String platform : PLATFORMS) {
      node.behave(platform, new JsonObject().put("priceFen", platform.equals("sf") ? 500 : 2000));
    }
    node.behave("sf", new JsonObject().put("returnProbability", 1.0));
    try {
      String orderId = node.push("shenzhen");
      JsonObject order = node.awaitState(orderId, "RETURNED");
      assertThat(node.states(order)).contains("PICKED_UP").doesNotContain("DELIVERED", "CANCELLED").endsWith("RETURNED");
      assertThat(order.getJsonObject("courier").getString("platform")).isEqualTo("sf");
      JsonObject atSf = node.simulatorOrders("sf", orderId).getJsonObject(0);
      assertThat(atSf.getBoolean("returnedToMerchant")).isTrue();
      assertThat(atSf.getString("lastEvent")).isEqualTo("DELIVERED");
      // Not a delivery: no delivery fee earned; SF is owed the trip (its callback states nothing: the holder's fee).
      JsonObject ledger = node.ledger(orderId);
      List<String> entries = ledger.getJsonArray("postings").stream()
          .map(p -> ((JsonObject) p).getString("entryType")).toList();
      assertThat(entries).as(ledger.encodePrettily()).contains("delivery.returned").doesNotContain("delivery.completed");
      assertThat(ledger.getLong("payableFen")).as(ledger.encodePrettily()).isEqualTo(500);
      assertThat(ledger.getBoolean("balanced")).isTrue();
      assertThat(ledger.getLong("marginFen")).isEqualTo(ledger.getLong("receivableFen") - 500);
      // The delivery saga fails on delivery.returned and the food platform is told RETURNED.
      node.awaitSaga(orderId, "COMPENSATED");
      node.awaitFoodPlatformTold(order.getString("platformOrderId"), "RETURNED");
    } finally {
      node.behave("sf", new JsonObject().put("returnProbability", 0.0));
      for (String platform : PLATFORMS) {
        node.behave(platform, new JsonObject().put("priceFen", 1000));
      }
    }
  }

  // ------------------------------------------------------------ helpers
}
