package io.kilosail.shop;

import io.kilosail.infra.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The {@code courier_account} and {@code courier_account_topup} tables (V17). */
public final class CourierAccountRepository {

  /** A stored account, as the operator API lists it. */
  public record Stored(String platform, String accountId, long balanceFen, Long lowThresholdFen,
                       Long platformBalanceFen, Instant checkedAt, Instant updatedAt) {

    public CourierBalances.Account account(long defaultThresholdFen) {
      return new CourierBalances.Account(platform, accountId, balanceFen,
          lowThresholdFen != null ? lowThresholdFen : defaultThresholdFen);
    }

    public JsonObject toJson(long defaultThresholdFen) {
      CourierBalances.Account a = account(defaultThresholdFen);
      return new JsonObject().put("platform", platform).put("accountId", accountId).put("balanceFen", balanceFen)
          .put("lowThresholdFen", a.lowThresholdFen()).put("low", a.low())
          .put("platformBalanceFen", platformBalanceFen)
          .put("checkedAt", checkedAt == null ? null : checkedAt.toString())
          .put("updatedAt", updatedAt == null ? null : updatedAt.toString());
    }
  }

  /** A top-up as recorded. */
  public record TopUp(String platform, String accountId, long amountFen, String reference) {
  }

  /** What recording a top-up did: {@code created} false means the reference was recorded already (as {@code topUp}). */
  public record Recorded(TopUp topUp, boolean created, long balanceFen) {
  }

  private static final String COLUMNS = "platform, account_id, balance_fen, low_threshold_fen, platform_balance_fen,"
      + " checked_at, updated_at";
  // The balance only moves by adding to it (never read-modify-write), so concurrent placements need no lock.
  private static final String ADD = "UPDATE courier_account SET balance_fen = balance_fen + ?, updated_at = ?"
      + " WHERE platform = ? AND account_id = ?";

  private CourierAccountRepository() {
  }

  public static Future<List<Stored>> list(SqlClient client) {
    return client.query("SELECT " + COLUMNS + " FROM courier_account ORDER BY platform, account_id").execute()
        .map(rows -> {
          List<Stored> all = new ArrayList<>();
          rows.forEach(r -> all.add(stored(r)));
          return all;
        });
  }

  /** The tracked accounts among {@code keys} (platform id to account id), by platform id. */
  public static Future<Map<String, Stored>> byPlatform(SqlClient client, Map<String, String> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM courier_account WHERE ");
    List<Object> params = new ArrayList<>();
    keys.forEach((platform, account) -> {
      if (!params.isEmpty()) {
        sql.append(" OR ");
      }
      sql.append("(platform = ? AND account_id = ?)");
      params.add(platform);
      params.add(account);
    });
    return client.preparedQuery(sql.toString()).execute(Tuple.from(params)).map(rows -> {
      Map<String, Stored> found = new HashMap<>();
      rows.forEach(r -> found.put(r.getString("platform"), stored(r)));
      return found;
    });
  }

  /**
   * A placement charged {@code priceFen} to the account (negative credits it back): one UPDATE in the placement's
   * transaction; an account without a row is not tracked and nothing changes.
   */
  public static Future<Void> add(SqlClient client, String platform, String accountId, long fen, Instant now) {
    return client.preparedQuery(ADD).execute(Tuple.of(fen, Times.toDb(now), platform, accountId)).mapEmpty();
  }

  /**
   * Records a top-up and credits the balance (creating the account's row on its first top-up), unless its reference
   * was recorded already: then nothing changes and the stored top-up is answered.
   */
  public static Future<Recorded> topUp(SqlClient client, TopUp topUp, String operator, Instant now) {
    return client.preparedQuery("INSERT IGNORE INTO courier_account_topup (platform, account_id, amount_fen,"
            + " reference, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .execute(Tuple.of(topUp.platform(), topUp.accountId(), topUp.amountFen(), topUp.reference(), operator,
            Times.toDb(now)))
        .compose(inserted -> {
          if (inserted.rowCount() == 0) {
            return client.preparedQuery("SELECT amount_fen FROM courier_account_topup WHERE platform = ?"
                    + " AND account_id = ? AND reference = ?")
                .execute(Tuple.of(topUp.platform(), topUp.accountId(), topUp.reference()))
                .compose(rows -> balance(client, topUp.platform(), topUp.accountId()).map(balance ->
                    new Recorded(new TopUp(topUp.platform(), topUp.accountId(), rows.iterator().next().getLong(0),
                        topUp.reference()), false, balance)));
          }
          return client.preparedQuery("INSERT INTO courier_account (platform, account_id, balance_fen, updated_at)"
                  + " VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE balance_fen = balance_fen + VALUES(balance_fen),"
                  + " updated_at = VALUES(updated_at)")
              .execute(Tuple.of(topUp.platform(), topUp.accountId(), topUp.amountFen(), Times.toDb(now)))
              .compose(x -> balance(client, topUp.platform(), topUp.accountId()))
              .map(balance -> new Recorded(topUp, true, balance));
        });
  }

  /**
   * A placement charged {@code priceFen} to a tracked account: journalled once per order and platform (reference
   * {@code charge:<orderId>:<platform>}, recorded by {@code system}, a negative amount) and taken off the balance; a
   * second call for the same placement (its answer and a courier's callback both telling) changes nothing. True when
   * charged now.
   */
  public static Future<Boolean> charge(SqlClient client, String platform, String accountId, String orderId,
                                       long priceFen, Instant now) {
    return journal(client, platform, accountId, "charge:" + orderId + ":" + platform, -priceFen, now);
  }

  /**
   * Settles what a cancelled placement gives back to the account it was charged to: the charge less {@code penaltyFen}
   * ({@link CourierBalances#refundDue}). The first credit is journalled as {@code refund:<orderId>:<platform>}; when the
   * penalty changes later (the platform states a figure after the table's was used) a correction
   * {@code refund:<orderId>:<platform>:<n>} moves the balance by the difference. Nothing for a placement never charged
   * to a tracked account. The charge's row is locked, so our cancel's answer and the platform's callback settle one
   * after the other. Answers the fen credited now (negative: taken back).
   */
  public static Future<Long> settleRefund(SqlClient client, String orderId, String platform, long penaltyFen,
                                          Instant now) {
    String refund = "refund:" + orderId + ":" + platform;
    return client.preparedQuery("SELECT account_id, amount_fen FROM courier_account_topup WHERE reference = ?"
            + " AND platform = ? FOR UPDATE").execute(Tuple.of("charge:" + orderId + ":" + platform, platform))
        .compose(charges -> {
          if (charges.size() == 0) {
            return Future.succeededFuture(0L);
          }
          Row charge = charges.iterator().next();
          String account = charge.getString(0);
          long chargedFen = -charge.getLong(1);
          return client.preparedQuery("SELECT COUNT(*), CAST(COALESCE(SUM(amount_fen), 0) AS SIGNED)"
                  + " FROM courier_account_topup WHERE platform = ? AND account_id = ?"
                  + " AND (reference = ? OR reference LIKE ?)")
              .execute(Tuple.of(platform, account, refund, likePrefix(refund + ":")))
              .compose(credited -> {
                Row so = credited.iterator().next();
                long entries = so.getLong(0);
                long due = CourierBalances.refundDue(chargedFen, penaltyFen, so.getLong(1));
                return due == 0 ? Future.succeededFuture(0L)
                    : journal(client, platform, account, entries == 0 ? refund : refund + ":" + entries, due, now)
                        .map(journalled -> journalled ? due : 0L);
              });
        });
  }

  /** {@code prefix} as a LIKE pattern matching what starts with it: its own % and _ are taken literally. */
  private static String likePrefix(String prefix) {
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
  }

  private static Future<Boolean> journal(SqlClient client, String platform, String accountId, String reference,
                                         long fen, Instant now) {
    return client.preparedQuery("INSERT IGNORE INTO courier_account_topup (platform, account_id, amount_fen,"
            + " reference, recorded_by, created_at) VALUES (?, ?, ?, ?, 'system', ?)")
        .execute(Tuple.of(platform, accountId, fen, reference, Times.toDb(now)))
        .compose(inserted -> inserted.rowCount() == 0 ? Future.succeededFuture(false)
            : add(client, platform, accountId, fen, now).map(true));
  }

  /** The stored account, or null when it has no row. */
  public static Future<Stored> find(SqlClient client, String platform, String accountId) {
    return client.preparedQuery("SELECT " + COLUMNS + " FROM courier_account WHERE platform = ? AND account_id = ?")
        .execute(Tuple.of(platform, accountId))
        .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
  }

  /**
   * The platform answered its balance query with {@code platformFen}: records the answer and when, and moves our
   * balance by {@code differenceFen} (the answer less our balance just before asking). Added, not set: a placement
   * charged to the account while the question was out is kept, as every other balance change is.
   */
  public static Future<Void> correct(SqlClient client, String platform, String accountId, long platformFen,
                                     long differenceFen, Instant now) {
    return client.preparedQuery("UPDATE courier_account SET balance_fen = balance_fen + ?, platform_balance_fen = ?,"
            + " checked_at = ?, updated_at = IF(? <> 0, ?, updated_at) WHERE platform = ? AND account_id = ?")
        .execute(Tuple.of(differenceFen, platformFen, Times.toDb(now), differenceFen, Times.toDb(now), platform,
            accountId))
        .mapEmpty();
  }

  /** Sets the account's own low-balance threshold (null: the config default), creating its row if needed. */
  public static Future<Void> threshold(SqlClient client, String platform, String accountId, Long thresholdFen,
                                       Instant now) {
    return client.preparedQuery("INSERT INTO courier_account (platform, account_id, balance_fen, low_threshold_fen,"
            + " updated_at) VALUES (?, ?, 0, ?, ?) ON DUPLICATE KEY UPDATE low_threshold_fen = VALUES(low_threshold_fen),"
            + " updated_at = VALUES(updated_at)")
        .execute(Tuple.of(platform, accountId, thresholdFen, Times.toDb(now))).mapEmpty();
  }

  private static Future<Long> balance(SqlClient client, String platform, String accountId) {
    return client.preparedQuery("SELECT balance_fen FROM courier_account WHERE platform = ? AND account_id = ?")
        .execute(Tuple.of(platform, accountId))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }

  private static Stored stored(Row r) {
    return new Stored(r.getString("platform"), r.getString("account_id"), r.getLong("balance_fen"),
        r.getLong("low_threshold_fen"), r.getLong("platform_balance_fen"),
        r.getLocalDateTime("checked_at") == null ? null : Times.fromDb(r.getLocalDateTime("checked_at")),
        Times.fromDb(r.getLocalDateTime("updated_at")));
  }
}
