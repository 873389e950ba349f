package io.kilosail.order;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.kilosail.contracts.events.OrderEvents;
import io.kilosail.courier.wire.CourierCallback;
import io.kilosail.courier.wire.GeoPoint;
import io.kilosail.order.CourierCallbackRules.OrderView;
import io.kilosail.order.CourierCallbackRules.Outcome;
import io.kilosail.order.DeliveryOrder.State;
import io.kilosail.order.OrderTransitions.CourierReport;
import io.kilosail.order.Transition.Booking;
import io.kilosail.order.Transition.Move;
import io.kilosail.order.Transition.TimelineEntry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;

/** Every transition of the delivery order and its effects, without Vert.x or a database. */
class OrderTransitionsTest {

  private static final Instant NOW = Instant.parse("2025-06-01T04:00:00Z");
  private static final Instant COURIER_AT = Instant.parse("2025-06-01T03:59:58Z");

  private static CourierCallback uu(CourierState state, String raw) {
    return new CourierCallback(CourierPlatform.UU, "UU-1", "order-1", state, raw, "骑手", "13900000000", null,
        COURIER_AT);
  }

  private static OrderView offeredToUu(String state) {
    return new OrderView(state, null, null, true, "PLACED");
  }

  private static OrderView heldByUu(String state) {
    return new OrderView(state, "uu", "UU-1", true, "PLACED");
  }

  private static void assertNothing(Transition t) {
    assertThat(t.movesOrder()).isFalse();
    assertThat(t.move()).isEqualTo(Move.NONE);
    assertThat(t.target()).isNull();
    assertThat(t.timeline()).isNull();
    assertThat(t.pushBack()).isFalse();
    assertThat(t.eventType()).isNull();
    assertThat(t.booking()).isEqualTo(Booking.NONE);
  }

  // ---------------------------------------------------------------- dispatching

  @Test
  void dispatchingMovesACreatedOrderAndMarksItsPushBack() {
    Transition t = OrderTransitions.dispatching(State.CREATED, NOW);
    assertThat(t.move()).isEqualTo(Move.DISPATCHING);
    assertThat(t.target()).isEqualTo(State.DISPATCHING);
    assertThat(t.at()).isEqualTo(NOW);
    assertThat(t.pushBack()).isTrue();
    // The dispatch row written in the same transaction is the timeline's entry.
    assertThat(t.timeline()).isNull();
    assertThat(t.eventType()).isNull();
    assertThat(t.claims()).isFalse();
    assertThat(t.booking()).isEqualTo(Booking.NONE);
  }

  @Test
  void dispatchingChangesNothingOnceTheOrderLeftCreated() {
    for (State state : EnumSet.complementOf(EnumSet.of(State.CREATED))) {
      assertNothing(OrderTransitions.dispatching(state, NOW));
    }
  }

  // ---------------------------------------------------------------- released

  @Test
  void aCourierOnItsWayToTheShopReleasesTheOrderToTheNextCandidate() {
    for (State state : EnumSet.of(State.ACCEPTED, State.ARRIVED_AT_SHOP)) {
      Transition t = OrderTransitions.released(state, "sf", NOW);
      assertThat(t.move()).isEqualTo(Move.RELEASED);
      assertThat(t.target()).isEqualTo(State.DISPATCHING);
      assertThat(t.at()).isEqualTo(NOW);
      assertThat(t.timeline()).isEqualTo(new TimelineEntry(State.DISPATCHING, "dispatch",
          "the sf courier gave the order up; next candidate"));
      assertThat(t.pushBack()).isTrue();
      assertThat(t.courier().platform()).isEqualTo("sf");
      assertThat(t.eventType()).isNull();
      assertThat(t.booking()).isEqualTo(Booking.NONE);
    }
  }

  @Test
  void aCourierWithTheGoodsOrAnEndedOrderIsNotReleased() {
    for (State state : EnumSet.complementOf(EnumSet.of(State.ACCEPTED, State.ARRIVED_AT_SHOP))) {
      assertNothing(OrderTransitions.released(state, "sf", NOW));
    }
  }

  // ---------------------------------------------------------------- cancelled

  @Test
  void cancellingWritesTheReasonAndPenaltyToTheTimelineAndMarksThePushBack() {
    Transition t = OrderTransitions.cancelled(State.ACCEPTED, "platform", "customer changed mind", 300, NOW);
    assertThat(t.move()).isEqualTo(Move.CANCELLED);
    assertThat(t.target()).isEqualTo(State.CANCELLED);
    assertThat(t.at()).isEqualTo(NOW);
    assertThat(t.timeline()).isEqualTo(new TimelineEntry(State.CANCELLED, "platform",
        "customer changed mind; penalty 300 fen"));
    assertThat(t.pushBack()).isTrue();
    assertThat(t.eventType()).isNull();
    assertThat(t.booking()).isEqualTo(Booking.NONE);
  }

  @Test
  void aCancelWithoutReasonOrPenaltySaysCancelled() {
    assertThat(OrderTransitions.cancelled(State.CREATED, "system", null, 0, NOW).timeline())
        .isEqualTo(new TimelineEntry(State.CANCELLED, "system", "cancelled"));
  }

  @Test
  void anEndedOrderIsNotCancelled() {
    for (State state : EnumSet.of(State.DELIVERED, State.CANCELLED, State.RETURNED)) {
      assertNothing(OrderTransitions.cancelled(state, "operator", "too late", 0, NOW));
    }
  }

  // ---------------------------------------------------------------- courier reports

  @Test
  void aLiveCandidatesFirstStateClaimsAndMovesTheOrder() {
    CourierReport r = OrderTransitions.courierReported(offeredToUu("DISPATCHING"), uu(CourierState.ACCEPTED, "3"));
    assertThat(r.decision().outcome()).isEqualTo(Outcome.APPLIED);
    Transition t = r.transition();
    assertThat(t.move()).isEqualTo(Move.COURIER_MOVED);
    assertThat(t.target()).isEqualTo(State.ACCEPTED);
    assertThat(t.at()).isEqualTo(COURIER_AT);
    assertThat(t.claims()).isTrue();
    assertThat(t.pushBack()).isTrue();
    // The stored callback is the timeline's entry.
    assertThat(t.timeline()).isNull();
    assertThat(t.eventType()).isEqualTo(OrderEvents.COURIER_STATE_CHANGED);
    assertThat(t.booking()).isEqualTo(Booking.NONE);
    assertThat(t.courier()).isEqualTo(new CourierSeen("uu", "UU-1", "骑手", "13900000000", null, COURIER_AT));
  }

  @Test
  void theHoldersLaterStateMovesTheOrderWithoutClaiming() {
    Transition t = OrderTransitions.courierReported(heldByUu("ACCEPTED"), uu(CourierState.PICKED_UP, "5"))
        .transition();
    assertThat(t.move()).isEqualTo(Move.COURIER_MOVED);
    assertThat(t.target()).isEqualTo(State.PICKED_UP);
    assertThat(t.claims()).isFalse();
    assertThat(t.pushBack()).isTrue();
    assertThat(t.booking()).isEqualTo(Booking.NONE);
  }

  @Test
  void aDeliveryBooksTheLedger() {
    Transition t = OrderTransitions.courierReported(heldByUu("PICKED_UP"), uu(CourierState.DELIVERED, "10"))
        .transition();
    assertThat(t.target()).isEqualTo(State.DELIVERED);
    assertThat(t.eventType()).isEqualTo(OrderEvents.COURIER_STATE_CHANGED);
    assertThat(t.booking()).isEqualTo(Booking.DELIVERY);
  }

  @Test
  void aReturnToTheShopBooksTheTripNotADelivery() {
    CourierCallback returned = new CourierCallback(CourierPlatform.SF, "JS1", "order-1", CourierState.RETURNED, "17",
        null, null, null, COURIER_AT);
    Transition t = OrderTransitions.courierReported(new OrderView("PICKED_UP", "sf", "JS1", true, "PLACED"), returned)
        .transition();
    assertThat(t.target()).isEqualTo(State.RETURNED);
    assertThat(t.booking()).isEqualTo(Booking.RETURN_TRIP);
  }

  @Test
  void theHoldersCancelMovesTheOrderToCancelledWithoutBooking() {
    Transition t = OrderTransitions.courierReported(heldByUu("ACCEPTED"), uu(CourierState.CANCELLED, "-1"))
        .transition();
    assertThat(t.target()).isEqualTo(State.CANCELLED);
    assertThat(t.pushBack()).isTrue();
    assertThat(t.booking()).isEqualTo(Booking.NONE);
  }

  @Test
  void aGiveUpIsAFactForDispatchThatMovesNothing() {
    CourierReport r = OrderTransitions.courierReported(heldByUu("ACCEPTED"), uu(CourierState.CREATED, "1"));
    assertThat(r.decision().outcome()).isEqualTo(Outcome.GAVE_UP);
    Transition t = r.transition();
    assertThat(t.movesOrder()).isFalse();
    assertThat(t.pushBack()).isFalse();
    assertThat(t.eventType()).isEqualTo(OrderEvents.COURIER_FACT);
    assertThat(t.booking()).isEqualTo(Booking.NONE);
  }

  @Test
  void aCandidateFindingNoRiderIsAFactForDispatch() {
    CourierReport r = OrderTransitions.courierReported(offeredToUu("DISPATCHING"), uu(CourierState.CANCELLED, "-1"));
    assertThat(r.decision().outcome()).isEqualTo(Outcome.DROPPED);
    assertThat(r.transition().movesOrder()).isFalse();
    assertThat(r.transition().eventType()).isEqualTo(OrderEvents.COURIER_FACT);
  }

  @Test
  void aLoserIsAFactForDispatchAndItsDeliveryIsBookedAsAnExtraCourier() {
    OrderView heldBySf = new OrderView("PICKED_UP", "sf", "SF-9", true, "WITHDRAWN");
    CourierReport accepted = OrderTransitions.courierReported(heldBySf, uu(CourierState.ACCEPTED, "3"));
    assertThat(accepted.decision().outcome()).isEqualTo(Outcome.NOT_HOLDER);
    assertThat(accepted.transition().movesOrder()).isFalse();
    assertThat(accepted.transition().eventType()).isEqualTo(OrderEvents.COURIER_FACT);
    assertThat(accepted.transition().booking()).isEqualTo(Booking.NONE);

    Transition delivered = OrderTransitions.courierReported(heldBySf, uu(CourierState.DELIVERED, "10")).transition();
    assertThat(delivered.movesOrder()).isFalse();
    assertThat(delivered.pushBack()).isFalse();
    assertThat(delivered.eventType()).isEqualTo(OrderEvents.COURIER_FACT);
    assertThat(delivered.booking()).isEqualTo(Booking.EXTRA_COURIER);
  }

  @Test
  void aStaleOrUnknownCallbackDoesNothing() {
    CourierReport stale = OrderTransitions.courierReported(heldByUu("PICKED_UP"), uu(CourierState.ACCEPTED, "3"));
    assertThat(stale.decision().outcome()).isEqualTo(Outcome.STALE);
    assertNothing(stale.transition());
    CourierReport unknown = OrderTransitions.courierReported(null, uu(CourierState.ACCEPTED, "3"));
    assertThat(unknown.decision().outcome()).isEqualTo(Outcome.UNKNOWN_ORDER);
    assertNothing(unknown.transition());
  }

  @Test
  void aRiderPositionOffEarthIsDroppedButTheMoveStays() {
    CourierCallback far = new CourierCallback(CourierPlatform.UU, "UU-1", "order-1", CourierState.PICKED_UP, "5",
        null, null, null, COURIER_AT, new GeoPoint(120.0, 121.0));
    Transition t = OrderTransitions.courierReported(heldByUu("ACCEPTED"), far).transition();
    assertThat(t.target()).isEqualTo(State.PICKED_UP);
    assertThat(t.courier().riderPosition()).isNull();
    CourierCallback near = new CourierCallback(CourierPlatform.UU, "UU-1", "order-1", CourierState.PICKED_UP, "5",
        null, null, null, COURIER_AT, new GeoPoint(31.2, 121.4));
    assertThat(OrderTransitions.courierReported(heldByUu("ACCEPTED"), near).transition().courier().riderPosition())
        .isEqualTo(new GeoPoint(31.2, 121.4));
  }
}
