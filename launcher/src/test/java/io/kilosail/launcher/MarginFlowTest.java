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
  void anAllowedLossIsTakenWithinItsBoundAndCounted() throws Exception {
    prices(1300, 1100, 1200, 1250);
    String orderId = node.push("chengdu");

    node.assertDeliveredBy(orderId, "shansong", 1100);
    assertThat(metrics()).contains("kilosail_margin_below_floor_total");
  }

  private static String metrics() throws Exception {
    HttpResponse<String> answer = node.send("GET", node.api("/metrics"), null);
    assertThat(answer.statusCode()).isEqualTo(200);
    return answer.body();
  }
}
