package io.kilosail.cancel;

import io.kilosail.contracts.courier.CourierState;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Who may cancel an order in which state, and what it costs each way (seed 004: the courier platform charges us by
 * how far its courier got; we charge the food platform by how far our order got). Plain Java over two tables from the
 * {@code cancellation} section, each per platform with a {@code default}:
 *
 * <pre>{@code
 * "cancellation": {
 *   "platformPenalties": { "default": {"ACCEPTED": 200, "ARRIVED_AT_SHOP": 300, "PICKED_UP": 600}, "jd": {...} },
 *   "courierPenalties":  { "default": {"ACCEPTED": 200, "ARRIVED_AT_SHOP": 200, "PICKED_UP": 500} }
 * }
 * }</pre>
 *
 * A state missing from a table costs nothing. Only a food platform's own cancel earns us a penalty; a courier's cancel
 * or ours (nobody would deliver) does not.
 */
public final class CancellationPolicy {

  public enum By { PLATFORM, COURIER, SYSTEM }

  /** The outcome of a cancel request: refused (with why), or allowed with the food platform's penalty. */
  public record Decision(boolean allowed, String refusal, long platformPenaltyFen) {
    static Decision refused(String why) {
      return new Decision(false, why, 0);
    }
  }

  private static final String DEFAULT = "default";

  private final Map<String, Map<String, Long>> platformPenalties;
  private final Map<String, Map<String, Long>> courierPenalties;

  public CancellationPolicy(Map<String, Map<String, Long>> platformPenalties,
                            Map<String, Map<String, Long>> courierPenalties) {
    this.platformPenalties = Map.copyOf(platformPenalties);
    this.courierPenalties = Map.copyOf(courierPenalties);
  }

  public static CancellationPolicy fromJson(JsonObject config) {
    JsonObject section = config.getJsonObject("cancellation", new JsonObject());
    return new CancellationPolicy(table(section, "platformPenalties", true),
        table(section, "courierPenalties", false));
  }

  /** May {@code by} cancel an order now in {@code state}, and what does the food platform owe for it? */
  public Decision decide(By by, String foodPlatform, DeliveryOrder.State state) {
    if (state == DeliveryOrder.State.DELIVERED) {
      return Decision.refused("order is already DELIVERED");
    }
    if (state == DeliveryOrder.State.CANCELLED) {
      return Decision.refused("order is already CANCELLED");
    }
    if (state == DeliveryOrder.State.RETURNED) {
      return Decision.refused("order is already RETURNED (the courier brought it back to the shop)");
    }
    long penalty = by == By.PLATFORM ? lookup(platformPenalties, foodPlatform, state.name()) : 0;
    return new Decision(true, null, penalty);
  }

  /** What a courier platform charges for our cancel once its courier reached {@code courierState}. */
  public long courierPenaltyFen(String courierPlatform, CourierState courierState) {
    return lookup(courierPenalties, courierPlatform, courierState.name());
  }

  private static long lookup(Map<String, Map<String, Long>> table, String platform, String state) {
    Map<String, Long> row = table.getOrDefault(platform, table.getOrDefault(DEFAULT, Map.of()));
    return row.getOrDefault(state, 0L);
  }

  private static Map<String, Map<String, Long>> table(JsonObject section, String name, boolean orderStates) {
    Map<String, Map<String, Long>> table = new HashMap<>();
    JsonObject raw = section.getJsonObject(name, new JsonObject());
    for (String platform : raw.fieldNames()) {
      if (platform.startsWith("_")) {
        continue;
      }
      String at = "cancellation." + name + "." + platform;
      if (!(raw.getValue(platform) instanceof JsonObject states)) {
        throw new SettingException(at, "must be an object of state -> penalty in fen");
      }
      Map<String, Long> row = new HashMap<>();
      for (String state : states.fieldNames()) {
        String upper = state.toUpperCase(Locale.ROOT);
        if (!knownState(upper, orderStates)) {
          throw new SettingException(at + "." + state, "not a " + (orderStates ? "order" : "courier") + " state");
        }
        Object fen = states.getValue(state);
        if (!(fen instanceof Number n) || n.longValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
          throw new SettingException(at + "." + state, "must be a non-negative integer (fen), got " + fen);
        }
        row.put(upper, n.longValue());
      }
      table.put(platform, Map.copyOf(row));
    }
    return table;
  }

  private static boolean knownState(String state, boolean orderStates) {
    try {
      if (orderStates) {
        DeliveryOrder.State.valueOf(state);
      } else {
        CourierState.valueOf(state);
      }
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
