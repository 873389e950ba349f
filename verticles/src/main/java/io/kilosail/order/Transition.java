package io.kilosail.order;

import io.kilosail.order.DeliveryOrder.State;

import java.time.Instant;

/**
 * What one transition of the delivery order does, as data that {@link OrderTransitions} decides without I/O and
 * {@link OrderRepository#apply} writes in the caller's transaction.
 *
 * @param move      which write of the order's row this is; {@link Move#NONE}: the row stays as it is
 * @param target    the state the order moves to, null when it does not move
 * @param at        the instant the new state holds from (a courier's own instant for its states), null when no move
 * @param timeline  the entry of {@code delivery_order_timeline} written with the move, null when the timeline shows
 *                  the move from another row (the dispatch row, the stored courier callback)
 * @param pushBack  the new state is due for the food platform's push-back (marked in the order's own UPDATE)
 * @param courier   the courier the move concerns: the reporter of a courier move, the one giving the order up on a
 *                  release; null otherwise
 * @param claims    the reporting courier becomes the order's holder with this move
 * @param eventType what dispatch is told in the same transaction ({@code OrderEvents}), null for nothing
 * @param booking   what the ledger books with the move, in the same transaction
 */
public record Transition(Move move, State target, Instant at, TimelineEntry timeline, boolean pushBack,
                         CourierSeen courier, boolean claims, String eventType, Booking booking) {

  /** Each move is one guarded UPDATE of {@code delivery_order} (see {@link OrderRepository#apply}). */
  public enum Move { NONE, DISPATCHING, RELEASED, COURIER_MOVED, CANCELLED }

  /** Ledger postings due with the move. */
  public enum Booking {
    NONE,
    /** The delivery: fee receivable from the food platform, the holder's fee (and tips) payable. */
    DELIVERY,
    /** The courier brought the goods back: its trip is a cost, no delivery fee is earned. */
    RETURN_TRIP,
    /** A courier that did not hold the order delivered it anyway: its platform bills it. */
    EXTRA_COURIER
  }

  /** @param by who moved the order, as the timeline shows it: {@code dispatch}, {@code platform}, {@code system}... */
  public record TimelineEntry(State state, String by, String detail) {
  }

  public Transition {
    if (move == null || booking == null) {
      throw new IllegalArgumentException("move and booking are required");
    }
  }

  /** Nothing happens to the order. */
  public static Transition none() {
    return NOTHING;
  }

  /** The order does not move, but dispatch is told ({@code eventType}) and the ledger may book. */
  static Transition fact(String eventType, Booking booking) {
    return new Transition(Move.NONE, null, null, null, false, null, false, eventType, booking);
  }

  private static final Transition NOTHING = new Transition(Move.NONE, null, null, null, false, null, false, null,
      Booking.NONE);

  public boolean movesOrder() {
    return move != Move.NONE;
  }
}
