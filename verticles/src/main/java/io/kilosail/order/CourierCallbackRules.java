package io.kilosail.order;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.kilosail.courier.wire.CourierCallback;
import io.kilosail.contracts.events.OrderEvents;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * What a verified courier callback does to its order, as plain functions (no I/O): the courier webhook reads the
 * order row under a lock and asks {@link OrderTransitions#courierReported}, which decides with {@link #decide} and
 * adds the decision's effects; {@link OrderRepository#apply} writes them in the same transaction.
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>No such order: {@link Outcome#UNKNOWN_ORDER}. The callback is stored and acknowledged anyway, since a platform
 *       retries until it gets a 2xx and a retry cannot make the order exist.</li>
 *   <li>The order is held by another courier platform (or another order at the same platform), or nobody holds it and
 *       the caller is not a live dispatch candidate (we withdrew it, its placement failed, it was never offered the
 *       order): {@link Outcome#NOT_HOLDER}. At most one courier holds an order, so a loser's late acceptance must not
 *       move it; it is published as a fact so dispatch can cancel that courier.</li>
 *   <li>Nobody holds the order and a live candidate reports a courier state: the first one to do so
 *       {@link Decision#claims() claims} the order (becomes its holder, at its quoted price) and the state is
 *       {@link Outcome#APPLIED}. A live candidate reporting CANCELLED (its platform found no rider) is
 *       {@link Outcome#DROPPED}: a fact for dispatch, the order is not cancelled.</li>
 *   <li>The callback's canonical state is after the order's by {@link CourierState#rank()}: {@link Outcome#APPLIED},
 *       one transition event. Terminal states rank last, so nothing moves a DELIVERED or CANCELLED order.</li>
 *   <li>A courier giving the order up (it arrives as CREATED, which never wins by rank) after one accepted:
 *       {@link Outcome#GAVE_UP}, a fact for dispatch, which goes on with the next candidate.</li>
 *   <li>Anything else (late, out of order, same rank): {@link Outcome#STALE}, stored, no event.</li>
 * </ol>
 *
 * <p>An order that was never dispatched (no candidates at all: placed by hand) is held by whoever calls back.
 *
 * <p>An SF courier who brings the goods back to the merchant (its complete callback with receipt_type 2) arrives as
 * RETURNED, terminal and not delivered, so the rules end the order without a delivery.
 */
public final class CourierCallbackRules {

  /** The kind of a decision that moved the order (dispatch follows it in the callback's transaction). */
  public static final String STATE_CHANGED = OrderEvents.COURIER_STATE_CHANGED;
  /** The kind of a decision that moves nothing but that dispatch must react to (a give-up, a loser, a dropout). */
  public static final String COURIER_FACT = OrderEvents.COURIER_FACT;

  /**
   * Raw statuses that mean "the courier gave the order up, the platform looks for another" when they come after a
   * courier accepted: SF 22 (rider withdrew); UU v3 and Shansong have no such status, their order goes back to
   * waiting for a courier (UU 1, Shansong 20 dispatching). Fengniao has none in the reference.
   */
  private static final Set<String> GIVE_UPS = Set.of(CourierPlatform.UU.id() + ":1", CourierPlatform.SHANSONG.id() + ":20",
      CourierPlatform.SF.id() + ":22");

  public enum Outcome { APPLIED, STALE, GAVE_UP, DROPPED, NOT_HOLDER, UNKNOWN_ORDER }

  /**
   * The part of a {@code delivery_order} row the rules look at.
   *
   * @param state           the order's state column (intake writes CREATED; later work may add non-courier states)
   * @param courierPlatform the platform holding the order, null until dispatch assigns one
   * @param courierOrderId  that platform's order id, null until dispatch assigns one
   * @param dispatched      whether dispatch offered the order to any platform
   * @param candidateState  the calling platform's placement state (PLACING, PLACED, WITHDRAWN…), null if never offered
   */
  public record OrderView(String state, String courierPlatform, String courierOrderId, boolean dispatched,
                          String candidateState) {

    /** An order nobody dispatched and nobody holds (tests, orders placed by hand). */
    public static OrderView undispatched(String state) {
      return new OrderView(state, null, null, false, null);
    }

    boolean liveCandidate() {
      return "PLACING".equals(candidateState) || "PLACED".equals(candidateState);
    }
  }

  /** @param from the order's courier state before; null for an unknown order */
  public record Decision(Outcome outcome, CourierState from, CourierState to, boolean claims) {

    Decision(Outcome outcome, CourierState from, CourierState to) {
      this(outcome, from, to, false);
    }

    public boolean moves() {
      return outcome == Outcome.APPLIED;
    }

    /** What dispatch is told of this decision ({@link #STATE_CHANGED} or {@link #COURIER_FACT}), null for nothing. */
    public String eventType() {
      return switch (outcome) {
        case APPLIED -> STATE_CHANGED;
        case GAVE_UP, DROPPED, NOT_HOLDER -> COURIER_FACT;
        case STALE, UNKNOWN_ORDER -> null;
      };
    }
  }

  private CourierCallbackRules() {
  }

  /** @param order the locked order row, or null when no order has the callback's id */
  public static Decision decide(OrderView order, CourierCallback callback) {
    if (order == null) {
      return new Decision(Outcome.UNKNOWN_ORDER, null, callback.state());
    }
    CourierState from = courierStateOf(order.state());
    if (order.courierPlatform() == null && order.dispatched()) {
      return unheld(order, from, callback);
    }
    if (!isHeldBy(order, callback)) {
      return new Decision(Outcome.NOT_HOLDER, from, from);
    }
    if (callback.state().isAfter(from)) {
      return new Decision(Outcome.APPLIED, from, callback.state());
    }
    // Only a courier who had the order can give it up: UU 1 and Shansong 20 before acceptance are the placement.
    if (isGiveUp(callback) && from.isAfter(CourierState.CREATED)) {
      return new Decision(Outcome.GAVE_UP, from, from);
    }
    return new Decision(Outcome.STALE, from, from);
  }

  /** A dispatched order nobody holds yet: the first live candidate reporting a courier state takes it. */
  private static Decision unheld(OrderView order, CourierState from, CourierCallback callback) {
    if (!order.liveCandidate()) {
      return new Decision(Outcome.NOT_HOLDER, from, from);
    }
    if (callback.state() == CourierState.CANCELLED) {
      return new Decision(Outcome.DROPPED, from, from);
    }
    if (callback.state().isAfter(from)) {
      return new Decision(Outcome.APPLIED, from, callback.state(), true);
    }
    return new Decision(Outcome.STALE, from, from);
  }

  /**
   * The order's state on the courier scale. A state that is not a courier state (none yet; quoting and dispatch may
   * add some) ranks as CREATED: no courier has reported anything the order has taken on.
   */
  public static CourierState courierStateOf(String orderState) {
    for (CourierState state : CourierState.values()) {
      if (state.name().equals(orderState)) {
        return state;
      }
    }
    return CourierState.CREATED;
  }

  public static boolean isGiveUp(CourierCallback callback) {
    return callback.state() == CourierState.CREATED
        && GIVE_UPS.contains(callback.platform().id() + ":" + callback.rawStatus());
  }

  /** Nobody assigned and never dispatched (orders placed by hand) counts as held: there is no one to protect. */
  private static boolean isHeldBy(OrderView order, CourierCallback callback) {
    if (order.courierPlatform() == null) {
      return true;
    }
    return order.courierPlatform().equals(callback.platform().id())
        && (order.courierOrderId() == null || order.courierOrderId().equals(callback.platformOrderId()));
  }

  /** What dispatch is told: the decision and the callback in canonical form. Money in fen, UTC instants. */
  public static JsonObject payload(String orderId, Decision decision, CourierCallback callback) {
    return new JsonObject()
        .put("orderId", orderId)
        .put("outcome", decision.outcome().name())
        .put("claims", decision.claims())
        .put("from", decision.from() == null ? null : decision.from().name())
        .put("to", decision.to().name())
        .put("callbackState", callback.state().name())
        .put("platform", callback.platform().id())
        .put("platformOrderId", callback.platformOrderId())
        .put("rawStatus", callback.rawStatus())
        .put("courier", callback.courierName() == null && callback.courierPhone() == null ? null
            : new JsonObject().put("name", callback.courierName()).put("phone", callback.courierPhone()))
        .put("penaltyFen", callback.penaltyFen())
        .put("occurredAt", callback.occurredAt().toString());
  }
}
