package io.kilosail.quote;

import io.kilosail.admin.AdminAddresses;
import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierQuoteResult;
import io.kilosail.contracts.courier.DeliveryRequest;
import io.kilosail.contracts.quote.QuoteRequest;
import io.kilosail.contracts.quote.QuoteService;
import io.kilosail.contracts.quote.QuoteSet;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.Proxies;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.platform.settings.SettingException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Hosts {@link QuoteService} on {@link QuoteService#ADDRESS}: for one delivery, asks every courier platform the
 * {@link QuoteRules} allow, all at once through the {@link CourierGateway} proxy (each call bounded by
 * {@code quoting.callTimeoutMs}; the gateway's per-platform circuit breakers do the breaking), and answers with the
 * prices that came back plus, per platform that gave none, why. Prices are cached in Redis by route for
 * {@code quoting.cacheTtlSeconds}; Redis being down or slow only costs the cache.
 *
 * <p>The rules come from {@code quoting.rulesFile}, watched with a vertx-config {@link ConfigRetriever} every
 * {@code quoting.rulesScanMs}: a good new file replaces them, a bad one is logged (naming the field) and the old rules
 * stay. Without the file, the inline {@code quoting.rules} apply.
 *
 * <p>Meters: {@code kilosail.quote.duration} (outcome: quoted, no_quote, no_eligible_courier, invalid_request),
 * {@code kilosail.quote.platform.duration} (platform, outcome: ok or the gateway failure), {@code kilosail.quote.cache}
 * (platform, result: hit, miss, error), {@code kilosail.quote.eligible.none}.
 */
public class QuoteVerticle extends VerticleBase implements QuoteService {

  private static final Logger log = LoggerFactory.getLogger(QuoteVerticle.class);

  private QuotingSettings settings;
  private MeterRegistry registry;
  private Redis redisClient;
  private RedisAPI redis;
  private CourierGateway gateway;
  private ConfigRetriever retriever;
  private MessageConsumer<JsonObject> consumer;
  private volatile QuoteRules rules = QuoteRules.none();
  private io.kilosail.shop.ShopSettings shopSettings;
  private io.vertx.sqlclient.Pool pool;
  private io.kilosail.shop.ShopDirectory shops;
  /**
   * The accounts with a tracked balance ({@code platform/account}): only those are read per quote, so while nobody tops
   * an account up quoting reads nothing more. Refreshed every {@code balances.refreshMs} and at once when an operator
   * changes an account anywhere in the cluster ({@link io.kilosail.shop.CourierBalanceGauges#CHANGED}).
   */
  private volatile java.util.Set<String> trackedAccounts = java.util.Set.of();
  private long trackedTimer;
  private MessageConsumer<Object> accountChanges;
  private String rulesSource = "none";

  @Override
  public Future<?> start() {
    settings = QuotingSettings.fromJson(config());
    registry = Meters.registry(NodeConfig.fromJson(config()));
    redisClient = Clients.redis(vertx, InfraSettings.fromJson(config()).redisUrl());
    redis = RedisAPI.api(redisClient);
    gateway = Proxies.courierGateway(vertx, settings.callTimeoutMs());
    shopSettings = io.kilosail.shop.ShopSettings.fromJson(config());
    pool = Clients.mysqlPool(vertx, InfraSettings.fromJson(config()).mysql());
    shops = new io.kilosail.shop.ShopDirectory(vertx, pool, shopSettings.cacheTtlMs());
    trackedTimer = vertx.setPeriodic(shopSettings.refreshMs(), id -> refreshTracked());
    accountChanges = vertx.eventBus().consumer(io.kilosail.shop.CourierBalanceGauges.CHANGED, m -> {
      // The changed account counts at once (a top-up is followed by orders right away); the read confirms the rest.
      if (m.body() instanceof String key && !key.isEmpty() && !trackedAccounts.contains(key)) {
        java.util.Set<String> now = new java.util.HashSet<>(trackedAccounts);
        now.add(key);
        trackedAccounts = java.util.Set.copyOf(now);
      }
      refreshTracked();
    });
    refreshTracked();
    return loadRules().compose(x -> {
      consumer = new ServiceBinder(vertx).setAddress(ADDRESS).register(QuoteService.class, this);
      return consumer.completion();
    }).onSuccess(x -> log.info("quote service up: rules={} ({} rules) callTimeoutMs={} cacheTtlSeconds={}",
        rulesSource, rules.rules().size(), settings.callTimeoutMs(), settings.cacheTtlSeconds()));
  }

  @Override
  public Future<?> stop() {
    if (retriever != null) {
      retriever.close();
    }
    if (shops != null) {
      shops.close();
    }
    vertx.cancelTimer(trackedTimer);
    if (accountChanges != null) {
      accountChanges.unregister();
    }
    Future<Void> unregistered = consumer != null ? consumer.unregister() : Future.succeededFuture();
    return unregistered.onComplete(x -> redisClient.close());
  }

  /** The rules in force now (for tests and the admin view). */
  public QuoteRules rules() {
    return rules;
  }

  // ---------------------------------------------------------------- rules

  private Future<Void> loadRules() {
    String file = settings.rulesFile();
    Future<Boolean> exists = file == null ? Future.succeededFuture(false) : vertx.fileSystem().exists(file);
    return exists.compose(present -> {
      if (!present) {
        if (settings.inlineRules() != null) {
          rules = settings.inlineRules();
          rulesSource = "inline quoting.rules" + (file != null ? " (no file " + file + ")" : "");
        } else {
          log.warn("quoting: no rules file {} and no inline quoting.rules: no courier is eligible for any delivery",
              file);
        }
        return Future.succeededFuture();
      }
      rulesSource = file;
      // The raw format hands us the text, so a file that is not even JSON is reported by us, naming the file.
      retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
          .setScanPeriod(settings.rulesScanMs())
          .addStore(new ConfigStoreOptions().setType("file").setFormat("raw")
              .setConfig(new JsonObject().put("path", file).put("raw.key", "text").put("raw.type", "string"))));
      return retriever.getConfig().compose(initial -> {
        try {
          rules = parse(initial);
        } catch (IllegalArgumentException e) {
          return Future.failedFuture(new SettingException(QuotingSettings.SECTION + ".rulesFile",
              file + ": " + e.getMessage()));
        }
        retriever.listen(change -> onRulesChange(file, change.getNewConfiguration()));
        return Future.<Void>succeededFuture();
      });
    });
  }

  private void onRulesChange(String file, JsonObject raw) {
    try {
      QuoteRules next = parse(raw);
      int before = rules.rules().size();
      rules = next;
      log.info("quoting rules reloaded from {}: {} rules (were {})", file, next.rules().size(), before);
    } catch (IllegalArgumentException e) {
      log.error("quoting rules in {} rejected, keeping the previous {} rules: {}", file, rules.rules().size(),
          e.getMessage());
    }
  }

  private static QuoteRules parse(JsonObject raw) {
    String text = raw.getString("text", "");
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("not a JSON object: " + e.getMessage());
    }
    return QuoteRules.fromJson(json);
  }

  // ---------------------------------------------------------------- quoting

  private record Answer(CourierPlatform platform, CourierQuoteResult offer, boolean fromCache, ServiceException failure) {
  }

  private record Route(DeliveryRequest delivery, String city, Map<CourierPlatform, String> keys) {
  }

  @Override
  public Future<QuoteSet> quote(QuoteRequest request) {
    long started = System.nanoTime();
    Future<QuoteSet> result = quoteChecked(request);
    return result.andThen(ar -> {
      String outcome = ar.succeeded() ? "quoted" : switch (ar.cause() instanceof ServiceException e ? e.failureCode() : 0) {
        case INVALID_REQUEST -> "invalid_request";
        case NO_ELIGIBLE_COURIER -> "no_eligible_courier";
        case NO_QUOTE -> "no_quote";
        case NO_COURIER_WITHIN_MARGIN -> "no_courier_within_margin";
        default -> "error";
      };
      Timer.builder("kilosail.quote.duration").tag("outcome", outcome).register(registry)
          .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    });
  }

  private Future<QuoteSet> quoteChecked(QuoteRequest request) {
    DeliveryRequest d = request == null ? null : request.getDelivery();
    if (d == null || d.getOrderId() == null || d.getShop() == null || d.getCustomer() == null) {
      return ServiceException.fail(INVALID_REQUEST, "quote needs delivery with orderId, shop and customer");
    }
    if (d.getWeightGrams() < 0) {
      return ServiceException.fail(INVALID_REQUEST, "weightGrams must not be negative");
    }
    Instant at;
    try {
      at = parseAt(request.getAt());
    } catch (DateTimeParseException e) {
      return ServiceException.fail(INVALID_REQUEST, "at must be an ISO-8601 instant, got '" + request.getAt() + "'");
    }
    Instant when = at;
    return shopOf(request, d).compose(shop -> quoteForShop(request, d, when, shop));
  }

  /** The order's shop (cached), or null when unknown or unreadable: then the default accounts apply. */
  private Future<io.kilosail.shop.Shop> shopOf(QuoteRequest request, DeliveryRequest d) {
    return shops.shop(request.getFoodPlatform(), d.getShopId()).transform(ar -> {
      if (ar.failed()) {
        log.warn("quote order={} shop {} unreadable, quoting under the default accounts: {}", d.getOrderId(),
            d.getShopId(), ar.cause().toString());
        return Future.succeededFuture(null);
      }
      return Future.succeededFuture(ar.result());
    });
  }

  private Future<QuoteSet> quoteForShop(QuoteRequest request, DeliveryRequest d, Instant at,
                                        io.kilosail.shop.Shop shop) {
    if (shop != null) {
      d.setCourierAccounts(shop.accounts().isEmpty() ? null : shop.accountsJson());
      if (shop.hours() != null && !shop.hours().isOpen(at, shopSettings.timeZone())) {
        // Quoted all the same: the food platform pushed the order, and a shop's hours in our records may be stale.
        Counter.builder("kilosail.shop.orders.outside.hours").tag("foodPlatform", String.valueOf(shop.foodPlatform()))
            .description("orders received while their shop is closed by its recorded hours (quoted all the same)")
            .register(registry).increment();
        log.info("quote order={} shop={} outside its hours {}-{}: quoted all the same", d.getOrderId(), shop.key(),
            shop.hours().opensText(), shop.hours().closesText());
      }
    }
    QuoteRules current = rules;
    QuoteRules.Trip trip = new QuoteRules.Trip(d.getCityName(), request.getFoodPlatform(), d.getShop().getLat(),
        d.getShop().getLng(), d.getCustomer().getLat(), d.getCustomer().getLng(), d.getWeightGrams(), at);
    List<CourierPlatform> eligible = current.eligible(trip);
    if (eligible.isEmpty()) {
      Counter.builder("kilosail.quote.eligible.none").register(registry).increment();
      String why = String.format(java.util.Locale.ROOT,
          "no courier platform serves city '%s', food platform '%s', %.0f m, %d g at %s", d.getCityName(),
          request.getFoodPlatform(), QuoteRules.distanceMeters(trip.shopLat(), trip.shopLng(), trip.customerLat(),
              trip.customerLng()), d.getWeightGrams(), at);
      log.info("quote order={} no eligible courier: {}", d.getOrderId(), why);
      return ServiceException.fail(NO_ELIGIBLE_COURIER, why,
          new JsonObject().put("orderId", d.getOrderId()).put("city", d.getCityName()));
    }
    String city = current.normalizeCity(d.getCityName());
    Map<CourierPlatform, String> keys = new EnumMap<>(CourierPlatform.class);
    for (CourierPlatform p : eligible) {
      String own = shop == null ? null : shop.accountFor(p);
      // A shop's own account may be priced differently: its prices are cached apart from the default account's.
      keys.put(p, QuoteCacheKeys.key(p, city, d.getShop().getLat(), d.getShop().getLng(), d.getCustomer().getLat(),
          d.getCustomer().getLng(), d.getWeightGrams()) + (own == null ? "" : "@" + own));
    }
    Route route = new Route(d, city, keys);
    long started = System.nanoTime();
    return cached(route, eligible)
        .compose(hits -> {
          List<Future<Answer>> answers = new ArrayList<>();
          for (CourierPlatform p : eligible) {
            QuoteCacheKeys.Cached hit = hits.get(p);
            if (settings.cacheTtlSeconds() > 0) {
              cacheMeter(p, hit != null ? "hit" : "miss");
            }
            answers.add(hit != null
                ? Future.succeededFuture(new Answer(p, new CourierQuoteResult().setPlatform(p.id())
                    .setPriceFen(hit.priceFen()).setEtaSeconds(hit.etaSeconds()), true, null))
                : ask(p, d));
          }
          // Every answer succeeds (a failure is a value), so all() waits for each one and never short-circuits.
          return Future.all(answers).map(all -> answers.stream().map(Future::result).toList());
        })
        .compose(answers -> store(route, answers).map(answers))
        .compose(answers -> answer(d.getOrderId(), answers, started))
        .compose(set -> withinMargin(current.margins(), request, city, set))
        .compose(set -> withinBalance(d, set))
        .map(set -> set.setCourierAccounts(d.getCourierAccounts()).setPrepaidPlatforms(d.getPrepaidPlatforms()));
  }

  /**
   * Keeps the offers whose courier account can pay for them ({@link io.kilosail.shop.CourierBalances}): a courier whose
   * prepaid balance cannot is skipped, whatever the strategy, and counted. None left: the order goes back to its food
   * platform as when no courier fits the margin, with the reason.
   */
  private void refreshTracked() {
    pool.query("SELECT platform, account_id FROM courier_account").execute()
        .onSuccess(rows -> {
          java.util.Set<String> now = new java.util.HashSet<>();
          rows.forEach(r -> now.add(r.getString(0) + "/" + r.getString(1)));
          trackedAccounts = java.util.Set.copyOf(now);
        })
        .onFailure(err -> log.warn("quoting: tracked courier accounts not refreshed: {}", err.toString()));
  }

  private Future<QuoteSet> withinBalance(DeliveryRequest d, QuoteSet set) {
    Map<String, String> accounts = new java.util.HashMap<>();
    java.util.Set<String> tracked = trackedAccounts;
    for (CourierQuoteResult offer : set.getOffers()) {
      CourierPlatform p = CourierPlatform.fromId(offer.getPlatform());
      String account = shopSettings.accountFor(p, d.getCourierAccounts());
      if (account != null && tracked.contains(p.id() + "/" + account)) {
        accounts.put(p.id(), account);
      }
    }
    if (accounts.isEmpty()) {
      return Future.succeededFuture(set);
    }
    return io.kilosail.shop.CourierAccountRepository.byPlatform(pool, accounts).transform(ar -> {
      if (ar.failed()) {
        // Unknown balances skip nobody: the platform itself refuses a placement it cannot charge.
        log.warn("quote order={} balances unreadable, no courier skipped: {}", d.getOrderId(), ar.cause().toString());
        return Future.succeededFuture(set);
      }
      Map<String, io.kilosail.shop.CourierAccountRepository.Stored> balances = ar.result();
      if (!balances.isEmpty()) {
        d.setPrepaidPlatforms(new JsonArray(new ArrayList<>(balances.keySet())));
      }
      long threshold = shopSettings.lowThresholdFen();
      io.kilosail.shop.CourierBalances.Split<CourierQuoteResult> split = io.kilosail.shop.CourierBalances.split(
          set.getOffers(), o -> balances.get(o.getPlatform()) == null ? null
              : balances.get(o.getPlatform()).account(threshold), CourierQuoteResult::getPriceFen,
          shopSettings.floorFen());
      if (split.skipped().isEmpty()) {
        return Future.succeededFuture(set);
      }
      List<String> why = new ArrayList<>();
      List<String> brief = new ArrayList<>();
      for (CourierQuoteResult skipped : split.skipped()) {
        io.kilosail.shop.CourierAccountRepository.Stored account = balances.get(skipped.getPlatform());
        Counter.builder("kilosail.dispatch.skipped.low.balance").tag("platform", skipped.getPlatform())
            .description("courier offers skipped because the courier account's prepaid balance cannot pay them")
            .register(registry).increment();
        String reason = skipped.getPlatform() + " account " + account.accountId() + " balance "
            + account.balanceFen() + " fen cannot pay " + skipped.getPriceFen() + " fen";
        why.add(reason);
        // Short, without the account ids: it becomes the order's cancel reason (255 characters at most).
        brief.add(skipped.getPlatform() + " balance " + account.balanceFen() + " < " + skipped.getPriceFen() + " fen");
        set.getSkipped().add(new JsonObject().put("platform", skipped.getPlatform()).put("code", "LOW_BALANCE")
            .put("reason", reason));
      }
      log.info("quote order={} skipped for their balance: {}", d.getOrderId(), why);
      if (split.payable().isEmpty()) {
        return ServiceException.fail(NO_COURIER_WITHIN_MARGIN, "no courier account can pay: "
            + String.join(", ", brief), new JsonObject().put("orderId", d.getOrderId()).put("skipped", why.toString()));
      }
      return Future.succeededFuture(set.setOffers(split.payable()));
    });
  }

  /** Keeps the offers the order's margin allows (every dispatch strategy then chooses among them only). */
  private Future<QuoteSet> withinMargin(MarginPolicy margins, QuoteRequest request, String city, QuoteSet set) {
    MarginPolicy.Verdict<CourierQuoteResult> verdict = margins.judge(request.getFoodPlatform(), city,
        request.getDeliveryFeeFen(), set.getOffers(), CourierQuoteResult::getPriceFen);
    String orderId = set.getOrderId();
    if (verdict.handBack()) {
      Counter.builder("kilosail.margin.handed.back").tag("foodPlatform", String.valueOf(request.getFoodPlatform()))
          .description("orders handed back to their food platform because no courier fits the margin")
          .register(registry).increment();
      log.info("quote order={} handed back: {}", orderId, verdict.handBackReason());
      return ServiceException.fail(NO_COURIER_WITHIN_MARGIN, verdict.handBackReason(),
          new JsonObject().put("orderId", orderId).put("deliveryFeeFen", request.getDeliveryFeeFen()));
    }
    if (verdict.belowFloor()) {
      Counter.builder("kilosail.margin.below.floor").tag("foodPlatform", String.valueOf(request.getFoodPlatform()))
          .description("orders offered to couriers dearer than the margin allows, within the rule's allowed loss")
          .register(registry).increment();
      log.info("quote order={} below the margin floor (rule '{}'): fee {} fen, offers {}", orderId,
          verdict.rule().name(), request.getDeliveryFeeFen(), verdict.within().size());
      // The dashboard's live warning; a publish, so a dashboard on another node of the cluster hears it too.
      vertx.eventBus().publish(AdminAddresses.MARGIN_BELOW_FLOOR, new JsonObject().put("orderId", orderId)
          .put("foodPlatform", request.getFoodPlatform()).put("city", city)
          .put("deliveryFeeFen", request.getDeliveryFeeFen())
          .put("cheapestFen", verdict.within().stream().mapToLong(CourierQuoteResult::getPriceFen).min().orElse(0))
          .put("maxLossFen", verdict.rule().maxLossFen()).put("rule", verdict.rule().name())
          .put("at", Instant.now().toString()));
    }
    return Future.succeededFuture(set.setOffers(verdict.within()));
  }

  private static Instant parseAt(String at) {
    if (at == null || at.isBlank()) {
      return Instant.now();
    }
    try {
      return Instant.parse(at);
    } catch (DateTimeParseException e) {
      return OffsetDateTime.parse(at).toInstant();
    }
  }

  private Future<QuoteSet> answer(String orderId, List<Answer> answers, long started) {
    QuoteSet set = new QuoteSet().setOrderId(orderId);
    List<CourierQuoteResult> offers = new ArrayList<>();
    JsonArray skipped = new JsonArray();
    for (Answer a : answers) {
      if (a.offer() != null) {
        offers.add(a.offer());
      } else {
        skipped.add(new JsonObject().put("platform", a.platform().id()).put("code", a.failure().failureCode())
            .put("reason", a.failure().getMessage()));
      }
    }
    set.setOffers(offers).setSkipped(skipped);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    String offered = answers.stream().filter(a -> a.offer() != null)
        .map(a -> a.platform().id() + "=" + a.offer().getPriceFen() + (a.fromCache() ? "(cached)" : ""))
        .collect(Collectors.joining(","));
    String missing = answers.stream().filter(a -> a.offer() == null)
        .map(a -> a.platform().id() + "=" + a.failure().failureCode()).collect(Collectors.joining(","));
    if (offers.isEmpty()) {
      log.warn("quote order={} no quote: every eligible courier failed [{}] ms={}", orderId, missing, ms);
      return ServiceException.fail(NO_QUOTE, "no courier platform answered with a price",
          new JsonObject().put("orderId", orderId).put("skipped", skipped));
    }
    if (skipped.isEmpty()) {
      log.debug("quote order={} offers=[{}] ms={}", orderId, offered, ms);
    } else {
      log.info("quote order={} offers=[{}] skipped=[{}] ms={}", orderId, offered, missing, ms);
    }
    return Future.succeededFuture(set);
  }

  /** Asks one platform through the gateway; never fails: a failure is an {@link Answer} carrying its code. */
  private Future<Answer> ask(CourierPlatform platform, DeliveryRequest delivery) {
    long started = System.nanoTime();
    // A quote sends no token: clear one a caller may have left in the delivery.
    DeliveryRequest asked = new DeliveryRequest(delivery.toJson()).setQuoteToken(null);
    return gateway.quote(platform.id(), asked).transform(ar -> {
      Answer answer = ar.succeeded() ? new Answer(platform, ar.result().setPlatform(platform.id()), false, null)
          : new Answer(platform, null, false, failure(platform, ar.cause()));
      Timer.builder("kilosail.quote.platform.duration").tag("platform", platform.id())
          .tag("outcome", answer.offer() != null ? "ok" : outcomeName(answer.failure().failureCode()))
          .register(registry).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      return Future.succeededFuture(answer);
    });
  }

  private ServiceException failure(CourierPlatform platform, Throwable err) {
    JsonObject debug = new JsonObject().put("platform", platform.id());
    if (err instanceof ServiceException e) {
      return e;
    }
    if (err instanceof ReplyException e && e.failureType() == ReplyFailure.TIMEOUT) {
      return new ServiceException(CourierGateway.TIMEOUT,
          platform.id() + " gave no quote within " + settings.callTimeoutMs() + " ms", debug);
    }
    if (err instanceof ReplyException e && e.failureType() == ReplyFailure.NO_HANDLERS) {
      return new ServiceException(CourierGateway.PLATFORM_DOWN, "no courier gateway on the event bus", debug);
    }
    return new ServiceException(CourierGateway.PLATFORM_DOWN, platform.id() + ": " + err.getMessage(), debug);
  }

  private static String outcomeName(int code) {
    return switch (code) {
      case CourierGateway.INVALID_REQUEST -> "invalid_request";
      case CourierGateway.UNKNOWN_PLATFORM -> "unknown_platform";
      case CourierGateway.REJECTED -> "rejected";
      case CourierGateway.BAD_ANSWER -> "bad_answer";
      case CourierGateway.PLATFORM_DOWN -> "platform_down";
      case CourierGateway.TIMEOUT -> "timeout";
      case CourierGateway.CIRCUIT_OPEN -> "circuit_open";
      default -> "error";
    };
  }

  // ---------------------------------------------------------------- cache

  /** The cached prices by platform; empty when the cache is off, down or slow (never a failure). */
  private Future<Map<CourierPlatform, QuoteCacheKeys.Cached>> cached(Route route, List<CourierPlatform> eligible) {
    Map<CourierPlatform, QuoteCacheKeys.Cached> hits = new EnumMap<>(CourierPlatform.class);
    if (settings.cacheTtlSeconds() == 0) {
      return Future.succeededFuture(hits);
    }
    List<String> keys = eligible.stream().map(route.keys()::get).toList();
    return bounded(redis.mget(keys), "read").transform(ar -> {
      if (ar.failed()) {
        log.warn("quote order={} route cache unavailable, asking the platforms: {}", route.delivery().getOrderId(),
            ar.cause().toString());
        eligible.forEach(p -> cacheMeter(p, "error"));
        return Future.succeededFuture(hits);
      }
      Response values = ar.result();
      for (int i = 0; i < eligible.size() && values != null && i < values.size(); i++) {
        Response value = values.get(i);
        QuoteCacheKeys.Cached hit = value == null ? null : QuoteCacheKeys.decode(value.toString());
        if (hit != null) {
          hits.put(eligible.get(i), hit);
        }
      }
      return Future.succeededFuture(hits);
    });
  }

  /** Stores the prices fresh from the platforms; waits (boundedly) so the next quote on the route sees them. */
  private Future<Void> store(Route route, List<Answer> answers) {
    if (settings.cacheTtlSeconds() == 0) {
      return Future.succeededFuture();
    }
    List<Future<Response>> writes = new ArrayList<>();
    for (Answer a : answers) {
      if (a.offer() != null && !a.fromCache()) {
        writes.add(redis.set(List.of(route.keys().get(a.platform()),
            QuoteCacheKeys.encode(a.offer().getPriceFen(), a.offer().getEtaSeconds()),
            "EX", String.valueOf(settings.cacheTtlSeconds()))));
      }
    }
    if (writes.isEmpty()) {
      return Future.succeededFuture();
    }
    return bounded(Future.all(writes), "write").transform(ar -> {
      if (ar.failed()) {
        log.warn("quote order={} could not cache prices: {}", route.delivery().getOrderId(), ar.cause().toString());
      }
      return Future.succeededFuture();
    });
  }

  private <T> Future<T> bounded(Future<T> redisCall, String what) {
    Promise<T> promise = Promise.promise();
    long timer = vertx.setTimer(settings.cacheTimeoutMs(), id -> promise.tryFail(
        "route cache " + what + " took longer than " + settings.cacheTimeoutMs() + " ms"));
    redisCall.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        promise.tryComplete(ar.result());
      } else {
        promise.tryFail(ar.cause());
      }
    });
    return promise.future();
  }

  private void cacheMeter(CourierPlatform platform, String result) {
    Counter.builder("kilosail.quote.cache").tag("platform", platform.id()).tag("result", result).register(registry)
        .increment();
  }
}
