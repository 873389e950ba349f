package io.kilosail.order;

import io.kilosail.contracts.courier.CourierState;
import io.kilosail.courier.wire.CourierCallback;
import io.kilosail.order.CourierCallbackRules.Decision;
import io.kilosail.order.CourierCallbackRules.OrderView;
import io.kilosail.order.CourierCallbackRules.Outcome;
import io.kilosail.order.DeliveryOrder.State;
import io.kilosail.order.Transition.Booking;
import io.kilosail.order.Transition.Move;
import io.kilosail.order.Transition.TimelineEntry;

import java.time.Instant;

/**
 * The delivery order's transitions after intake, as plain functions of what the caller read under the order's lock:
 * each answers the {@link Transition} (new state, timeline entry, push-back mark, what dispatch is told, what the
 * ledger books), or {@link Transition#none()} when the order cannot take it. {@link OrderRepository#apply} writes it;
 * its UPDATEs keep their own guards, which stay the concurrency guard.
 */
public final class OrderTransitions {

  /** Who the timeline shows for the moves dispatch makes. */
  static final String DISPATCH = "dispatch";

  private OrderTransitions() {
  }

  /**
   * Dispatch offered a CREATED order to couriers. No timeline entry: the timeline shows this move from the dispatch
   * row the caller writes in the same transaction ({@link OrderTimeline}).
   */
  public static Transition dispatching(State current, Instant now) {
    if (current != State.CREATED) {
      return Transition.none();
    }
    return new Transition(Move.DISPATCHING, State.DISPATCHING, now, null, true, null, false, null, Booking.NONE);
  }

  /**
   * The holder's courier ({@code platform}) gave the order up on its way to the shop: no holder, DISPATCHING again.
   * Only a courier that has not picked the goods up can be replaced.
   */
  public static Transition released(State current, String platform, Instant now) {
    if (current != State.ACCEPTED && current != State.ARRIVED_AT_SHOP) {
      return Transition.none();
    }
    return new Transition(Move.RELEASED, State.DISPATCHING, now, new TimelineEntry(State.DISPATCHING, DISPATCH,
        "the " + platform + " courier gave the order up; next candidate"), true,
        new CourierSeen(platform, null, null, null), false, null, Booking.NONE);
  }

  /**
   * The order is CANCELLED by {@code by} (lower case, as the timeline shows it), the food platform owing
   * {@code penaltyFen}; nothing when it has ended already.
   */
  public static Transition cancelled(State current, String by, String reason, long penaltyFen, Instant now) {
    if (current.isFinal()) {
      return Transition.none();
    }
    String detail = (reason == null ? "cancelled" : reason) + (penaltyFen > 0 ? "; penalty " + penaltyFen + " fen" : "");
    return new Transition(Move.CANCELLED, State.CANCELLED, now, new TimelineEntry(State.CANCELLED, by, detail), true,
        null, false, null, Booking.NONE);
  }

  /** What a courier callback did: the rules' decision and the order's transition. */
  public record CourierReport(Decision decision, Transition transition) {
  }

  /**
   * A verified courier callback against the order's locked row ({@code order} null: no such order): the decision of
   * {@link CourierCallbackRules#decide} and its effects. A move keeps no timeline entry of its own (the stored
   * callback is the entry); a delivery books the delivery, a return the trip, a non-holder's delivery its fee.
   */
  public static CourierReport courierReported(OrderView order, CourierCallback callback) {
    Decision decision = CourierCallbackRules.decide(order, callback);
    Transition transition;
    if (decision.moves()) {
      CourierState to = decision.to();
      Booking booking = to == CourierState.DELIVERED ? Booking.DELIVERY
          : to == CourierState.RETURNED ? Booking.RETURN_TRIP : Booking.NONE;
      transition = new Transition(Move.COURIER_MOVED, State.valueOf(to.name()), callback.occurredAt(), null, true,
          CourierSeen.of(callback), decision.claims(), decision.eventType(), booking);
    } else {
      Booking booking = decision.outcome() == Outcome.NOT_HOLDER && callback.state() == CourierState.DELIVERED
          ? Booking.EXTRA_COURIER : Booking.NONE;
      transition = decision.eventType() == null && booking == Booking.NONE ? Transition.none()
          : Transition.fact(decision.eventType(), booking);
    }
    return new CourierReport(decision, transition);
  }
}
