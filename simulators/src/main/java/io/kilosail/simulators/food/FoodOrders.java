package io.kilosail.simulators.food;

import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Makes the overflow orders a food platform pushes: a shop somewhere in the city, a customer 1–5 km away, a weight, a
 * delivery fee that grows with the distance (integer fen), a due time 30–50 minutes after the order was placed (UTC).
 * Every order fits {@code openapi/intake.yaml}'s {@code OrderPush}. Plain Java; the {@link Random} makes a run
 * reproducible when the simulator is given a seed.
 */
final class FoodOrders {

  /** A city: its code as the platforms send it (intake's {@code city}), its name, and a centre in GCJ-02. */
  record City(String key, String code, String name, double lat, double lng, String areaCode, List<String> districts) {
  }

  static final String DEFAULT_CITY = "shanghai";

  /** Keyed by the name used in {@code POST /_control/food/push}; sorted so error messages list them stably. */
  static final Map<String, City> CITIES = new TreeMap<>(Map.of(
      "shanghai", new City("shanghai", "310100", "上海市", 31.2304, 121.4737, "021", List.of("黄浦区", "静安区", "徐汇区", "浦东新区")),
      "beijing", new City("beijing", "110100", "北京市", 39.9087, 116.3975, "010", List.of("东城区", "朝阳区", "海淀区", "西城区")),
      "shenzhen", new City("shenzhen", "440300", "深圳市", 22.5431, 114.0579, "0755", List.of("福田区", "南山区", "罗湖区")),
      "guangzhou", new City("guangzhou", "440100", "广州市", 23.1291, 113.2644, "020", List.of("天河区", "越秀区", "海珠区")),
      "hangzhou", new City("hangzhou", "330100", "杭州市", 30.2741, 120.1551, "0571", List.of("西湖区", "上城区", "拱墅区")),
      "chengdu", new City("chengdu", "510100", "成都市", 30.5728, 104.0668, "028", List.of("锦江区", "武侯区", "青羊区"))));

  /** How many shops of each city push overflow orders. */
  static final int SHOPS_PER_CITY = 50;
  private static final List<String> SHOPS = List.of("兰州拉面", "沙县小吃", "老王面馆", "喜茶", "麦当劳", "黄焖鸡米饭",
      "杨国福麻辣烫", "肯德基", "瑞幸咖啡", "袁记云饺", "西贝莜面村", "张亮麻辣烫");
  private static final List<String> ROADS = List.of("南京西路", "建国路", "人民路", "中山路", "解放路", "长安街",
      "淮海中路", "光华路", "科技园路", "天府大道");
  private static final List<String> SURNAMES = List.of("李", "王", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴");
  private static final List<String> REMARKS = List.of("少辣", "不要葱", "放门口，谢谢", "多放醋", "请勿敲门");
  private static final double KM_PER_DEGREE_LAT = 111.32;

  private final Random random;

  FoodOrders(Random random) {
    this.random = random;
  }

  /** The platform's prefix for its order ids (MT-, ELE-, JD-, else the first letters of the name). */
  static String idPrefix(String platform) {
    return switch (platform) {
      case "meituan" -> "MT";
      case "eleme" -> "ELE";
      case "jd" -> "JD";
      default -> {
        String letters = platform.replaceAll("[^A-Za-z0-9]", "").toUpperCase(Locale.ROOT);
        yield letters.isEmpty() ? "FP" : letters.substring(0, Math.min(3, letters.length()));
      }
    };
  }

  /** One order body; {@code placedAt} is truncated to seconds so it reads as a platform would write it. */
  JsonObject next(String platformOrderId, City city, Instant now) {
    // A platform's overflow comes from a set of shops that order again and again, each always at its own place:
    // shop n of the city has the same name, address and coordinates in every order (its own seeded random).
    int n = random.nextInt(SHOPS_PER_CITY);
    Random shopRandom = new Random((city.code() + "#" + n).hashCode());
    String shopName = SHOPS.get(shopRandom.nextInt(SHOPS.size()));
    String shopId = "shop-" + city.code() + "-" + (1000 + n);
    // The shop within ~4 km of the centre, the customer 1-5 km from the shop: a typical meal-peak delivery.
    double[] shop = offset(city.lat(), city.lng(), shopRandom.nextDouble() * 4.0, shopRandom);
    String shopPhone = city.areaCode() + "-" + (50_000_000 + shopRandom.nextInt(49_999_999));
    String shopAddress = city.name() + city.districts().get(shopRandom.nextInt(city.districts().size()))
        + ROADS.get(shopRandom.nextInt(ROADS.size())) + (1 + shopRandom.nextInt(999)) + "号";
    String shopBranch = city.districts().get(shopRandom.nextInt(city.districts().size()));
    double distanceKm = 1.0 + random.nextDouble() * 4.0;
    double[] customer = offset(shop[0], shop[1], distanceKm);
    Instant placedAt = now.truncatedTo(ChronoUnit.SECONDS).minusSeconds(random.nextInt(60));
    JsonObject order = new JsonObject()
        .put("platformOrderId", platformOrderId)
        .put("city", city.code())
        .put("shop", new JsonObject().put("id", shopId).put("name", shopName))
        .put("pickup", new JsonObject()
            .put("name", shopName + "（" + shopBranch + "店）")
            .put("phone", shopPhone)
            .put("address", shopAddress)
            .put("lat", shop[0]).put("lng", shop[1]))
        .put("dropoff", new JsonObject()
            .put("name", pick(SURNAMES) + (random.nextBoolean() ? "先生" : "女士"))
            .put("phone", "13" + (100_000_000 + random.nextInt(899_999_999)))
            .put("address", city.name() + pick(city.districts()) + pick(ROADS) + (1 + random.nextInt(999)) + "号"
                + (1 + random.nextInt(30)) + "楼" + (101 + random.nextInt(20)) + "室")
            .put("lat", customer[0]).put("lng", customer[1]))
        .put("weightGrams", 200 + random.nextInt(2800))
        // 12 yuan base plus 1 yuan a km, rounded to 10 fen: integer fen, never a float. Above the courier simulator's
        // default price (10 yuan) by more than the demo's margin rule keeps (conf/quoting-rules.json), so a default
        // demo earns its spread on every order.
        .put("deliveryFeeFen", 1200 + Math.round(distanceKm * 10) * 10)
        .put("goodsValueFen", (15 + random.nextInt(135)) * 100L + random.nextInt(10) * 10L)
        .put("placedAt", placedAt.toString())
        .put("expectedDeliveryAt", placedAt.plus(30 + random.nextInt(21), ChronoUnit.MINUTES).toString());
    if (random.nextInt(3) == 0) {
      order.put("remark", pick(REMARKS));
    }
    return order;
  }

  /** A point {@code km} away from (lat, lng) in a random direction, rounded to 6 decimals (about 0.1 m). */
  private double[] offset(double lat, double lng, double km) {
    return offset(lat, lng, km, random);
  }

  private static double[] offset(double lat, double lng, double km, Random random) {
    double bearing = random.nextDouble() * 2 * Math.PI;
    double dLat = km * Math.cos(bearing) / KM_PER_DEGREE_LAT;
    double dLng = km * Math.sin(bearing) / (KM_PER_DEGREE_LAT * Math.cos(Math.toRadians(lat)));
    return new double[] {round6(lat + dLat), round6(lng + dLng)};
  }

  private static double round6(double value) {
    return BigDecimal.valueOf(value).setScale(6, RoundingMode.HALF_UP).doubleValue();
  }

  private <T> T pick(List<T> values) {
    return values.get(random.nextInt(values.size()));
  }
}
