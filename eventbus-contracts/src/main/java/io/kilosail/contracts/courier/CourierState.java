package io.kilosail.contracts.courier;

/**
 * The canonical delivery states every courier platform's statuses map to.
 *
 * <p>The {@link #rank()} orders them along a delivery so that "a late or out-of-order callback never moves an order
 * backwards" is a comparison: apply a callback only when its state {@link #isAfter(CourierState) is after} the
 * current one. {@code ABNORMAL} ranks after {@code PICKED_UP} (an exception is raised on a live delivery and is
 * resolved only by a terminal state); {@code DELIVERED}, {@code CANCELLED} and {@code RETURNED} are terminal, rank
 * last and equal, so none overrides another.
 *
 * <p>{@code RETURNED}: the courier brought the goods back to the merchant (SF's {@code complete} callback with
 * {@code receipt_type} 2). The delivery failed, it is not DELIVERED: the food platform is told so, and the courier
 * platform is owed what it states for the trip (else its fee).
 *
 * <p>A courier giving an order up (the platform re-dispatches it) arrives as {@code CREATED}: by rank it never
 * overrides {@code ACCEPTED}, so whoever must react to it (dispatch going to the next candidate) looks at it
 * explicitly rather than through the comparison.
 */
public enum CourierState {
  CREATED(0),
  ACCEPTED(1),
  ARRIVED_AT_SHOP(2),
  PICKED_UP(3),
  DELIVERED(5),
  CANCELLED(5),
  RETURNED(5),
  ABNORMAL(4);

  private final int rank;

  CourierState(int rank) {
    this.rank = rank;
  }

  public int rank() {
    return rank;
  }

  public boolean isTerminal() {
    return this == DELIVERED || this == CANCELLED || this == RETURNED;
  }

  /** True when this state lies strictly further along a delivery than {@code other}. */
  public boolean isAfter(CourierState other) {
    return rank > other.rank;
  }
}
