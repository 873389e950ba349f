package io.kilosail.launcher;

import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cancelling at every state, from each side, with the penalties both ways and each order's ledger. The couriers do not
 * move by themselves here ({@code autoProgress} off): the test makes each courier event happen, so every order is
 * cancelled in exactly the state the table names. Dispatch is SEQUENTIAL with UU first; UU charges by the default
 * courier table, Shansong states its own penalty in its cancel answer.
 */
@ExtendWith(KilosailInfraExtension.class)
class CancellationFlowTest {

  // Food platform penalties by our state, courier penalties by the courier's state: conf/default.json's defaults.
  private static final long PLATFORM_ACCEPTED = 200;
  private static final long PLATFORM_PICKED_UP = 600;
  private static final long COURIER_ACCEPTED = 200;
  private static final long COURIER_PICKED_UP = 500;
  private static final long SHANSONG_STATED_ACCEPTED = 350;

  private static final JsonObject CONF = new JsonObject()
      .put("dispatch", new JsonObject()
          .put("defaultStrategy", "SEQUENTIAL")
          .put("priority", new JsonArray(LiveNode.PLATFORMS))
          .put("acceptanceTimeoutMs", 30_000)
          .put("courierWaitMs", 60_000)
          .put("deliveryWaitMs", 60_000))
      .put("quoting", new JsonObject()
          .put("callTimeoutMs", 500)
          .put("cacheTtlSeconds", 1)
          .put("rulesFile", "does-not-exist.json")
          .put("rules", new JsonObject().put("timeZone", "Asia/Shanghai").put("rules", new JsonArray()
              .add(new JsonObject().put("name", "everywhere").put("couriers", new JsonArray(LiveNode.PLATFORMS))))))
      .put("couriers", circuitsThatStayClosed())
      .put("relay", new JsonObject().put("idlePollMs", 20));

  private static LiveNode node;

  /** Slow and down platforms are part of these tests; their circuits must not open on the next test. */
  private static JsonObject circuitsThatStayClosed() {
    JsonObject couriers = new JsonObject();
    for (String platform : LiveNode.PLATFORMS) {
      couriers.put(platform, new JsonObject().put("circuit", new JsonObject().put("maxFailures", 1000)));
    }
    return couriers;
  }

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
  void couriersWaitForTheTest() throws Exception {
    for (String platform : LiveNode.PLATFORMS) {
      node.behave(platform, new JsonObject().put("autoProgress", false).put("latencyMs", 0)
          .put("cancelPenaltyAcceptedFen", SHANSONG_STATED_ACCEPTED));
    }
  }

  @AfterEach
  void platformsUp() throws Exception {
    node.down("uu", 0);
  }

  // ------------------------------------------------------------ the food platform cancels

  @Test
  void beforeQuotingNothingIsOwedEitherWay() throws Exception {
    for (String platform : LiveNode.PLATFORMS) {
      node.behave(platform, new JsonObject().put("latencyMs", 5_000));   // quotes time out and are retried
    }
    // A city no other test here pushes to: a route quoted by the test before (cached 1 s) would skip the slow quotes.
    String orderId = node.push("chengdu");
    JsonObject cancelled = cancelled(orderId, "customer changed their mind");
    assertThat(cancelled.getString("stateAtCancel")).isEqualTo("CREATED");
    assertThat(cancelled.getLong("platformPenaltyFen")).isZero();
    assertThat(node.awaitSaga(orderId, "COMPENSATED").getString("state")).isEqualTo("COMPENSATED");
    assertLedger(orderId, 0, 0);
  }

  @Test
  void afterDispatchBeforeAcceptanceTheOfferIsWithdrawnFreeOfCharge() throws Exception {
    String orderId = node.push("shanghai");
    node.awaitState(orderId, "DISPATCHING");
    String uuOrder = node.placement(orderId, "uu");

    JsonObject cancelled = cancelled(orderId, "shop closed");
    assertThat(cancelled.getString("stateAtCancel")).isEqualTo("DISPATCHING");
    assertThat(cancelled.getLong("platformPenaltyFen")).isZero();
    node.awaitSimulatorEvent("uu", uuOrder, "CANCELLED_BY_MERCHANT");
    node.awaitSaga(orderId, "COMPENSATED");
    assertLedger(orderId, 0, 0);
  }

  @Test
  void afterAcceptanceBothSidesCharge() throws Exception {
    String orderId = acceptedBy("uu");
    JsonObject cancelled = cancelled(orderId, "customer unreachable");
    assertThat(cancelled.getString("stateAtCancel")).isEqualTo("ACCEPTED");
    assertThat(cancelled.getLong("platformPenaltyFen")).isEqualTo(PLATFORM_ACCEPTED);
    node.awaitSimulatorEvent("uu", node.placement(orderId, "uu"), "CANCELLED_BY_MERCHANT");
    assertLedger(orderId, PLATFORM_ACCEPTED, COURIER_ACCEPTED);
  }

  @Test
  void shansongStatesItsOwnPenaltyInItsCancelAnswer() throws Exception {
    node.down("uu", 60_000);
    String orderId = acceptedBy("shansong");
    cancelled(orderId, "customer unreachable");
    node.awaitSimulatorEvent("shansong", node.placement(orderId, "shansong"), "CANCELLED_BY_MERCHANT");
    assertLedger(orderId, PLATFORM_ACCEPTED, SHANSONG_STATED_ACCEPTED);
  }

  @Test
  void afterPickupBothSidesChargeMore() throws Exception {
    String orderId = acceptedBy("uu");
    String uuOrder = node.placement(orderId, "uu");
    node.courierEvent("uu", uuOrder, "ARRIVED_AT_SHOP");
    node.courierEvent("uu", uuOrder, "PICKED_UP");
    node.awaitState(orderId, "PICKED_UP");

    JsonObject cancelled = cancelled(orderId, "address wrong");
    assertThat(cancelled.getString("stateAtCancel")).isEqualTo("PICKED_UP");
    assertThat(cancelled.getLong("platformPenaltyFen")).isEqualTo(PLATFORM_PICKED_UP);
    node.awaitSimulatorEvent("uu", uuOrder, "CANCELLED_BY_MERCHANT");
    assertLedger(orderId, PLATFORM_PICKED_UP, COURIER_PICKED_UP);
  }

  @Test
  void aDeliveredOrderCannotBeCancelledAndARepeatedCancelAnswersTheFirstOutcome() throws Exception {
    String orderId = acceptedBy("uu");
    String uuOrder = node.placement(orderId, "uu");
    node.courierEvent("uu", uuOrder, "DELIVERED");
    node.awaitState(orderId, "DELIVERED");
    HttpResponse<String> refused = node.cancel(orderId, "too late");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
    assertThat(refused.headers().firstValue("content-type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(new JsonObject(refused.body()).getString("detail")).contains("DELIVERED");
    assertThat(node.order(orderId).getString("state")).isEqualTo("DELIVERED");

    String other = acceptedBy("uu");
    JsonObject first = cancelled(other, "once");
    HttpResponse<String> again = node.cancel(other, "twice");
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    assertThat(new JsonObject(again.body()).getLong("platformPenaltyFen")).isEqualTo(first.getLong("platformPenaltyFen"));
    node.awaitSimulatorEvent("uu", node.placement(other, "uu"), "CANCELLED_BY_MERCHANT");
    assertLedger(other, PLATFORM_ACCEPTED, COURIER_ACCEPTED);
  }

  // ------------------------------------------------------------ the courier cancels, or nobody takes the order

  @Test
  void aCourierCancellingAfterAcceptanceOrPickupCostsNobodyAnything() throws Exception {
    for (List<String> before : List.of(List.<String>of(), List.of("ARRIVED_AT_SHOP", "PICKED_UP"))) {
      String orderId = acceptedBy("uu");
      String uuOrder = node.placement(orderId, "uu");
      for (String event : before) {
        node.courierEvent("uu", uuOrder, event);
      }
      node.courierEvent("uu", uuOrder, "COURIER_CANCELLED");
      JsonObject order = node.awaitState(orderId, "CANCELLED");
      assertThat(node.states(order)).endsWith("CANCELLED");
      node.awaitSaga(orderId, "COMPENSATED");
      HttpResponse<String> refused = node.cancel(orderId, "after the courier");
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
      assertLedger(orderId, 0, 0);
    }
  }

  @Test
  void anOrderNobodyTakesIsCancelledBySystemFreeOfCharge() throws Exception {
    String orderId = node.push("shanghai");
    node.awaitState(orderId, "DISPATCHING");
    // Every candidate's platform finds no rider, one after the other.
    for (String platform : LiveNode.PLATFORMS) {
      node.courierEvent(platform, node.placement(orderId, platform), "NO_COURIER");
    }
    JsonObject order = node.awaitState(orderId, "CANCELLED");
    assertThat(order.getJsonArray("timeline").getJsonObject(order.getJsonArray("timeline").size() - 1)
        .getString("source")).isEqualTo("system");
    node.awaitSaga(orderId, "COMPENSATED");
    assertLedger(orderId, 0, 0);
  }

  // ------------------------------------------------------------ helpers

  private static String acceptedBy(String platform) throws Exception {
    String orderId = node.push("shanghai");
    node.courierEvent(platform, node.placement(orderId, platform), "ACCEPTED");
    JsonObject order = node.awaitState(orderId, "ACCEPTED");
    assertThat(order.getJsonObject("courier").getString("platform")).isEqualTo(platform);
    return orderId;
  }

  private static JsonObject cancelled(String orderId, String reason) throws Exception {
    HttpResponse<String> answer = node.cancel(orderId, reason);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonObject cancelled = new JsonObject(answer.body());
    assertThat(cancelled.getString("state")).isEqualTo("CANCELLED");
    assertThat(cancelled.getString("cancelledBy")).isEqualTo("PLATFORM");
    assertThat(node.order(orderId).getString("state")).isEqualTo("CANCELLED");
    return cancelled;
  }

  /** The order's ledger balances and holds exactly these penalties (and no delivery). */
  private static void assertLedger(String orderId, long platformPenaltyFen, long courierPenaltyFen) throws Exception {
    JsonObject ledger = node.awaitLedger(orderId, platformPenaltyFen, courierPenaltyFen);
    assertThat(ledger.getBoolean("balanced")).as(ledger.encodePrettily()).isTrue();
  }
}
