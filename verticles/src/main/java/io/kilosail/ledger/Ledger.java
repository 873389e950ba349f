package io.kilosail.ledger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The settlement ledger of delivery orders (seed 004), as plain functions: each business fact that moves money becomes
 * a balanced list of {@link Posting}s (their amounts sum to zero), in integer fen. Postings are written in the same
 * transaction as the state change that causes them and are never updated: a mistake is undone by a
 * {@link #reversal} and, if needed, a new posting.
 *
 * <p>Sign convention: positive is a debit (what is owed to us, what we spent), negative a credit (what we earned, what
 * we owe). Accounts, each with the other party in {@link Posting#counterparty()}:
 * <ul>
 *   <li>{@link #RECEIVABLE_PLATFORM} — what a food platform owes us (delivery fees, penalties we charge it);</li>
 *   <li>{@link #REVENUE_DELIVERY}, {@link #REVENUE_PENALTY} — what we earned from a food platform;</li>
 *   <li>{@link #COST_COURIER}, {@link #COST_PENALTY} — what a courier platform cost us;</li>
 *   <li>{@link #PAYABLE_COURIER} — what we owe a courier platform (its fee, penalties it charges us).</li>
 * </ul>
 * So for every order: receivable − payable = revenue − cost = margin.
 */
public final class Ledger {

  // Entry types: why a posting was written.
  public static final String DELIVERY_COMPLETED = "delivery.completed";
  public static final String COURIER_PENALTY = "penalty.courier";
  public static final String EXTRA_COURIER_DELIVERY = "delivery.extra-courier";
  public static final String DELIVERY_RETURNED = "delivery.returned";
  public static final String PLATFORM_PENALTY = "penalty.platform";
  /** Tips (加小费) the courier platform confirmed on the order, billed with its fee (issue 16). */
  public static final String COURIER_TIP = "courier.tip";
  public static final String REVERSAL_SUFFIX = ".reversal";

  // Accounts. The food platform side:
  public static final String RECEIVABLE_PLATFORM = "receivable:platform";
  public static final String REVENUE_DELIVERY = "revenue:delivery";
  public static final String REVENUE_PENALTY = "revenue:penalty";
  // The courier platform side:
  public static final String COST_COURIER = "cost:courier";
  public static final String COST_PENALTY = "cost:penalty";
  public static final String PAYABLE_COURIER = "payable:courier";

  /**
   * One line of the ledger.
   *
   * @param orderId      our delivery order id
   * @param entryType    why it was written ({@link #DELIVERY_COMPLETED}, {@link #COURIER_PENALTY}…, or one of them
   *                     with {@link #REVERSAL_SUFFIX})
   * @param account      one of the account constants
   * @param counterparty the food platform (receivable, revenue) or courier platform (cost, payable) concerned
   * @param amountFen    signed integer fen: positive debit, negative credit
   * @param occurredAt   the instant of the business fact (UTC), which settlement periods are cut on
   */
  public record Posting(String orderId, String entryType, String account, String counterparty, long amountFen,
                        Instant occurredAt) {

    public Posting {
      Objects.requireNonNull(orderId, "orderId");
      Objects.requireNonNull(entryType, "entryType");
      Objects.requireNonNull(account, "account");
      Objects.requireNonNull(counterparty, "counterparty");
      Objects.requireNonNull(occurredAt, "occurredAt");
    }

    public boolean isReversal() {
      return entryType.endsWith(REVERSAL_SUFFIX);
    }
  }

  private Ledger() {
  }

  /**
   * A delivery reached DELIVERED: the food platform owes us its delivery fee (receivable vs delivery revenue) and we
   * owe the courier platform its fee, what it charged when it took the order ({@link CourierCharges#fee}: the price
   * its placement stated, else its quote) (courier cost vs payable). The margin,
   * {@code deliveryFeeFen − courierFeeFen}, is a report figure, not a posting. A zero amount writes no pair.
   */
  public static List<Posting> deliveryCompleted(String orderId, String foodPlatform, long deliveryFeeFen,
                                                String courierPlatform, long courierFeeFen, Instant at) {
    List<Posting> postings = new ArrayList<>(4);
    pair(postings, orderId, DELIVERY_COMPLETED, RECEIVABLE_PLATFORM, REVENUE_DELIVERY, foodPlatform, deliveryFeeFen, at);
    pair(postings, orderId, DELIVERY_COMPLETED, COST_COURIER, PAYABLE_COURIER, courierPlatform, courierFeeFen, at);
    return List.copyOf(postings);
  }

  /**
   * The tips the holder's platform confirmed on a delivered order (dispatch's tip rounds): billed with its fee, so a
   * courier cost and a payable of their own entry type, with no revenue beside them (the margin shrinks by them, within
   * what the tip policy allowed). A zero amount writes nothing.
   */
  public static List<Posting> courierTip(String orderId, String courierPlatform, long tipFen, Instant at) {
    List<Posting> postings = new ArrayList<>(2);
    pair(postings, orderId, COURIER_TIP, COST_COURIER, PAYABLE_COURIER, courierPlatform, tipFen, at);
    return List.copyOf(postings);
  }

  /**
   * A courier that did not hold the order delivered it anyway (it was called off too late, or never heard of it): its
   * platform charges its fee all the same, so it is a cost and a payable with no revenue beside it.
   */
  public static List<Posting> extraCourierDelivery(String orderId, String courierPlatform, long courierFeeFen,
                                                   Instant at) {
    List<Posting> postings = new ArrayList<>(2);
    pair(postings, orderId, EXTRA_COURIER_DELIVERY, COST_COURIER, PAYABLE_COURIER, courierPlatform, courierFeeFen, at);
    return List.copyOf(postings);
  }

  /**
   * The holder's courier brought the order back to the shop: the delivery failed, so the food platform owes no delivery
   * fee, but the courier platform bills the trip, what it states for it ({@link CourierCharges#returnedFee}): a cost and
   * a payable with no revenue beside it.
   */
  public static List<Posting> deliveryReturned(String orderId, String courierPlatform, long chargedFen, Instant at) {
    List<Posting> postings = new ArrayList<>(2);
    pair(postings, orderId, DELIVERY_RETURNED, COST_COURIER, PAYABLE_COURIER, courierPlatform, chargedFen, at);
    return List.copyOf(postings);
  }

  /** What a courier platform charges us for an order cancelled after its courier took it: cost vs payable. */
  public static List<Posting> courierPenalty(String orderId, String courierPlatform, long penaltyFen, Instant at) {
    List<Posting> postings = new ArrayList<>(2);
    pair(postings, orderId, COURIER_PENALTY, COST_PENALTY, PAYABLE_COURIER, courierPlatform, penaltyFen, at);
    return List.copyOf(postings);
  }

  /** What we charge a food platform for cancelling an order we had dispatched: receivable vs penalty revenue. */
  public static List<Posting> platformPenalty(String orderId, String foodPlatform, long penaltyFen, Instant at) {
    List<Posting> postings = new ArrayList<>(2);
    pair(postings, orderId, PLATFORM_PENALTY, RECEIVABLE_PLATFORM, REVENUE_PENALTY, foodPlatform, penaltyFen, at);
    return List.copyOf(postings);
  }

  /**
   * Undoes postings already written: the same lines negated, entry type {@code <type>.reversal}, at {@code at}. The
   * originals stay as they were. A reversal cannot itself be reversed (post the original again instead).
   *
   * @throws IllegalArgumentException when {@code original} does not balance or holds a reversal
   */
  public static List<Posting> reversal(List<Posting> original, Instant at) {
    Objects.requireNonNull(at, "at");
    requireBalanced(original);
    List<Posting> reversed = new ArrayList<>(original.size());
    for (Posting p : original) {
      if (p.isReversal()) {
        throw new IllegalArgumentException("cannot reverse a reversal (" + p.entryType() + " of order " + p.orderId() + ")");
      }
      reversed.add(new Posting(p.orderId(), p.entryType() + REVERSAL_SUFFIX, p.account(), p.counterparty(),
          Math.negateExact(p.amountFen()), at));
    }
    return List.copyOf(reversed);
  }

  /** Sum of the amounts; zero for a balanced list. */
  public static long sum(List<Posting> postings) {
    long sum = 0;
    for (Posting p : postings) {
      sum = Math.addExact(sum, p.amountFen());
    }
    return sum;
  }

  public static boolean balances(List<Posting> postings) {
    return sum(postings) == 0;
  }

  /** @throws IllegalArgumentException naming the imbalance when the postings do not sum to zero */
  public static void requireBalanced(List<Posting> postings) {
    long sum = sum(postings);
    if (sum != 0) {
      throw new IllegalArgumentException("postings do not balance: they sum to " + sum + " fen");
    }
  }

  /** Sum of one account's postings (reversals included). */
  public static long balance(List<Posting> postings, String account) {
    long sum = 0;
    for (Posting p : postings) {
      if (p.account().equals(account)) {
        sum = Math.addExact(sum, p.amountFen());
      }
    }
    return sum;
  }

  /** Revenue minus cost (= receivable minus payable) of these postings, in fen. */
  public static long margin(List<Posting> postings) {
    return -balance(postings, REVENUE_DELIVERY) - balance(postings, REVENUE_PENALTY)
        - balance(postings, COST_COURIER) - balance(postings, COST_PENALTY);
  }

  private static void pair(List<Posting> into, String orderId, String entryType, String debit, String credit,
                           String counterparty, long amountFen, Instant at) {
    if (amountFen < 0) {
      throw new IllegalArgumentException(entryType + " of order " + orderId + ": amount must not be negative, was "
          + amountFen + " fen");
    }
    if (amountFen == 0) {
      return;
    }
    into.add(new Posting(orderId, entryType, debit, counterparty, amountFen, at));
    into.add(new Posting(orderId, entryType, credit, counterparty, -amountFen, at));
  }
}
