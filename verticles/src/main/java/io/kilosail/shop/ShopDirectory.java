package io.kilosail.shop;

import io.kilosail.order.DeliveryOrder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One verticle's view of the shops, cached on its event loop.
 * <ul>
 *   <li>Intake ({@link #seen}): the shops this node has already stored. An order from a shop not in the set writes it
 *   with {@code INSERT IGNORE} after the order's commit (never in its way: a failure is logged, the order stands);
 *   every later order from it writes nothing.</li>
 *   <li>Quoting ({@link #shop}): the shop with its courier accounts, read on a miss and kept {@code shops.cacheTtlMs}.
 *   An operator's edit publishes {@link #CHANGED} on the event bus (clustered: every node) and each directory drops
 *   the shop at once; the TTL only bounds what a lost publish could leave stale.</li>
 * </ul>
 */
public final class ShopDirectory {

  /** Published with the shop's key ({@code platform/shopId}) when an operator changed it. */
  public static final String CHANGED = "kilosail.shops.changed";

  private static final Logger log = LoggerFactory.getLogger(ShopDirectory.class);
  private static final int MAX_ENTRIES = 50_000;

  private record Entry(Shop shop, long loadedAtMillis) {
  }

  private final Vertx vertx;
  private final Pool pool;
  private final long ttlMs;
  /** Touched on the owner's event loop only; a small LRU so a platform with many shops cannot grow it without end. */
  private final Map<String, Entry> shops = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
      return size() > MAX_ENTRIES;
    }
  };
  private final Set<String> stored = ConcurrentHashMap.newKeySet();
  private final MessageConsumer<String> consumer;

  public ShopDirectory(Vertx vertx, Pool pool, long ttlMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.ttlMs = ttlMs;
    this.consumer = vertx.eventBus().consumer(CHANGED, message -> shops.remove(message.body()));
  }

  public void close() {
    consumer.unregister();
  }

  /** Tells every node's directories that the shop changed. */
  public static void publishChanged(Vertx vertx, String key) {
    vertx.eventBus().publish(CHANGED, key);
  }

  /**
   * A committed order's shop: stored unless this node stored it before. Never fails; answers whether it wrote the
   * shop now (for tests and logs).
   */
  public Future<Boolean> seen(DeliveryOrder order) {
    String key = Shop.key(order.platform(), order.shop().id());
    if (stored.contains(key)) {
      return Future.succeededFuture(false);
    }
    Instant now = Instant.now();
    Shop first = Shop.firstSeen(order.platform(), order.shop().id(), order.shop().name(), order.pickup().address(),
        order.pickup().lat(), order.pickup().lng(), order.city(), now);
    return ShopRepository.firstSeen(pool, first).transform(ar -> {
      if (ar.failed()) {
        // The order is committed; the next order from the shop tries again.
        log.warn("shop not stored on first sight shop={} order={} error={}", key, order.id(), ar.cause().toString());
        return Future.succeededFuture(false);
      }
      if (stored.size() < MAX_ENTRIES) {
        stored.add(key);
      }
      if (ar.result()) {
        log.info("shop created on first sight shop={} name={} order={}", key, first.name(), order.id());
      }
      return Future.succeededFuture(ar.result());
    });
  }

  /** The shop (cached), or null when it is not stored; a failed read fails. */
  public Future<Shop> shop(String foodPlatform, String shopId) {
    if (foodPlatform == null || shopId == null) {
      return Future.succeededFuture();
    }
    String key = Shop.key(foodPlatform, shopId);
    Entry entry = shops.get(key);
    long now = System.currentTimeMillis();
    if (entry != null && now - entry.loadedAtMillis() < ttlMs) {
      return Future.succeededFuture(entry.shop());
    }
    return ShopRepository.find(pool, foodPlatform, shopId).onSuccess(shop -> {
      if (ttlMs > 0) {
        shops.put(key, new Entry(shop, now));
      }
    });
  }
}
