package io.kilosail.dispatch;

import java.util.Comparator;
import java.util.List;

/**
 * How an order is offered to the courier platforms that quoted it. All but {@link #SIMULTANEOUS} offer it to one
 * platform at a time, each with an acceptance timeout, and differ only in the order they try the platforms.
 */
public enum DispatchStrategy {
  /** One at a time, in the configured priority of the platforms. */
  SEQUENTIAL,
  /** To every platform at once; the first courier to accept holds it, every other placement is cancelled. */
  SIMULTANEOUS,
  /** One at a time, lowest price first (ties: priority). */
  CHEAPEST,
  /** One at a time, shortest ETA first (no ETA last; ties: price, then priority). */
  FASTEST;

  public boolean offersToAllAtOnce() {
    return this == SIMULTANEOUS;
  }

  /** The offers in the order this strategy tries them; {@code priority} lists platform ids, unlisted ones come last. */
  public List<Dispatch.Offer> order(List<Dispatch.Offer> offers, List<String> priority) {
    Comparator<Dispatch.Offer> byPriority = Comparator.comparingInt(o -> {
      int at = priority.indexOf(o.platform());
      return at < 0 ? Integer.MAX_VALUE : at;
    });
    Comparator<Dispatch.Offer> order = switch (this) {
      case SEQUENTIAL, SIMULTANEOUS -> byPriority;
      case CHEAPEST -> Comparator.comparingLong(Dispatch.Offer::priceFen).thenComparing(byPriority);
      case FASTEST -> Comparator.<Dispatch.Offer>comparingInt(
              o -> o.etaSeconds() == null ? Integer.MAX_VALUE : o.etaSeconds())
          .thenComparingLong(Dispatch.Offer::priceFen).thenComparing(byPriority);
    };
    return offers.stream().sorted(order).toList();
  }
}
