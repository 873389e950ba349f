package io.kilosail.order;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.kilosail.courier.wire.CourierCallback;
import io.kilosail.order.CourierCallbackRules.Decision;
import io.kilosail.order.CourierCallbackRules.OrderView;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static io.kilosail.contracts.courier.CourierState.ABNORMAL;
import static io.kilosail.contracts.courier.CourierState.ACCEPTED;
import static io.kilosail.contracts.courier.CourierState.CANCELLED;
import static io.kilosail.contracts.courier.CourierState.CREATED;
import static io.kilosail.contracts.courier.CourierState.DELIVERED;
import static io.kilosail.contracts.courier.CourierState.PICKED_UP;
import static io.kilosail.order.CourierCallbackRules.Outcome.APPLIED;
import static io.kilosail.order.CourierCallbackRules.Outcome.DROPPED;
import static io.kilosail.order.CourierCallbackRules.Outcome.GAVE_UP;
import static io.kilosail.order.CourierCallbackRules.Outcome.NOT_HOLDER;
import static io.kilosail.order.CourierCallbackRules.Outcome.STALE;
import static io.kilosail.order.CourierCallbackRules.Outcome.UNKNOWN_ORDER;
import static org.assertj.core.api.Assertions.assertThat;

/** The callback rules without Vert.x or a database. */
class CourierCallbackRulesTest {

  private static CourierCallback uu(CourierState state, String raw) {
    return new CourierCallback(CourierPlatform.UU, "UU-1", "order-1", state, raw, "骑手", "13900000000", null,
        Instant.parse("2025-06-01T04:00:00Z"));
  }

  private static OrderView order(String state) {
    return OrderView.undispatched(state);
  }

  @Test
  void aLaterStateIsAppliedFromTheCurrentOne() {
    Decision d = CourierCallbackRules.decide(order("CREATED"), uu(ACCEPTED, "3"));
    assertThat(d).isEqualTo(new Decision(APPLIED, CREATED, ACCEPTED));
    assertThat(d.eventType()).isEqualTo(CourierCallbackRules.STATE_CHANGED);
  }

  @Test
  void statesMaySkipAheadButNeverGoBack() {
    assertThat(CourierCallbackRules.decide(order("CREATED"), uu(PICKED_UP, "5")).outcome()).isEqualTo(APPLIED);
    Decision late = CourierCallbackRules.decide(order("PICKED_UP"), uu(ACCEPTED, "3"));
    assertThat(late).isEqualTo(new Decision(STALE, PICKED_UP, PICKED_UP));
    assertThat(late.eventType()).isNull();
    assertThat(CourierCallbackRules.decide(order("PICKED_UP"), uu(PICKED_UP, "6")).outcome()).isEqualTo(STALE);
  }

  @Test
  void terminalStatesStay() {
    assertThat(CourierCallbackRules.decide(order("DELIVERED"), uu(CANCELLED, "-1")).outcome()).isEqualTo(STALE);
    assertThat(CourierCallbackRules.decide(order("CANCELLED"), uu(DELIVERED, "10")).outcome()).isEqualTo(STALE);
    assertThat(CourierCallbackRules.decide(order("ABNORMAL"), uu(DELIVERED, "10")).outcome()).isEqualTo(APPLIED);
    assertThat(CourierCallbackRules.decide(order("PICKED_UP"), uu(ABNORMAL, "99")).outcome()).isEqualTo(APPLIED);
  }

  @Test
  void aGiveUpIsAFactThatKeepsTheState() {
    // UU v3 has no give-up status: the order goes back to 1 (waiting for a courier) after one accepted.
    Decision d = CourierCallbackRules.decide(order("ACCEPTED"), uu(CREATED, "1"));
    assertThat(d).isEqualTo(new Decision(GAVE_UP, ACCEPTED, ACCEPTED));
    assertThat(d.eventType()).isEqualTo(CourierCallbackRules.COURIER_FACT);
    // UU 1 before anyone accepted is the placement itself: nobody gave anything up.
    assertThat(CourierCallbackRules.decide(order("CREATED"), uu(CREATED, "1")).outcome()).isEqualTo(STALE);
    // Shansong's 20 (dispatching) the same way.
    CourierCallback shansong20 = new CourierCallback(CourierPlatform.SHANSONG, "TDH1", "order-1", CREATED, "20", null,
        null, null, Instant.parse("2025-06-01T04:00:00Z"));
    assertThat(CourierCallbackRules.decide(order("PICKED_UP"), shansong20).outcome()).isEqualTo(GAVE_UP);
    assertThat(CourierCallbackRules.decide(order("CREATED"), shansong20).outcome()).isEqualTo(STALE);
  }

  @Test
  void aCourierThatDoesNotHoldTheOrderMovesNothing() {
    OrderView heldBySf = new OrderView("CREATED", "sf", "SF-9", true, null);
    Decision d = CourierCallbackRules.decide(heldBySf, uu(ACCEPTED, "3"));
    assertThat(d).isEqualTo(new Decision(NOT_HOLDER, CREATED, CREATED));
    assertThat(d.eventType()).isEqualTo(CourierCallbackRules.COURIER_FACT);
    OrderView heldByAnotherUuOrder = new OrderView("CREATED", "uu", "UU-2", true, "PLACED");
    assertThat(CourierCallbackRules.decide(heldByAnotherUuOrder, uu(ACCEPTED, "3")).outcome()).isEqualTo(NOT_HOLDER);
    OrderView heldByThisOne = new OrderView("CREATED", "uu", "UU-1", true, "HOLDER");
    assertThat(CourierCallbackRules.decide(heldByThisOne, uu(ACCEPTED, "3")).outcome()).isEqualTo(APPLIED);
  }

  @Test
  void theFirstLiveCandidateToReportACourierClaimsADispatchedOrder() {
    OrderView offeredToUu = new OrderView("DISPATCHING", null, null, true, "PLACED");
    Decision accepted = CourierCallbackRules.decide(offeredToUu, uu(ACCEPTED, "3"));
    assertThat(accepted).isEqualTo(new Decision(APPLIED, CREATED, ACCEPTED, true));
    // Out of order: a pickup reported before the acceptance claims it too.
    assertThat(CourierCallbackRules.decide(offeredToUu, uu(PICKED_UP, "5")).claims()).isTrue();
    // A placement still on its way counts as live: the courier may be faster than the platform's HTTP answer.
    assertThat(CourierCallbackRules.decide(new OrderView("DISPATCHING", null, null, true, "PLACING"),
        uu(ACCEPTED, "3")).claims()).isTrue();
  }

  @Test
  void aWithdrawnOrNeverOfferedPlatformCannotClaimTheOrder() {
    for (String candidate : new String[] {"WITHDRAWN", "FAILED", "PENDING", null}) {
      Decision d = CourierCallbackRules.decide(new OrderView("DISPATCHING", null, null, true, candidate),
          uu(ACCEPTED, "3"));
      assertThat(d.outcome()).as("candidate %s", candidate).isEqualTo(NOT_HOLDER);
      assertThat(d.claims()).isFalse();
    }
  }

  @Test
  void aCandidateFindingNoRiderDropsOutWithoutCancellingTheOrder() {
    Decision d = CourierCallbackRules.decide(new OrderView("DISPATCHING", null, null, true, "PLACED"),
        uu(CANCELLED, "-1"));
    assertThat(d).isEqualTo(new Decision(DROPPED, CREATED, CREATED));
    assertThat(d.moves()).isFalse();
    assertThat(d.eventType()).isEqualTo(CourierCallbackRules.COURIER_FACT);
  }

  @Test
  void anUnknownOrderIsRecordedWithoutEvent() {
    Decision d = CourierCallbackRules.decide(null, uu(ACCEPTED, "3"));
    assertThat(d.outcome()).isEqualTo(UNKNOWN_ORDER);
    assertThat(d.eventType()).isNull();
  }

  @Test
  void aNonCourierOrderStateRanksAsCreated() {
    assertThat(CourierCallbackRules.courierStateOf("DISPATCHING")).isEqualTo(CREATED);
    assertThat(CourierCallbackRules.decide(order("DISPATCHING"), uu(ACCEPTED, "3")).from()).isEqualTo(CREATED);
  }

  @Test
  void thePayloadCarriesTheTransitionAndTheCallback() {
    CourierCallback cb = new CourierCallback(CourierPlatform.SHANSONG, "SS-1", "order-1", CANCELLED, "60", null, null,
        300L, Instant.parse("2025-06-01T04:00:00.123Z"));
    JsonObject p = CourierCallbackRules.payload("order-1", new Decision(APPLIED, ACCEPTED, CANCELLED), cb);
    assertThat(p.getString("from")).isEqualTo("ACCEPTED");
    assertThat(p.getString("to")).isEqualTo("CANCELLED");
    assertThat(p.getString("platform")).isEqualTo("shansong");
    assertThat(p.getString("rawStatus")).isEqualTo("60");
    assertThat(p.getLong("penaltyFen")).isEqualTo(300L);
    assertThat(p.getValue("courier")).isNull();
    assertThat(p.getString("occurredAt")).isEqualTo("2025-06-01T04:00:00.123Z");
  }

  @Test
  void anSfReturnToTheMerchantEndsTheOrderWithoutDeliveringIt() {
    io.kilosail.courier.wire.SfWire sf = new io.kilosail.courier.wire.SfWire(
        new io.kilosail.courier.wire.SfWire.Credentials("d", "k", "s"), java.time.Clock.systemUTC());
    CourierCallback returned = sf.readCallback(io.kilosail.courier.wire.CourierInbound.ofBody("{\"sf_order_id\":\"JS1\","
        + "\"shop_order_id\":\"order-1\",\"order_status\":17,\"receipt_type\":2,\"push_time\":1772337999}"));
    OrderView heldBySf = new OrderView("PICKED_UP", "sf", "JS1", true, "PLACED");
    Decision d = CourierCallbackRules.decide(heldBySf, returned);
    assertThat(d).isEqualTo(new Decision(APPLIED, PICKED_UP, CourierState.RETURNED));
    assertThat(d.to().isTerminal()).isTrue();
    assertThat(CourierCallbackRules.decide(new OrderView("DELIVERED", "sf", "JS1", true, "PLACED"), returned).outcome())
        .isEqualTo(STALE);
  }
}
