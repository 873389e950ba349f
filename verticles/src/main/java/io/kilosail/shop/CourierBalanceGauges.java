package io.kilosail.shop;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The prepaid balances as meters and as the dashboard's warning, read from {@code courier_account} (one small query,
 * the table has one row per account) every {@code balances.refreshMs} and at once when an operator changes an account
 * ({@link #CHANGED}). Gauges: {@code kilosail.courier.balance.fen} (platform, account) and
 * {@code kilosail.courier.balance.low} (platform, account; 1 when under its threshold).
 */
public final class CourierBalanceGauges {

  /** Published with the account's key ({@code platform/account}) when a top-up or a threshold changed it. */
  public static final String CHANGED = "kilosail.courier-accounts.changed";

  private final MeterRegistry registry;
  private final long defaultThresholdFen;
  private final Map<String, AtomicLong> balances = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> lows = new ConcurrentHashMap<>();
  private volatile JsonArray low = new JsonArray();

  public CourierBalanceGauges(MeterRegistry registry, long defaultThresholdFen) {
    this.registry = registry;
    this.defaultThresholdFen = defaultThresholdFen;
  }

  public static void publishChanged(Vertx vertx, String platform, String accountId) {
    vertx.eventBus().publish(CHANGED, platform + "/" + accountId);
  }

  /** Reads every account and updates the gauges and the low list. */
  public Future<JsonArray> refresh(Pool pool) {
    return CourierAccountRepository.list(pool).map(this::update);
  }

  JsonArray update(List<CourierAccountRepository.Stored> accounts) {
    JsonArray now = new JsonArray();
    for (CourierAccountRepository.Stored stored : accounts) {
      CourierBalances.Account a = stored.account(defaultThresholdFen);
      String key = a.platform() + "/" + a.accountId();
      balances.computeIfAbsent(key, k -> gauge("kilosail.courier.balance.fen", "prepaid balance of a courier account,"
          + " fen", a)).set(a.balanceFen());
      lows.computeIfAbsent(key, k -> gauge("kilosail.courier.balance.low", "1 when a courier account's balance is"
          + " under its low threshold", a)).set(a.low() ? 1 : 0);
      if (a.low()) {
        now.add(new JsonObject().put("platform", a.platform()).put("account", a.accountId())
            .put("balanceFen", a.balanceFen()).put("lowThresholdFen", a.lowThresholdFen()));
      }
    }
    low = now;
    return now;
  }

  /** The accounts under their threshold at the last refresh. */
  public JsonArray low() {
    return low;
  }

  private AtomicLong gauge(String name, String description, CourierBalances.Account a) {
    AtomicLong value = new AtomicLong();
    Gauge.builder(name, value, AtomicLong::doubleValue).description(description).tag("platform", a.platform())
        .tag("account", a.accountId()).strongReference(true).register(registry);
    return value;
  }
}
