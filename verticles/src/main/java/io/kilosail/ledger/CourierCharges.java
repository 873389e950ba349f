package io.kilosail.ledger;

import io.kilosail.ledger.Ledger.Posting;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a courier platform is owed, as plain rules: money is booked for what the platform really charged. A price or a
 * penalty the platform states wins over our own figure for it (its quote, the {@code courierPenalties} table), which
 * is used only where the platform says nothing.
 */
public final class CourierCharges {

  /** Where a recorded courier penalty came from: the platform said it, or our table by the courier's state. */
  public enum Source { STATED, TABLE }

  /** A courier penalty as recorded for one (order, platform). */
  public record Booked(long penaltyFen, Source source) {
  }

  /**
   * What to record for a courier platform's penalty: the row as it must stand afterwards ({@code record}), whether it
   * differs from the one there was ({@code changed}), and the postings that bring the ledger to it (balanced; empty
   * when nothing moves).
   */
  public record PenaltyBooking(Booked record, boolean changed, List<Posting> postings) {
  }

  private CourierCharges() {
  }

  /**
   * The fee a courier platform bills for carrying an order: the price its answer stated when it took the order, else
   * the price it quoted (the placement may re-price: UU and Shansong quote again to place, and a cached quote is
   * minutes old). Null only when neither is known (an order placed by hand).
   */
  public static Long fee(Long chargedAtPlacementFen, Long quotedFen) {
    return chargedAtPlacementFen != null ? chargedAtPlacementFen : quotedFen;
  }

  /**
   * What a trip that ended with the goods back at the shop costs: what the platform states for it (its callback),
   * else its fee for the order.
   */
  public static long returnedFee(Long statedFen, long feeFen) {
    return statedFen != null ? statedFen : feeFen;
  }

  /**
   * A courier platform's penalty for one order, once more information came: its cancel answer or a callback
   * ({@code statedFen}, null when it said nothing), with our table's figure for the courier's state ({@code tableFen})
   * for when nothing is stated. The first statement stands; a statement that comes after we booked the table's figure
   * replaces it (the table's postings are reversed, the stated ones written), since the platform bills what it states.
   *
   * @param existing what is recorded for this (order, platform), or null
   */
  public static PenaltyBooking penalty(String orderId, String platform, Booked existing, Long statedFen,
                                       long tableFen, Instant at) {
    if (existing == null) {
      Booked record = statedFen != null ? new Booked(statedFen, Source.STATED) : new Booked(tableFen, Source.TABLE);
      return new PenaltyBooking(record, true, Ledger.courierPenalty(orderId, platform, record.penaltyFen(), at));
    }
    if (existing.source() == Source.STATED || statedFen == null) {
      return new PenaltyBooking(existing, false, List.of());
    }
    Booked stated = new Booked(statedFen, Source.STATED);
    if (statedFen == existing.penaltyFen()) {
      return new PenaltyBooking(stated, true, List.of());
    }
    List<Posting> postings = new ArrayList<>();
    List<Posting> booked = Ledger.courierPenalty(orderId, platform, existing.penaltyFen(), at);
    if (!booked.isEmpty()) {
      postings.addAll(Ledger.reversal(booked, at));
    }
    postings.addAll(Ledger.courierPenalty(orderId, platform, statedFen, at));
    return new PenaltyBooking(stated, true, List.copyOf(postings));
  }
}
