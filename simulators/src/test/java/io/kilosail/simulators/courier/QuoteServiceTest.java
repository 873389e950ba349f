package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierQuoteResult;
import io.kilosail.contracts.courier.DeliveryPlace;
import io.kilosail.contracts.courier.DeliveryRequest;
import io.kilosail.contracts.quote.QuoteRequest;
import io.kilosail.contracts.quote.QuoteService;
import io.kilosail.contracts.quote.QuoteSet;
import io.kilosail.courier.gateway.CourierGatewayVerticle;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.quote.QuoteCacheKeys;
import io.kilosail.quote.QuoteVerticle;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.RedisAPI;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quote service as the saga will use it: QuoteVerticle → CourierGateway proxy → the real courier simulator (free
 * port), with the route cache in the real (embedded) Redis and the rules in a watched file.
 *
 * <p>Simulator prices: UU 1100, Shansong 1200, SF 1300, Fengniao 1400 fen. Gateway: HTTP timeout 3 s (longer than the
 * quote's own {@value CALL_TIMEOUT_MS} ms, so the quote's bound is what a slow platform meets), circuits open after
 * {@value MAX_FAILURES} failures.
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class QuoteServiceTest {

  private static final int CALL_TIMEOUT_MS = 600;
  private static final int MAX_FAILURES = 3;
  private static final int SCAN_MS = 200;
  /** Each test (and each call that must miss the cache) gets its own route; the run offset keeps reruns apart. */
  private static final AtomicInteger ROUTES = new AtomicInteger();
  private static final double RUN_OFFSET = ThreadLocalRandom.current().nextInt(0, 400) * 0.001;

  private static final JsonObject CREDENTIALS = new JsonObject()
      .put("uu", new JsonObject().put("appId", "uu-test").put("appKey", "uu-test-key").put("openId", "uu-test-open"))
      .put("shansong", new JsonObject().put("clientId", "ss-test").put("shopId", "ss-shop").put("appSecret", "ss-test-secret"))
      .put("sf", new JsonObject().put("devId", "sf-test").put("devKey", "sf-test-key").put("shopId", "sf-shop"))
      .put("fengniao", new JsonObject().put("appId", "fn-test").put("appSecret", "fn-test-secret").put("merchantId", "fn-m")
          .put("storeCode", "fn-store").put("authorizationCode", "fn-authorisation"));

  private static final JsonObject BEIJING_ONLY = new JsonObject().put("timeZone", "Asia/Shanghai")
      .put("cityAliases", new JsonObject().put("北京", "beijing"))
      .put("rules", new JsonArray().add(new JsonObject().put("name", "beijing-all")
          .put("couriers", new JsonArray().add("uu").add("shansong").add("sf").add("fengniao"))
          .put("cities", new JsonArray().add("beijing"))
          .put("foodPlatforms", new JsonArray().add("meituan").add("eleme").add("jd"))
          .put("maxDistanceMeters", 8000).put("maxWeightGrams", 20000)));

  @TempDir
  Path dir;

  private WebClient web;
  private int simulatorPort;
  private QuoteVerticle quoteVerticle;
  private QuoteService quotes;
  private CourierGateway gateway;
  private MeterRegistry registry;
  private RedisAPI redis;
  private Path rulesFile;

  @BeforeEach
  void start(Vertx vertx, TestInfra infra, VertxTestContext testContext) {
    web = WebClient.create(vertx);
    rulesFile = dir.resolve("quoting-rules.json");
    JsonObject platforms = new JsonObject();
    long price = 1100;
    for (CourierPlatform platform : CourierPlatform.values()) {
      platforms.put(platform.id(), new JsonObject()
          .put("credentials", CREDENTIALS.getJsonObject(platform.id()))
          .put("behaviour", new JsonObject().put("priceFen", price).put("etaSeconds", 1500 + (int) price)
              .put("autoProgress", false)));
      price += 100;
    }
    String registryName = "quote-test-" + UUID.randomUUID();
    registry = Meters.registry(new NodeConfig("t", List.of(), null, false, "dev", registryName));
    JsonObject node = new JsonObject().put("id", "t").put("metricsRegistry", registryName);
    redis = RedisAPI.api(Clients.redis(vertx, infra.settings().redisUrl()));
    CourierSimulatorVerticle simulator = new CourierSimulatorVerticle();
    vertx.fileSystem().writeFile(rulesFile.toString(), Buffer.buffer(BEIJING_ONLY.encodePrettily()))
        .compose(x -> vertx.deployVerticle(simulator, new DeploymentOptions().setConfig(new JsonObject()
            .put("port", 0).put("randomSeed", 7).put("platforms", platforms))))
        .compose(id -> {
          simulatorPort = simulator.actualPort();
          JsonObject couriers = new JsonObject();
          for (CourierPlatform platform : CourierPlatform.values()) {
            couriers.put(platform.id(), CREDENTIALS.getJsonObject(platform.id()).copy()
                .put("baseUrl", "http://127.0.0.1:" + simulatorPort + "/" + platform.id())
                .put("timeoutMs", 3_000)
                .put("circuit", new JsonObject().put("maxFailures", MAX_FAILURES).put("timeoutMs", 5_000)
                    .put("resetTimeoutMs", 60_000)));
          }
          return vertx.deployVerticle(new CourierGatewayVerticle(), new DeploymentOptions().setConfig(new JsonObject()
              .put("node", node).put("couriers", couriers)));
        })
        .compose(id -> {
          quoteVerticle = new QuoteVerticle();
          return vertx.deployVerticle(quoteVerticle, new DeploymentOptions().setConfig(infra.config().copy()
              .put("node", node)
              .put("quoting", new JsonObject().put("callTimeoutMs", CALL_TIMEOUT_MS).put("cacheTtlSeconds", 30)
                  .put("rulesFile", rulesFile.toString()).put("rulesScanMs", SCAN_MS))));
        })
        .onSuccess(id -> {
          quotes = QuoteService.createProxy(vertx, QuoteService.ADDRESS);
          gateway = CourierGateway.createProxy(vertx, CourierGateway.ADDRESS);
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  /** A Beijing delivery of about 500 m on a route no other call uses. */
  private static QuoteRequest request(String orderId, String city) {
    double shift = RUN_OFFSET + ROUTES.incrementAndGet() * 0.01;
    return request(orderId, city, shift);
  }

  private static QuoteRequest request(String orderId, String city, double shift) {
    return new QuoteRequest().setFoodPlatform("meituan").setDelivery(new DeliveryRequest().setOrderId(orderId)
        .setCityName(city)
        .setShop(new DeliveryPlace().setName("老王面馆").setPhone("13800000001").setAddress("建国路1号")
            .setLat(39.9087 + shift).setLng(116.4605))
        .setCustomer(new DeliveryPlace().setName("张三").setPhone("13900000002").setAddress("光华路9号")
            .setLat(39.9130 + shift).setLng(116.4590))
        .setWeightGrams(800).setGoodsValueFen(3600));
  }

  private Future<Long> requests(CourierPlatform platform) {
    return web.get(simulatorPort, "127.0.0.1", "/_control/" + platform.id()).send()
        .map(response -> response.bodyAsJsonObject().getLong("requests"));
  }

  private Future<Map<CourierPlatform, Long>> allRequests() {
    List<Future<Long>> counts = new ArrayList<>();
    for (CourierPlatform p : CourierPlatform.values()) {
      counts.add(requests(p));
    }
    return Future.all(counts).map(x -> {
      Map<CourierPlatform, Long> map = new java.util.EnumMap<>(CourierPlatform.class);
      for (CourierPlatform p : CourierPlatform.values()) {
        map.put(p, counts.get(p.ordinal()).result());
      }
      return map;
    });
  }

  private Future<Void> control(String path, JsonObject body) {
    return web.post(simulatorPort, "127.0.0.1", "/_control" + path).sendJsonObject(body)
        .map(response -> {
          assertThat(response.statusCode()).as("control %s", path).isEqualTo(200);
          return null;
        });
  }

  private static Map<String, Long> prices(QuoteSet set) {
    return set.getOffers().stream().collect(Collectors.toMap(CourierQuoteResult::getPlatform,
        CourierQuoteResult::getPriceFen, (a, b) -> a, java.util.LinkedHashMap::new));
  }

  private static Map<String, Integer> skippedCodes(QuoteSet set) {
    Map<String, Integer> codes = new java.util.LinkedHashMap<>();
    for (Object o : set.getSkipped()) {
      JsonObject s = (JsonObject) o;
      assertThat(s.getString("reason")).isNotBlank();
      codes.put(s.getString("platform"), s.getInteger("code"));
    }
    return codes;
  }

  private static int code(Throwable err) {
    assertThat(err).isInstanceOf(ServiceException.class);
    return ((ServiceException) err).failureCode();
  }

  private double counter(String name, String... tags) {
    return registry.find(name).tags(tags).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  private static Future<Void> sleep(Vertx vertx, long ms) {
    Promise<Void> done = Promise.promise();
    vertx.setTimer(ms, id -> done.complete());
    return done.future();
  }

  private static <T> Future<List<T>> times(int n, Supplier<Future<T>> step) {
    Future<List<T>> all = Future.succeededFuture(new ArrayList<>());
    for (int i = 0; i < n; i++) {
      all = all.compose(list -> step.get().map(r -> {
        list.add(r);
        return list;
      }));
    }
    return all;
  }

  @Test
  void everyEligibleCourierQuotesWithPriceEtaAndToken(Vertx vertx, VertxTestContext testContext) {
    quotes.quote(request("ord-all", "北京市")).onComplete(testContext.succeeding(set -> testContext.verify(() -> {
      assertThat(set.getOrderId()).isEqualTo("ord-all");
      // Stable platform order, the simulator's prices.
      assertThat(prices(set)).containsExactly(Map.entry("uu", 1100L), Map.entry("shansong", 1200L),
          Map.entry("sf", 1300L), Map.entry("fengniao", 1400L));
      assertThat(set.getSkipped()).isEmpty();
      CourierQuoteResult uu = set.getOffers().get(0);
      // UU's v3 quote states no ETA; Shansong's does (estimateReceiveSecond).
      assertThat(uu.getEtaSeconds()).isNull();
      assertThat(set.getOffers().get(1).getEtaSeconds()).isNotNull().isPositive();
      // UU and Shansong place by a token; a fresh quote carries it.
      assertThat(uu.getQuoteToken()).isNotBlank();
      assertThat(set.getOffers().get(1).getQuoteToken()).isNotBlank();
      assertThat(counter("kilosail.quote.cache", "result", "miss")).isEqualTo(4);
      assertThat(registry.find("kilosail.quote.platform.duration").tags("platform", "sf", "outcome", "ok").timer()
          .count()).isEqualTo(1);
      testContext.completeNow();
    })));
  }

  @Test
  void aSecondQuoteOnTheSameRouteIsServedFromRedisAndACachedUuOfferCanStillBePlaced(Vertx vertx,
                                                                                   VertxTestContext testContext) {
    double shift = RUN_OFFSET + ROUTES.incrementAndGet() * 0.01;
    quotes.quote(request("ord-first", "北京市", shift))
        .compose(first -> allRequests().map(sent -> {
          testContext.verify(() -> assertThat(sent.values()).containsOnly(1L));
          return first;
        }))
        // Another order on the same route (same places to 3 decimals, same kilogram): no platform is asked again.
        .compose(first -> quotes.quote(request("ord-second", "beijing", shift + 0.0001)).map(second -> {
          testContext.verify(() -> {
            assertThat(prices(second)).isEqualTo(prices(first));
            assertThat(second.getOrderId()).isEqualTo("ord-second");
            assertThat(second.getOffers()).allSatisfy(o -> {
              assertThat(o.getQuoteToken()).as("cached %s", o.getPlatform()).isNull();
              // The cache keeps what the platform said of the time too (SF and Fengniao say nothing).
              assertThat(o.getEtaSeconds()).as("cached %s", o.getPlatform()).isEqualTo(first.getOffers().stream()
                  .filter(f -> f.getPlatform().equals(o.getPlatform())).findFirst().orElseThrow().getEtaSeconds());
            });
            assertThat(counter("kilosail.quote.cache", "result", "hit")).isEqualTo(4);
          });
          return second;
        }))
        .compose(second -> allRequests().map(sent -> {
          testContext.verify(() -> assertThat(sent.values()).as("simulator requests").containsOnly(1L));
          return second;
        }))
        .compose(second -> {
          DeliveryRequest d = request("x", "beijing", shift).getDelivery();
          String key = QuoteCacheKeys.key(CourierPlatform.UU, "beijing", d.getShop().getLat(), d.getShop().getLng(),
              d.getCustomer().getLat(), d.getCustomer().getLng(), 800);
          return redis.ttl(key).map(ttl -> {
            testContext.verify(() -> assertThat(ttl.toLong()).isBetween(1L, 30L));
            return second;
          });
        })
        // The cached UU offer has no token: the gateway quotes UU afresh and places with that token.
        .compose(second -> gateway.placeOrder("uu", request("ord-second", "beijing", shift).getDelivery()))
        .compose(placed -> {
          testContext.verify(() -> {
            assertThat(placed.getPlatformOrderId()).isNotBlank();
            assertThat(placed.getPriceFen()).isEqualTo(1100L);
          });
          return requests(CourierPlatform.UU);
        })
        .onComplete(testContext.succeeding(uuRequests -> testContext.verify(() -> {
          assertThat(uuRequests).as("first quote, fresh quote, create").isEqualTo(3);
          testContext.completeNow();
        })));
  }

  @Test
  void aPlatformThatIsDownIsSkippedWithItsCodeAndItsCircuitOpensWhileQuotingGoesOn(Vertx vertx,
                                                                                  VertxTestContext testContext) {
    control("/uu/down", new JsonObject().put("forMs", 60_000))
        .compose(x -> times(MAX_FAILURES, () -> quotes.quote(request("ord-down", "北京市"))))
        .compose(sets -> {
          testContext.verify(() -> {
            for (QuoteSet set : sets) {
              assertThat(prices(set)).containsOnlyKeys("shansong", "sf", "fengniao");
              assertThat(skippedCodes(set)).containsExactly(Map.entry("uu", CourierGateway.PLATFORM_DOWN));
            }
          });
          return quotes.quote(request("ord-down", "北京市"));
        })
        .compose(set -> {
          testContext.verify(() -> {
            // The circuit is open: UU is skipped without being asked, the others still quote.
            assertThat(skippedCodes(set)).containsExactly(Map.entry("uu", CourierGateway.CIRCUIT_OPEN));
            assertThat(prices(set)).containsOnlyKeys("shansong", "sf", "fengniao");
          });
          return allRequests();
        })
        .onComplete(testContext.succeeding(sent -> testContext.verify(() -> {
          assertThat(sent.get(CourierPlatform.UU)).isEqualTo(MAX_FAILURES);
          assertThat(sent.get(CourierPlatform.SF)).isEqualTo(MAX_FAILURES + 1);
          assertThat(registry.find("kilosail.quote.platform.duration").tags("platform", "uu", "outcome", "circuit_open")
              .timer().count()).isEqualTo(1);
          testContext.completeNow();
        })));
  }

  @Test
  void aSlowPlatformDoesNotHoldTheQuoteBeyondTheCallTimeout(Vertx vertx, VertxTestContext testContext) {
    long[] started = new long[1];
    control("/sf", new JsonObject().put("latencyMs", 2_500))
        .compose(x -> {
          started[0] = System.nanoTime();
          return quotes.quote(request("ord-slow", "北京市"));
        })
        .onComplete(testContext.succeeding(set -> testContext.verify(() -> {
          long ms = (System.nanoTime() - started[0]) / 1_000_000;
          assertThat(ms).isGreaterThanOrEqualTo(CALL_TIMEOUT_MS - 50).isLessThan(CALL_TIMEOUT_MS + 600);
          assertThat(prices(set)).containsOnlyKeys("uu", "shansong", "fengniao");
          assertThat(skippedCodes(set)).containsExactly(Map.entry("sf", CourierGateway.TIMEOUT));
          testContext.completeNow();
        })));
  }

  @Test
  void whenNoPlatformAnswersTheQuoteFailsWithNoQuote(Vertx vertx, VertxTestContext testContext) {
    Future.all(List.of(control("/uu/down", new JsonObject().put("forMs", 60_000)),
            control("/shansong/down", new JsonObject().put("forMs", 60_000)),
            control("/sf/down", new JsonObject().put("forMs", 60_000)),
            control("/fengniao/down", new JsonObject().put("forMs", 60_000))))
        .compose(x -> quotes.quote(request("ord-none", "北京市")))
        .onComplete(testContext.failing(err -> testContext.verify(() -> {
          assertThat(code(err)).isEqualTo(QuoteService.NO_QUOTE);
          JsonArray skipped = ((ServiceException) err).getDebugInfo().getJsonArray("skipped");
          assertThat(skipped).hasSize(4);
          testContext.completeNow();
        })));
  }

  @Test
  void aCityNoRuleServesHasNoEligibleCourierAndABadRequestIsRefused(Vertx vertx, VertxTestContext testContext) {
    quotes.quote(request("ord-sz", "深圳市"))
        .transform(ar -> {
          testContext.verify(() -> {
            assertThat(ar.failed()).isTrue();
            assertThat(code(ar.cause())).isEqualTo(QuoteService.NO_ELIGIBLE_COURIER);
            assertThat(ar.cause().getMessage()).contains("深圳市");
            assertThat(counter("kilosail.quote.eligible.none")).isEqualTo(1);
          });
          return quotes.quote(new QuoteRequest().setFoodPlatform("meituan"));
        })
        .transform(ar -> {
          testContext.verify(() -> assertThat(code(ar.cause())).isEqualTo(QuoteService.INVALID_REQUEST));
          return allRequests();
        })
        .onComplete(testContext.succeeding(sent -> testContext.verify(() -> {
          assertThat(sent.values()).as("no platform was asked").containsOnly(0L);
          testContext.completeNow();
        })));
  }

  @Test
  void aChangedRulesFileIsPickedUpAndABadOneKeepsTheOldRules(Vertx vertx, VertxTestContext testContext) {
    JsonObject withShenzhen = BEIJING_ONLY.copy();
    withShenzhen.getJsonArray("rules").add(new JsonObject().put("name", "shenzhen-sf")
        .put("couriers", new JsonArray().add("sf")).put("cities", new JsonArray().add("shenzhen")));
    JsonObject bad = withShenzhen.copy();
    bad.getJsonArray("rules").getJsonObject(1).put("hours", new JsonObject().put("from", "7am").put("to", "22:00"));
    quotes.quote(request("ord-sz", "深圳"))
        .transform(ar -> {
          testContext.verify(() -> assertThat(code(ar.cause())).isEqualTo(QuoteService.NO_ELIGIBLE_COURIER));
          return vertx.fileSystem().writeFile(rulesFile.toString(), Buffer.buffer(withShenzhen.encodePrettily()));
        })
        .compose(x -> eventually(vertx, () -> quotes.quote(request("ord-sz", "shenzhen")), 5_000))
        .compose(set -> {
          testContext.verify(() -> {
            assertThat(prices(set)).containsOnlyKeys("sf");
            assertThat(quoteVerticle.rules().rules()).hasSize(2);
          });
          return vertx.fileSystem().writeFile(rulesFile.toString(), Buffer.buffer(bad.encodePrettily()));
        })
        .compose(x -> sleep(vertx, SCAN_MS * 4L))
        .compose(x -> vertx.fileSystem().writeFile(rulesFile.toString(), Buffer.buffer("{ not json")))
        .compose(x -> sleep(vertx, SCAN_MS * 4L))
        .compose(x -> quotes.quote(request("ord-sz2", "shenzhen")))
        .onComplete(testContext.succeeding(set -> testContext.verify(() -> {
          // Both bad files were refused: the rules that were good stay.
          assertThat(prices(set)).containsOnlyKeys("sf");
          assertThat(quoteVerticle.rules().rules()).hasSize(2);
          assertThat(quoteVerticle.rules().rules().get(1).hours()).isNull();
          testContext.completeNow();
        })));
  }

  /** Retries {@code call} every 100 ms until it succeeds or {@code withinMs} pass. */
  private static <T> Future<T> eventually(Vertx vertx, Supplier<Future<T>> call, long withinMs) {
    long deadline = System.currentTimeMillis() + withinMs;
    return call.get().recover(err -> System.currentTimeMillis() > deadline ? Future.failedFuture(err)
        : sleep(vertx, 100).compose(x -> eventually(vertx, call, deadline - System.currentTimeMillis())));
  }
}
