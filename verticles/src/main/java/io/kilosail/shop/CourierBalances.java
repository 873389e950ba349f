package io.kilosail.shop;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Whether a courier account's prepaid balance can pay for an order, as plain Java. kilosail advances the courier's fee
 * (垫付配送费) from a balance prepaid with the courier platform; a placement the balance cannot cover is refused by the
 * platform, so dispatch does not offer the order to that courier at all.
 *
 * <p>Rule: an account pays for a price when {@code balance − price ≥ floorFen} ({@code balances.floorFen}, 0 by
 * default: the balance may be spent to the last fen, not below). An account whose balance is not tracked (no row: no
 * top-up ever recorded) always pays: we do not know better, and the platform still refuses what it cannot charge.
 * An account is <em>low</em> when its balance is under its threshold (its own, else {@code balances.lowThresholdFen}).
 */
public final class CourierBalances {

  /** A tracked account: its balance and the threshold under which it is low. */
  public record Account(String platform, String accountId, long balanceFen, long lowThresholdFen) {

    public boolean low() {
      return balanceFen < lowThresholdFen;
    }
  }

  private CourierBalances() {
  }

  /** Whether {@code account} (null: not tracked) can pay {@code priceFen} and keep {@code floorFen}. */
  public static boolean canPay(Account account, long priceFen, long floorFen) {
    return account == null || account.balanceFen() - priceFen >= floorFen;
  }

  /**
   * What a cancelled placement's account is owed back now: the charge less the platform's penalty (nothing when the
   * penalty takes it all), less what was credited back already. Negative when a penalty stated later is more than the
   * one credited against: the platform keeps more, so the balance gives some back.
   */
  public static long refundDue(long chargedFen, long penaltyFen, long creditedFen) {
    return Math.max(0, chargedFen - penaltyFen) - creditedFen;
  }

  /** The offers split into those whose account can pay and those skipped for their balance. */
  public record Split<T>(List<T> payable, List<T> skipped) {
  }

  public static <T> Split<T> split(List<T> offers, Function<T, Account> accountOf, ToLongFunction<T> price,
                                   long floorFen) {
    List<T> payable = new ArrayList<>();
    List<T> skipped = new ArrayList<>();
    for (T offer : offers) {
      (canPay(accountOf.apply(offer), price.applyAsLong(offer), floorFen) ? payable : skipped).add(offer);
    }
    return new Split<>(payable, skipped);
  }
}
