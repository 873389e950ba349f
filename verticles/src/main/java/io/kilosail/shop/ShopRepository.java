package io.kilosail.shop;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.infra.Times;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The {@code shop} table (V17). */
public final class ShopRepository {

  private static final String COLUMNS = "food_platform, shop_id, name, address, lat, lng, city, opens_at, closes_at,"
      + " uu_account, shansong_account, sf_account, fengniao_account, version, created_at, updated_at";
  // INSERT IGNORE: a shop another node (or an operator) wrote first stays as it is.
  private static final String FIRST_SEEN = "INSERT IGNORE INTO shop (food_platform, shop_id, name, address, lat, lng,"
      + " city, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String BY_KEY = "SELECT " + COLUMNS + " FROM shop WHERE food_platform = ? AND shop_id = ?";
  private static final String UPDATE = "UPDATE shop SET name = ?, opens_at = ?, closes_at = ?, uu_account = ?,"
      + " shansong_account = ?, sf_account = ?, fengniao_account = ?, version = ?, updated_at = ?"
      + " WHERE food_platform = ? AND shop_id = ? AND version = ?";

  private ShopRepository() {
  }

  /** Writes the shop unless it is stored already; true when this call created it. */
  public static Future<Boolean> firstSeen(SqlClient client, Shop s) {
    return client.preparedQuery(FIRST_SEEN).execute(Tuple.from(new Object[] {s.foodPlatform(), s.shopId(), s.name(),
            s.address(), s.lat(), s.lng(), s.city(), Times.toDb(s.createdAt()), Times.toDb(s.updatedAt())}))
        .map(rows -> rows.rowCount() == 1);
  }

  public static Future<Shop> find(SqlClient client, String foodPlatform, String shopId) {
    return client.preparedQuery(BY_KEY).execute(Tuple.of(foodPlatform, shopId))
        .map(rows -> rows.size() == 0 ? null : shop(rows.iterator().next()));
  }

  /** Locks the row until the caller's transaction ends. */
  public static Future<Shop> lock(SqlClient client, String foodPlatform, String shopId) {
    return client.preparedQuery(BY_KEY + " FOR UPDATE").execute(Tuple.of(foodPlatform, shopId))
        .map(rows -> rows.size() == 0 ? null : shop(rows.iterator().next()));
  }

  /** The first {@code limit} shops by platform and id, of one food platform or (null) all. */
  public static Future<List<Shop>> list(SqlClient client, String foodPlatform, int limit) {
    String sql = "SELECT " + COLUMNS + " FROM shop" + (foodPlatform == null ? "" : " WHERE food_platform = ?")
        + " ORDER BY food_platform, shop_id LIMIT " + limit;
    return client.preparedQuery(sql).execute(foodPlatform == null ? Tuple.tuple() : Tuple.of(foodPlatform))
        .map(rows -> {
          List<Shop> shops = new ArrayList<>();
          rows.forEach(r -> shops.add(shop(r)));
          return shops;
        });
  }

  /** Stores {@code next} over the version it was made from; false when someone changed the shop meanwhile. */
  public static Future<Boolean> update(SqlClient client, Shop next) {
    return client.preparedQuery(UPDATE).execute(Tuple.from(new Object[] {next.name(),
            next.hours() == null ? null : next.hours().opensText(), next.hours() == null ? null : next.hours().closesText(),
            next.accountFor(CourierPlatform.UU), next.accountFor(CourierPlatform.SHANSONG),
            next.accountFor(CourierPlatform.SF), next.accountFor(CourierPlatform.FENGNIAO), next.version(),
            Times.toDb(next.updatedAt()), next.foodPlatform(), next.shopId(), next.version() - 1}))
        .map(rows -> rows.rowCount() == 1);
  }

  private static Shop shop(Row r) {
    Map<CourierPlatform, String> accounts = new EnumMap<>(CourierPlatform.class);
    accounts.put(CourierPlatform.UU, r.getString("uu_account"));
    accounts.put(CourierPlatform.SHANSONG, r.getString("shansong_account"));
    accounts.put(CourierPlatform.SF, r.getString("sf_account"));
    accounts.put(CourierPlatform.FENGNIAO, r.getString("fengniao_account"));
    String opens = r.getString("opens_at");
    String closes = r.getString("closes_at");
    OpeningHours hours = opens == null || closes == null ? null
        : new OpeningHours(LocalTime.parse(opens), LocalTime.parse(closes));
    Instant created = Times.fromDb(r.getLocalDateTime("created_at"));
    return new Shop(r.getString("food_platform"), r.getString("shop_id"), r.getString("name"), r.getString("address"),
        r.getBigDecimal("lat"), r.getBigDecimal("lng"), r.getString("city"), hours, accounts, r.getInteger("version"),
        created, Times.fromDb(r.getLocalDateTime("updated_at")));
  }
}
