package io.kilosail.dispatch;

/**
 * What a {@link Dispatch} transition asks the world to do. The adapter writes the durable ones (timers, saga signals,
 * the order's holder) in the transition's own transaction and sends the HTTP ones (place, cancel) after it commits.
 */
public sealed interface DispatchCommand {

  /**
   * Offer the order to this platform (HTTP, after commit). {@code again}: the same placement sent once more because
   * the first one's answer was never stored; any failure of it leaves the first one's outcome unknown.
   */
  record Place(String platform, String quoteToken, boolean again) implements DispatchCommand {

    Place(String platform, String quoteToken) {
      this(platform, quoteToken, false);
    }
  }

  /** Call off the order at this platform (HTTP, after commit); {@code platformOrderId} is its id there. */
  record Cancel(String platform, String platformOrderId, String reason) implements DispatchCommand {
  }

  /** Fire {@link Dispatch#timedOut} for {@code round} after {@code afterMs} (a durable timer, in the transaction). */
  record ArmTimeout(int round, long afterMs) implements DispatchCommand {
  }

  /** A courier of this platform holds the order (a saga signal, in the transaction). */
  record Assigned(String platform, String platformOrderId, long priceFen) implements DispatchCommand {
  }

  /** The holder's courier gave the order up: the order has no holder again (in the transaction). */
  record Released(String platform) implements DispatchCommand {
  }

  /** Nobody will carry the order: every candidate refused, failed, timed out or cancelled (a saga signal). */
  record NoCourier(String reason) implements DispatchCommand {
  }

  /** The holder delivered the order (a saga signal). */
  record Delivered(String platform) implements DispatchCommand {
  }

  /** The holder's courier brought the order back to the shop: the delivery failed for good (a saga signal). */
  record Returned(String platform) implements DispatchCommand {
  }

  /**
   * Add a tip of {@code tipFen} as round {@code tipRound} to the order this platform holds (HTTP, after commit), under
   * {@code key}: the same key for a repeat, so the platform counts it once.
   */
  record AddTip(String platform, String platformOrderId, int tipRound, long tipFen, String key)
      implements DispatchCommand {
  }

  /** The platform confirmed a tip: logged and counted once the transition that stored it has committed. */
  record TipAdded(String platform, int tipRound, long tipFen, long totalFen) implements DispatchCommand {
  }
}
