package io.kilosail.launcher;

import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tip rounds (加小费, issue 16) through a whole node: UU's riders pass an order by until it carries a tip of 100 fen
 * ({@code acceptOnlyWithTipFen}); the quoting rules' tips add 100 fen a round, at most two rounds, one second apart.
 * Every order pays a fee of 850 fen ({@link LiveNode#push}): in Shanghai kilosail keeps at least 100 fen (a courier
 * costs at most 750 fen with its tips), in Wuhan at least 250 fen (at most 600 fen).
 */
@ExtendWith(KilosailInfraExtension.class)
class TipFlowTest {

  private static final List<String> PLATFORMS = LiveNode.PLATFORMS;
  private static final JsonObject CONF = new JsonObject()
      .put("dispatch", new JsonObject()
          .put("defaultStrategy", "SEQUENTIAL")
          .put("priority", new JsonArray(PLATFORMS))
          .put("acceptanceTimeoutMs", 1000)
          .put("rules", new JsonArray()))
      .put("quoting", new JsonObject()
          .put("callTimeoutMs", 1000)
          .put("cacheTtlSeconds", 0)
          .put("rulesFile", "does-not-exist.json")
          .put("rules", new JsonObject().put("timeZone", "Asia/Shanghai")
              .put("rules", new JsonArray()
                  .add(new JsonObject().put("name", "everywhere").put("couriers", new JsonArray(PLATFORMS))))
              .put("margins", new JsonArray()
                  .add(new JsonObject().put("name", "shanghai-100").put("cities", new JsonArray().add("shanghai"))
                      .put("minMarginFen", 100))
                  .add(new JsonObject().put("name", "wuhan-250").put("cities", new JsonArray().add("wuhan"))
                      .put("minMarginFen", 250)))
              .put("tips", new JsonArray()
                  .add(new JsonObject().put("name", "meituan-tips").put("foodPlatforms", new JsonArray().add("meituan"))
                      .put("afterSeconds", 1).put("stepFen", 100).put("maxRounds", 2)))))
      // A slow UU answer is part of these tests: it times out after 800 ms, and its circuit must stay closed.
      .put("couriers", new JsonObject().put("uu", new JsonObject().put("timeoutMs", 800)
          .put("circuit", new JsonObject().put("maxFailures", 1000))))
      .put("relay", new JsonObject().put("idlePollMs", 20));

  private static LiveNode node;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    node = LiveNode.start(infra.settings(), CONF);
    node.behave("uu", new JsonObject().put("priceFen", 600).put("acceptOnlyWithTipFen", 100));
    node.behave("shansong", new JsonObject().put("priceFen", 550));
    node.behave("sf", new JsonObject().put("priceFen", 550));
    node.behave("fengniao", new JsonObject().put("priceFen", 550));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aTipRoundFindsACourierWithinTheCapAndTheTipIsBookedWithTheFee() throws Exception {
    String orderId = node.push("shanghai");

    // UU (first by priority) took the order, nobody accepted in 1 s: one tip of 100 fen (600 + 100 <= 750) and a
    // rider accepts; nobody else was asked.
    node.assertDeliveredBy(orderId, "uu", 600);
    JsonArray atUu = node.simulatorOrders("uu", orderId);
    assertThat(atUu).hasSize(1);
    JsonObject placed = atUu.getJsonObject(0);
    assertThat(placed.getLong("tipsFen")).as(placed.encodePrettily()).isEqualTo(100);
    JsonArray tips = placed.getJsonArray("tips");
    assertThat(tips).as("one tip, under the key of (order, round 1)").hasSize(1);
    assertThat(tips.getJsonObject(0).getString("key")).isEqualTo(orderId + ":uu:tip-1");
    assertThat(node.simulatorOrders("shansong", orderId)).isEmpty();

    // The ledger: the food platform owes 850, UU its fee and its tip (700); 150 fen kept, balanced.
    JsonObject ledger = awaitPayable(orderId, 700);
    assertThat(ledger.getLong("receivableFen")).isEqualTo(850);
    assertThat(ledger.getBoolean("balanced")).isTrue();
    assertThat(ledger.getLong("marginFen")).isEqualTo(150);
    assertThat(ledger.encode()).contains("courier.tip");
    assertThat(metrics()).contains("kilosail_tips_total{platform=\"uu\"")
        .contains("kilosail_tips_fen_total{platform=\"uu\"");
  }

  @Test
  void aTipWhoseAnswerIsLostIsAskedAgainUnderItsKeyCountedOnceAndBooked() throws Exception {
    // UU's rider takes 3 s to reach the shop: the delivery is booked well after the tip's answer is stored.
    node.behave("uu", new JsonObject().put("arriveDelayMs", 3000));
    try {
      String orderId = node.push("shanghai");
      node.placement(orderId, "uu");
      // UU takes the tip but answers after our 800 ms: an unknown outcome, asked again under the same key.
      node.behave("uu", new JsonObject().put("latencyMs", 1500));
      long deadline = System.nanoTime() + 15_000_000_000L;
      while (node.simulatorOrders("uu", orderId).getJsonObject(0).getLong("tipsFen") == 0) {
        assertThat(System.nanoTime()).as("UU never got the tip").isLessThan(deadline);
        Thread.sleep(50);
      }
      node.behave("uu", new JsonObject().put("latencyMs", 0));

      node.assertDeliveredBy(orderId, "uu", 600);
      JsonObject placed = node.simulatorOrders("uu", orderId).getJsonObject(0);
      assertThat(placed.getLong("tipsFen")).as(placed.encodePrettily()).isEqualTo(100);
      assertThat(placed.getJsonArray("tips")).as("asked again, counted once").hasSize(1);
      assertThat(placed.getJsonArray("tips").getJsonObject(0).getString("key")).isEqualTo(orderId + ":uu:tip-1");
      JsonObject ledger = awaitPayable(orderId, 700);
      assertThat(ledger.getBoolean("balanced")).isTrue();
      assertThat(ledger.getLong("marginFen")).isEqualTo(150);
    } finally {
      node.behave("uu", new JsonObject().put("latencyMs", 0).put("arriveDelayMs", 200));
    }
  }

  @Test
  void withNoRoomUnderTheCapNoTipIsSentAndTheOrderMovesOn() throws Exception {
    String orderId = node.push("wuhan");

    // UU at 600 fen is the cap (850 - 250) already: no tip, the acceptance timeout moves on to Shansong as before.
    node.assertDeliveredBy(orderId, "shansong", 550);
    JsonArray atUu = node.simulatorOrders("uu", orderId);
    assertThat(atUu).hasSize(1);
    assertThat(atUu.getJsonObject(0).getLong("tipsFen")).isZero();
    assertThat(atUu.getJsonObject(0).getJsonArray("tips")).isEmpty();
    JsonObject ledger = awaitPayable(orderId, 550);
    assertThat(ledger.getLong("receivableFen")).isEqualTo(850);
    assertThat(ledger.encode()).doesNotContain("courier.tip");
  }

  /** The order's ledger once its payable is {@code payableFen}; fails when it is not within 10 s. */
  private static JsonObject awaitPayable(String orderId, long payableFen) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    JsonObject ledger = node.ledger(orderId);
    while (ledger.getLong("payableFen") != payableFen && System.nanoTime() < deadline) {
      Thread.sleep(100);
      ledger = node.ledger(orderId);
    }
    assertThat(ledger.getLong("payableFen")).as(ledger.encodePrettily()).isEqualTo(payableFen);
    return ledger;
  }

  private static String metrics() throws Exception {
    HttpResponse<String> answer = node.send("GET", node.api("/metrics"), null);
    assertThat(answer.statusCode()).isEqualTo(200);
    return answer.body();
  }
}
