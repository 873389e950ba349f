package io.kilosail.courier.wire;

import java.util.Locale;
import java.util.Map;

/**
 * The city's name as the courier platforms want it (UU {@code cityName}, Shansong {@code cityName}, SF
 * {@code city_name}: "上海市"), from what the food platforms push: an administrative code (310100) or, in the demo and
 * the tests, a lower-case key ("shanghai").
 *
 * <p>Fallback: a value this table does not know is passed on as it came. A Chinese name ("上海市") is already right;
 * an unknown code is sent as is and the platform refuses the quote, which names the city, so extending the table is
 * the fix. Codes are the prefecture-level ones of GB/T 2260 (the xx0100 city proper for most; the four
 * municipalities as xx0100 too).
 */
public final class CityNames {

  private static final Map<String, String> NAMES = Map.ofEntries(
      // the cities the food simulator, the tests and the demo push (simulators FoodOrders.CITIES)
      Map.entry("110100", "北京市"), Map.entry("beijing", "北京市"),
      Map.entry("310100", "上海市"), Map.entry("shanghai", "上海市"),
      Map.entry("440100", "广州市"), Map.entry("guangzhou", "广州市"),
      Map.entry("440300", "深圳市"), Map.entry("shenzhen", "深圳市"),
      Map.entry("330100", "杭州市"), Map.entry("hangzhou", "杭州市"),
      Map.entry("510100", "成都市"), Map.entry("chengdu", "成都市"),
      // other large delivery markets
      Map.entry("120100", "天津市"), Map.entry("tianjin", "天津市"),
      Map.entry("500100", "重庆市"), Map.entry("chongqing", "重庆市"),
      Map.entry("320100", "南京市"), Map.entry("nanjing", "南京市"),
      Map.entry("320500", "苏州市"), Map.entry("suzhou", "苏州市"),
      Map.entry("420100", "武汉市"), Map.entry("wuhan", "武汉市"),
      Map.entry("610100", "西安市"), Map.entry("xian", "西安市"),
      Map.entry("410100", "郑州市"), Map.entry("zhengzhou", "郑州市"),
      Map.entry("430100", "长沙市"), Map.entry("changsha", "长沙市"),
      Map.entry("370200", "青岛市"), Map.entry("qingdao", "青岛市"));

  private CityNames() {
  }

  /** The platform's name for the city, or {@code city} itself when this table does not know it (null stays null). */
  public static String nameOf(String city) {
    if (city == null) {
      return null;
    }
    return NAMES.getOrDefault(city.trim().toLowerCase(Locale.ROOT), city);
  }
}
