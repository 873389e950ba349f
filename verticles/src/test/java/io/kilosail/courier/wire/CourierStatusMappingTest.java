package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.Function;

import static io.kilosail.contracts.courier.CourierState.ABNORMAL;
import static io.kilosail.contracts.courier.CourierState.ACCEPTED;
import static io.kilosail.contracts.courier.CourierState.ARRIVED_AT_SHOP;
import static io.kilosail.contracts.courier.CourierState.CANCELLED;
import static io.kilosail.contracts.courier.CourierState.CREATED;
import static io.kilosail.contracts.courier.CourierState.DELIVERED;
import static io.kilosail.contracts.courier.CourierState.PICKED_UP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every platform status the reference lists, with its canonical state, checked both as the table and as what
 * reading a callback with that status yields. An unknown status reads as ABNORMAL and keeps its raw code.
 */
class CourierStatusMappingTest {

  /** UU v3 (uupt-open-cli api-reference.md) and v2's -1 cancellation, which production callbacks still carry. */
  private static final Map<String, CourierState> UU = Map.of("1", CREATED, "3", ACCEPTED,
      "4", ARRIVED_AT_SHOP, "5", PICKED_UP, "6", PICKED_UP, "10", DELIVERED, "11", CANCELLED, "20", ABNORMAL,
      "-1", CANCELLED);
  private static final Map<String, CourierState> SHANSONG = Map.of("20", CREATED, "30", ACCEPTED, "40", PICKED_UP,
      "50", DELIVERED, "60", CANCELLED);
  private static final Map<String, CourierState> SF = Map.of("1", CREATED, "10", ACCEPTED, "12", ARRIVED_AT_SHOP, "15", PICKED_UP,
      "17", DELIVERED, "2", CANCELLED, "22", CREATED, "91", ABNORMAL);
  private static final Map<String, CourierState> FENGNIAO = Map.of("1", CREATED, "20", ACCEPTED,
      "80", ARRIVED_AT_SHOP, "2", PICKED_UP, "3", DELIVERED, "4", CANCELLED, "5", ABNORMAL);

  private final UuWire uu = new UuWire(new UuWire.Credentials("a", "k", "o"), WireVectors.CLOCK);
  private final ShansongWire shansong = new ShansongWire(new ShansongWire.Credentials("c", "s", "k"), WireVectors.CLOCK);
  private final SfWire sf = new SfWire(new SfWire.Credentials("d", "k", "s"), WireVectors.CLOCK);
  private final FengniaoWire fengniao = new FengniaoWire(new FengniaoWire.Credentials("a", "k", "m", "st",
      FengniaoWire.TokenGrant.authorizationCode("c")), WireVectors.CLOCK);

  private static Function<String, CourierInbound> uuCallback() {
    return status -> CourierInbound.ofBody("data=" + java.net.URLEncoder.encode(new JsonObject().put("order_code", "P")
        .put("origin_id", "O").put("state", status).put("timestamp", "1").encode(), java.nio.charset.StandardCharsets.UTF_8));
  }

  private static Function<String, CourierInbound> shansongCallback() {
    return status -> CourierInbound.ofBody(new JsonObject()
        .put("issOrderNo", "P").put("orderNo", "O").put("status", Integer.parseInt(status)).encode());
  }

  private static Function<String, CourierInbound> sfCallback() {
    return status -> CourierInbound.ofBody(new JsonObject().put("sf_order_id", "P").put("shop_order_id", "O")
        .put("order_status", Integer.parseInt(status)).put("push_time", 1L).encode());
  }

  private static Function<String, CourierInbound> fengniaoCallback() {
    return status -> CourierInbound.ofBody(new JsonObject().put("business_data", new JsonObject()
        .put("callback_business_type", "orderStatusNotify")
        .put("param", new JsonObject().put("order_id", "P").put("partner_order_code", "O")
            .put("order_status", Integer.parseInt(status)).put("push_time", 1L)).encode()).encode());
  }

  private static void assertMapping(CourierWire wire, Map<String, CourierState> expected,
                                    Function<String, CourierInbound> callback) {
    assertThat(wire.statusTable()).isEqualTo(expected);
    expected.forEach((status, state) -> {
      CourierCallback read = wire.readCallback(callback.apply(status));
      assertThat(read.state()).as("%s status %s", wire.platform(), status).isEqualTo(state);
      assertThat(read.rawStatus()).isEqualTo(status);
      assertThat(read.orderId()).isEqualTo("O");
      assertThat(read.platformOrderId()).isEqualTo("P");
    });
    CourierCallback unknown = wire.readCallback(callback.apply("777"));
    assertThat(unknown.state()).isEqualTo(ABNORMAL);
    assertThat(unknown.rawStatus()).isEqualTo("777");
  }

  @Test
  void uu() {
    assertMapping(uu, UU, uuCallback());
  }

  @Test
  void shansong() {
    assertMapping(shansong, SHANSONG, shansongCallback());
  }

  @Test
  void sf() {
    assertMapping(sf, SF, sfCallback());
  }

  @Test
  void fengniao() {
    assertMapping(fengniao, FENGNIAO, fengniaoCallback());
  }

  @Test
  void ranksNeverMoveBackwards() {
    assertThat(ACCEPTED.isAfter(CREATED)).isTrue();
    assertThat(PICKED_UP.isAfter(ARRIVED_AT_SHOP)).isTrue();
    assertThat(ACCEPTED.isAfter(PICKED_UP)).isFalse();
    assertThat(DELIVERED.isAfter(ABNORMAL)).isTrue();
    assertThat(CANCELLED.isAfter(DELIVERED)).isFalse();
    assertThat(DELIVERED.isAfter(CANCELLED)).isFalse();
    assertThat(CREATED.isAfter(ACCEPTED)).as("a courier giving up never overrides by rank").isFalse();
    assertThat(DELIVERED.isTerminal() && CANCELLED.isTerminal()).isTrue();
    assertThat(ABNORMAL.isTerminal()).isFalse();
  }
}
