package io.kilosail.launcher;

import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.kilosail.launcher.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The margin rules (quoting rules' {@code margins}) through a whole node: every order pays a fee of 850 fen (see
 * {@link LiveNode#push}); in Shanghai kilosail keeps at least 100 fen, in Wuhan it never pays more than the fee and
 * hands the order back otherwise, in Chengdu it accepts a loss of up to 300 fen.
 */
@ExtendWith(KilosailInfraExtension.class)
class MarginFlowTest {

  private static final List<String> PLATFORMS = LiveNode.PLATFORMS;
  private static final JsonObject CONF = new JsonObject()
      .put("dispatch", new JsonObject()
          .put("defaultStrategy", "SEQUENTIAL")
          .put("priority", new JsonArray(PLATFORMS))
          .put("acceptanceTimeoutMs", 1500)
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
                  .add(new JsonObject().put("name", "wuhan-no-loss").put("cities", new JsonArray().add("wuhan"))
                      .put("whenNoCourierFits", "HAND_BACK"))
                  .add(new JsonObject().put("name", "chengdu-small-loss").put("cities", new JsonArray().add("chengdu"))
                      .put("whenNoCourierFits", "ALLOW_LOSS").put("maxLossFen", 300)))))
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

  private static void prices(int uu, int shansong, int sf, int fengniao) throws Exception {
    node.behave("uu", new JsonObject().put("priceFen", uu));
    node.behave("shansong", new JsonObject().put("priceFen", shansong));
    node.behave("sf", new JsonObject().put("priceFen", sf));
    node.behave("fengniao", new JsonObject().put("priceFen", fengniao));
  }

  @Test
  void noStrategyOffersTheOrderToACourierDearerThanTheMarginAllows() throws Exception {
    // SEQUENTIAL would offer UU first; UU (800) and SF (900) leave less than 100 fen of the 850 fen fee.
    prices(800, 900, 900, 700);
    String orderId = node.push("shanghai");

    node.assertDeliveredBy(orderId, "fengniao", 700);
    // The food platform owes the fee, kilosail owes Fengniao its price: 150 fen kept.
    node.awaitLedger(orderId, 850, 700);
  }

  @Test
  void whenNoCourierFitsTheOrderGoesBackToItsFoodPlatformWithTheReason() throws Exception {
    prices(1000, 900, 1200, 950);
    String orderId = node.push("wuhan");

    JsonObject order = node.awaitState(orderId, "CANCELLED");
    assertThat(order.encode()).as("the reason names the margin").contains("no courier within the margin")
        .contains("cheapest 900 fen");
    assertThat(order.getValue("courier")).isNull();
    node.awaitFoodPlatformTold(order.getString("platformOrderId"), "CANCELLED");
    assertThat(metrics()).contains("kilosail_margin_handed_back_total");
  }

  @Test
  void anAllowedLossIsTakenWithinItsBoundAndCountedAndTheDashboardWarnsOfIt() throws Exception {
    // The dashboard's page listens on dashboard.margins over the bridge, as a browser would (raw SockJS frames).
    Vertx client = Vertx.vertx();
    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    try {
      WebSocket socket = TestNodes.openBridge(client, node.node().httpPort());
      socket.handler(data -> frames.add(new JsonObject(data)));
      socket.writeTextMessage(new JsonObject().put("type", "register").put("address", "dashboard.margins").encode());

      prices(1300, 1100, 1200, 1250);
      String orderId = node.push("chengdu");

      node.assertDeliveredBy(orderId, "shansong", 1100);
      assertThat(metrics()).contains("kilosail_margin_below_floor_total");
      JsonObject margins = awaitFrame(frames, body -> body.getJsonArray("latestBelowFloor").stream()
          .anyMatch(o -> orderId.equals(((JsonObject) o).getString("orderId"))));
      assertThat(margins.getLong("belowFloorTotal")).isGreaterThanOrEqualTo(1);
      JsonObject latest = margins.getJsonArray("latestBelowFloor").stream().map(JsonObject.class::cast)
          .filter(o -> orderId.equals(o.getString("orderId"))).findFirst().orElseThrow();
      assertThat(latest.getString("rule")).isEqualTo("chengdu-small-loss");
      assertThat(latest.getLong("deliveryFeeFen")).isEqualTo(850);
      assertThat(latest.getLong("cheapestFen")).isEqualTo(1100);
      await(socket.close());
    } finally {
      await(client.close());
    }
  }

  @Test
  void anOrderWithinItsMarginIsNoWarningOnTheDashboard() throws Exception {
    Vertx client = Vertx.vertx();
    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    try {
      WebSocket socket = TestNodes.openBridge(client, node.node().httpPort());
      socket.handler(data -> frames.add(new JsonObject(data)));
      socket.writeTextMessage(new JsonObject().put("type", "register").put("address", "dashboard.margins").encode());
      prices(800, 900, 900, 700);
      String orderId = node.push("shanghai");
      node.assertDeliveredBy(orderId, "fengniao", 700);
      // Two publications after the delivery: the quote was long done, so a warning would be in them.
      awaitFrame(frames, body -> true);
      JsonObject margins = awaitFrame(frames, body -> true);
      assertThat(margins.getJsonArray("latestBelowFloor").encode()).doesNotContain(orderId);
      await(socket.close());
    } finally {
      await(client.close());
    }
  }

  /** The body of the next dashboard.margins frame that satisfies {@code wanted}; fails after 10 s. */
  private static JsonObject awaitFrame(BlockingQueue<JsonObject> frames,
                                       java.util.function.Predicate<JsonObject> wanted) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      JsonObject frame = frames.poll(100, TimeUnit.MILLISECONDS);
      if (frame != null && "dashboard.margins".equals(frame.getString("address"))) {
        last = frame.getJsonObject("body");
        if (wanted.test(last)) {
          return last;
        }
      }
    }
    throw new AssertionError("no such dashboard.margins update within 10 s; last: " + last);
  }

  private static String metrics() throws Exception {
    HttpResponse<String> answer = node.send("GET", node.api("/metrics"), null);
    assertThat(answer.statusCode()).isEqualTo(200);
    return answer.body();
  }
}
