package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierCancellation;
import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.DeliveryPlace;
import io.kilosail.contracts.courier.DeliveryRequest;
import io.kilosail.courier.gateway.CourierGatewayVerticle;
import io.kilosail.courier.gateway.QuoteCollector;
import io.kilosail.courier.wire.CourierOrderRequest;
import io.kilosail.courier.wire.CourierPlace;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The courier gateway against the real courier simulator (on a free port): every operation on every platform through
 * the event-bus proxy, and the circuits through the {@link QuoteCollector}. The tests live in {@code simulators}
 * because {@code simulators} already depends on {@code verticles} for its tests; the other way round would be a cycle.
 *
 * <p>Circuits here: 3 failures open, 400 ms until half-open, HTTP timeout 300 ms (short, so the tests stay quick).
 */
@ExtendWith(VertxExtension.class)
class CourierGatewayTest {

  private static final int MAX_FAILURES = 3;
  private static final int RESET_MS = 400;
  private static final int TIMEOUT_MS = 300;

  private static final JsonObject CREDENTIALS = new JsonObject()
      .put("uu", new JsonObject().put("appId", "uu-test").put("appKey", "uu-test-key").put("openId", "uu-test-open"))
      .put("shansong", new JsonObject().put("clientId", "ss-test").put("shopId", "ss-shop").put("appSecret", "ss-test-secret"))
      .put("sf", new JsonObject().put("devId", "sf-test").put("devKey", "sf-test-key").put("shopId", "sf-shop"))
      .put("fengniao", new JsonObject().put("appId", "fn-test").put("appSecret", "fn-test-secret").put("merchantId", "fn-m")
          .put("storeCode", "fn-store").put("authorizationCode", "fn-authorisation"));

  private WebClient client;
  private int simulatorPort;
  private CourierGatewayVerticle gatewayVerticle;
  private CourierGateway gateway;
  private QuoteCollector collector;
  private MeterRegistry registry;

  /**
   * One round trip per platform on a throw-away Vert.x before any test: the first HTTP call of a cold JVM (class
   * loading, JIT) can take longer than the tests' 300 ms timeout, whichever test happens to run first.
   */
  @BeforeAll
  static void warmUp() throws Exception {
    Vertx warm = Vertx.vertx();
    try {
      JsonObject platforms = new JsonObject();
      for (CourierPlatform platform : CourierPlatform.values()) {
        platforms.put(platform.id(), new JsonObject().put("credentials", CREDENTIALS.getJsonObject(platform.id()))
            .put("behaviour", new JsonObject().put("autoProgress", false)));
      }
      CourierSimulatorVerticle simulator = new CourierSimulatorVerticle();
      warm.deployVerticle(simulator, new DeploymentOptions().setConfig(new JsonObject().put("port", 0)
              .put("platforms", platforms)))
          .compose(id -> {
            JsonObject couriers = new JsonObject();
            for (CourierPlatform platform : CourierPlatform.values()) {
              couriers.put(platform.id(), CREDENTIALS.getJsonObject(platform.id()).copy()
                  .put("baseUrl", "http://127.0.0.1:" + simulator.actualPort() + "/" + platform.id()));
            }
            return warm.deployVerticle(new CourierGatewayVerticle(), new DeploymentOptions().setConfig(new JsonObject()
                .put("node", new JsonObject().put("id", "warm").put("metricsRegistry", "gateway-warm-up"))
                .put("couriers", couriers)));
          })
          .compose(id -> {
            CourierGateway warmGateway = CourierGateway.createProxy(warm, CourierGateway.ADDRESS);
            List<Future<?>> quotes = new ArrayList<>();
            for (CourierPlatform platform : CourierPlatform.values()) {
              quotes.add(warmGateway.quote(platform.id(), delivery("warm-up")));
            }
            return Future.join(quotes);
          })
          .toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      warm.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @BeforeEach
  void start(Vertx vertx, VertxTestContext testContext) {
    client = WebClient.create(vertx);
    JsonObject platforms = new JsonObject();
    long price = 1100;
    for (CourierPlatform platform : CourierPlatform.values()) {
      platforms.put(platform.id(), new JsonObject()
          .put("credentials", CREDENTIALS.getJsonObject(platform.id()))
          // No progress and no callbacks: the gateway only asks, places and cancels.
          .put("behaviour", new JsonObject().put("priceFen", price).put("autoProgress", false)
              .put("cancelPenaltyAcceptedFen", 300)));
      price += 100;
    }
    CourierSimulatorVerticle simulator = new CourierSimulatorVerticle();
    String registryName = "gateway-test-" + UUID.randomUUID();
    registry = Meters.registry(new NodeConfig("t", List.of(), null, false, "dev", registryName));
    vertx.deployVerticle(simulator, new DeploymentOptions().setConfig(new JsonObject()
            .put("port", 0).put("randomSeed", 7).put("platforms", platforms)))
        .compose(id -> {
          simulatorPort = simulator.actualPort();
          JsonObject couriers = new JsonObject();
          for (CourierPlatform platform : CourierPlatform.values()) {
            couriers.put(platform.id(), CREDENTIALS.getJsonObject(platform.id()).copy()
                .put("baseUrl", "http://127.0.0.1:" + simulatorPort + "/" + platform.id())
                .put("timeoutMs", TIMEOUT_MS)
                .put("circuit", new JsonObject().put("maxFailures", MAX_FAILURES).put("timeoutMs", 2_000)
                    .put("resetTimeoutMs", RESET_MS)));
          }
          gatewayVerticle = new CourierGatewayVerticle();
          return vertx.deployVerticle(gatewayVerticle, new DeploymentOptions().setConfig(new JsonObject()
              .put("node", new JsonObject().put("id", "t").put("metricsRegistry", registryName))
              .put("couriers", couriers)));
        })
        .onSuccess(id -> {
          gateway = CourierGateway.createProxy(vertx, CourierGateway.ADDRESS);
          collector = new QuoteCollector(vertx, gatewayVerticle.clients());
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  private static DeliveryRequest delivery(String orderId) {
    return new DeliveryRequest().setOrderId(orderId).setCityName("北京市")
        .setShop(new DeliveryPlace().setName("老王面馆").setPhone("13800000001").setAddress("北京市朝阳区建国路1号")
            .setLat(39.9087).setLng(116.4605))
        .setCustomer(new DeliveryPlace().setName("张三").setPhone("13900000002").setAddress("北京市朝阳区光华路9号")
            .setLat(39.9130).setLng(116.4590))
        .setWeightGrams(800).setGoodsValueFen(3600).setNote("少辣");
  }

  private static CourierOrderRequest order(String orderId) {
    return new CourierOrderRequest(orderId, "北京市",
        new CourierPlace("老王面馆", "13800000001", "北京市朝阳区建国路1号", 39.9087, 116.4605),
        new CourierPlace("张三", "13900000002", "北京市朝阳区光华路9号", 39.9130, 116.4590),
        800, 3600, "少辣", null);
  }

  private Future<JsonObject> control(String path, JsonObject body) {
    return client.post(simulatorPort, "127.0.0.1", "/_control" + path).sendJsonObject(body)
        .map(response -> {
          assertThat(response.statusCode()).as("control %s", path).isEqualTo(200);
          return response.bodyAsJsonObject();
        });
  }

  private Future<Long> requests(CourierPlatform platform) {
    return client.get(simulatorPort, "127.0.0.1", "/_control/" + platform.id()).send()
        .map(response -> response.bodyAsJsonObject().getLong("requests"));
  }

  private static Future<Void> sleep(Vertx vertx, long ms) {
    Promise<Void> done = Promise.promise();
    vertx.setTimer(ms, id -> done.complete());
    return done.future();
  }

  /** Runs {@code step} n times one after the other, collecting the results. */
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

  private static int code(Throwable err) {
    assertThat(err).isInstanceOf(ServiceException.class);
    return ((ServiceException) err).failureCode();
  }

  private double calls(CourierPlatform platform, String outcome) {
    // Summed over operations: one counter per (platform, operation, outcome).
    return registry.find("kilosail.courier.calls").tag("platform", platform.id()).tag("outcome", outcome).counters()
        .stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
  }

  @Test
  void quotesPlacesAndCancelsOnEveryPlatformThroughTheProxy(Vertx vertx, VertxTestContext testContext) {
    Future<?> chain = Future.succeededFuture();
    for (CourierPlatform platform : CourierPlatform.values()) {
      String orderId = "ord-" + platform.id();
      chain = chain
          .compose(x -> gateway.quote(platform.id(), delivery(orderId)))
          .compose(quote -> {
            testContext.verify(() -> {
              assertThat(quote.getPlatform()).isEqualTo(platform.id());
              assertThat(quote.getPriceFen()).isEqualTo(1100 + 100L * platform.ordinal());
            });
            return gateway.placeOrder(platform.id(), delivery(orderId).setQuoteToken(quote.getQuoteToken()));
          })
          .compose(placed -> {
            testContext.verify(() -> {
              assertThat(placed.getPlatformOrderId()).isNotBlank();
              assertThat(placed.getOrderId()).isEqualTo(orderId);
            });
            // Shansong, SF and Fengniao state a penalty on cancel; an accepted order costs cancelPenaltyAcceptedFen.
            boolean stated = platform == CourierPlatform.SHANSONG || platform == CourierPlatform.SF
                || platform == CourierPlatform.FENGNIAO;
            Future<?> accepted = stated
                ? control("/" + platform.id() + "/orders/" + placed.getPlatformOrderId() + "/events",
                    new JsonObject().put("event", "ACCEPTED"))
                : Future.succeededFuture();
            return accepted.compose(a -> gateway.cancel(platform.id(), orderId, placed.getPlatformOrderId(), "test"))
                .map(cancelled -> {
                  testContext.verify(() -> {
                    assertThat(cancelled.getPlatformOrderId()).isEqualTo(placed.getPlatformOrderId());
                    if (stated) {
                      assertThat(cancelled.getPenaltyFen()).as(platform.id()).isEqualTo(300L);
                    }
                  });
                  return cancelled;
                });
          });
    }
    chain.compose(x -> gateway.quote("dada", delivery("ord-x")))
        .onComplete(testContext.failing(err -> testContext.verify(() -> {
          assertThat(code(err)).isEqualTo(CourierGateway.UNKNOWN_PLATFORM);
          assertThat(calls(CourierPlatform.UU, "ok")).isEqualTo(3);
          testContext.completeNow();
        })));
  }

  @Test
  void aTipReachesUuOnceUnderItsKeyAndAPlatformWithoutATipCallIsNotAsked(Vertx vertx, VertxTestContext testContext) {
    String orderId = "ord-tip-uu";
    String[] code = new String[1];
    gateway.placeOrder("uu", delivery(orderId))
        .compose(placed -> {
          code[0] = placed.getPlatformOrderId();
          return gateway.addTip("uu", null, orderId, code[0], 150, orderId + ":uu:tip-1");
        })
        .compose(tip -> {
          testContext.verify(() -> {
            assertThat(tip.getTipFen()).isEqualTo(150);
            assertThat(tip.getTotalTipFen()).isEqualTo(150);
            assertThat(tip.getPlatformOrderId()).isEqualTo(code[0]);
          });
          // The same tip again (its answer lost, say): the platform counts it once.
          return gateway.addTip("uu", null, orderId, code[0], 150, orderId + ":uu:tip-1");
        })
        .compose(again -> {
          testContext.verify(() -> assertThat(again.getTotalTipFen()).isEqualTo(150));
          return requests(CourierPlatform.SF);
        })
        .compose(sfBefore -> gateway.addTip("sf", null, "ord-tip-sf", "SF-1", 150, "ord-tip-sf:sf:tip-1")
            .<Long>transform(result -> {
              testContext.verify(() -> {
                assertThat(result.failed()).isTrue();
                assertThat(code(result.cause())).isEqualTo(CourierGateway.NOT_SUPPORTED);
              });
              return requests(CourierPlatform.SF).map(after -> after - sfBefore);
            }))
        .onComplete(testContext.succeeding(sent -> testContext.verify(() -> {
          assertThat(sent).as("requests sent to SF for a tip it has no call for").isZero();
          testContext.completeNow();
        })));
  }

  @Test
  void aBalanceQueryReadsWhatThePlatformHoldsAndShansongIsNotAsked(Vertx vertx, VertxTestContext testContext) {
    long[] before = new long[1];
    gateway.accountBalance("sf", null)
        .compose(balance -> {
          before[0] = balance;
          return gateway.placeOrder("sf", delivery("ord-balance-sf"));
        })
        .compose(placed -> gateway.accountBalance("sf", null).map(after -> {
          testContext.verify(() -> assertThat(after).as("the placement's charged price taken")
              .isEqualTo(before[0] - placed.getPriceFen()));
          return after;
        }))
        .compose(x -> control("/fengniao/balances", new JsonObject().put("account", "fn-own-store")
            .put("balanceFen", 4_321)))
        .compose(x -> gateway.accountBalance("fengniao", "fn-own-store"))
        .compose(own -> {
          testContext.verify(() -> assertThat(own).isEqualTo(4_321L));
          return requests(CourierPlatform.SHANSONG);
        })
        .compose(ssBefore -> gateway.accountBalance("shansong", null).<Long>transform(result -> {
          testContext.verify(() -> {
            assertThat(result.failed()).isTrue();
            assertThat(code(result.cause())).isEqualTo(CourierGateway.NOT_SUPPORTED);
          });
          return requests(CourierPlatform.SHANSONG).map(after -> after - ssBefore);
        }))
        .onComplete(testContext.succeeding(sent -> testContext.verify(() -> {
          assertThat(sent).as("requests sent to Shansong, which has no balance query").isZero();
          testContext.completeNow();
        })));
  }

  @Test
  void placingWithoutAQuoteTokenQuotesFirstWhereThePlatformNeedsOne(Vertx vertx, VertxTestContext testContext) {
    // A cached price has no token. UU and Shansong place by a token: the gateway asks them for a quote, then places
    // (two requests); SF and Fengniao need none (one request).
    Future<?> chain = Future.succeededFuture();
    for (CourierPlatform platform : CourierPlatform.values()) {
      String orderId = "ord-notoken-" + platform.id();
      chain = chain.compose(x -> gateway.placeOrder(platform.id(), delivery(orderId)))
          .compose(placed -> {
            testContext.verify(() -> {
              assertThat(placed.getPlatformOrderId()).isNotBlank();
              assertThat(placed.getOrderId()).isEqualTo(orderId);
              if (platform == CourierPlatform.FENGNIAO) {
                // No source shows a price in Fengniao's createOrder answer: the placement states none.
                assertThat(placed.getPriceFen()).isNull();
              } else {
                assertThat(placed.getPriceFen()).isEqualTo(1100 + 100L * platform.ordinal());
              }
            });
            return requests(platform);
          })
          .map(sent -> {
            boolean needsToken = platform == CourierPlatform.UU || platform == CourierPlatform.SHANSONG;
            testContext.verify(() -> assertThat(sent).as("requests to %s", platform).isEqualTo(needsToken ? 2 : 1));
            return sent;
          });
    }
    chain.onComplete(testContext.succeeding(x -> testContext.verify(() -> {
      assertThat(calls(CourierPlatform.UU, "ok")).isEqualTo(2);
      assertThat(calls(CourierPlatform.SF, "ok")).isEqualTo(1);
      testContext.completeNow();
    })));
  }

  @Test
  void aPlatformThatIsDownOpensItsCircuitWhileQuotingGoesOnWithTheOthers(Vertx vertx, VertxTestContext testContext) {
    EnumSet<CourierPlatform> all = EnumSet.allOf(CourierPlatform.class);
    control("/uu/down", new JsonObject().put("forMs", 60_000))
        .compose(x -> times(MAX_FAILURES, () -> collector.collect(order("ord-down"), all, 2_000)))
        .compose(results -> {
          testContext.verify(() -> {
            for (QuoteCollector.Result r : results) {
              assertThat(r.quotes()).containsOnlyKeys(CourierPlatform.SHANSONG, CourierPlatform.SF, CourierPlatform.FENGNIAO);
              assertThat(code(r.failures().get(CourierPlatform.UU))).isEqualTo(CourierGateway.PLATFORM_DOWN);
            }
            assertThat(gatewayVerticle.clients().get(CourierPlatform.UU).circuitState()).isEqualTo(CircuitBreakerState.OPEN);
            assertThat(registry.get("kilosail.courier.circuit.state").tag("platform", "uu").gauge().value()).isEqualTo(2);
          });
          return requests(CourierPlatform.UU);
        })
        .compose(sent -> {
          testContext.verify(() -> assertThat(sent).isEqualTo(MAX_FAILURES));
          long started = System.nanoTime();
          return collector.collect(order("ord-down"), all, 2_000).map(r -> {
            testContext.verify(() -> {
              assertThat(code(r.failures().get(CourierPlatform.UU))).isEqualTo(CourierGateway.CIRCUIT_OPEN);
              assertThat(r.quotes()).hasSize(3);
              assertThat(calls(CourierPlatform.UU, "circuit_open")).isEqualTo(1);
              assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(TIMEOUT_MS);
            });
            return r;
          });
        })
        // The open circuit sent nothing; the platform comes back, and after the reset timeout one call closes it.
        .compose(r -> requests(CourierPlatform.UU))
        .compose(sent -> {
          testContext.verify(() -> assertThat(sent).isEqualTo(MAX_FAILURES));
          return control("/uu/down", new JsonObject().put("forMs", 0));
        })
        .compose(x -> sleep(vertx, RESET_MS + 100))
        .compose(x -> collector.collect(order("ord-back"), EnumSet.of(CourierPlatform.UU), 2_000))
        .onComplete(testContext.succeeding(r -> testContext.verify(() -> {
          assertThat(r.quotes()).containsOnlyKeys(CourierPlatform.UU);
          assertThat(gatewayVerticle.clients().get(CourierPlatform.UU).circuitState()).isEqualTo(CircuitBreakerState.CLOSED);
          assertThat(registry.get("kilosail.courier.circuit.state").tag("platform", "uu").gauge().value()).isEqualTo(0);
          testContext.completeNow();
        })));
  }

  @Test
  void aSlowPlatformTimesOutAndCountsAsAFailure(Vertx vertx, VertxTestContext testContext) {
    EnumSet<CourierPlatform> two = EnumSet.of(CourierPlatform.SF, CourierPlatform.FENGNIAO);
    long started = System.nanoTime();
    control("/sf", new JsonObject().put("latencyMs", 1_500))
        .compose(x -> times(MAX_FAILURES, () -> collector.collect(order("ord-slow"), two, 2_000)))
        .compose(results -> {
          testContext.verify(() -> {
            for (QuoteCollector.Result r : results) {
              assertThat(r.quotes()).containsOnlyKeys(CourierPlatform.FENGNIAO);
              assertThat(code(r.failures().get(CourierPlatform.SF))).isEqualTo(CourierGateway.TIMEOUT);
            }
            // Each round waited for the HTTP timeout, not for the platform's 1.5 s.
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(MAX_FAILURES * 1_000L);
            assertThat(calls(CourierPlatform.SF, "timeout")).isEqualTo(MAX_FAILURES);
          });
          return collector.collect(order("ord-slow"), two, 2_000);
        })
        .onComplete(testContext.succeeding(r -> testContext.verify(() -> {
          assertThat(code(r.failures().get(CourierPlatform.SF))).isEqualTo(CourierGateway.CIRCUIT_OPEN);
          assertThat(r.quotes()).containsOnlyKeys(CourierPlatform.FENGNIAO);
          testContext.completeNow();
        })));
  }

  @Test
  void theCollectorsOwnCapAnswersBeforeASlowerClientTimeout(Vertx vertx, VertxTestContext testContext) {
    long started = System.nanoTime();
    control("/shansong", new JsonObject().put("latencyMs", 1_000))
        .compose(x -> collector.collect(order("ord-cap"), EnumSet.of(CourierPlatform.SHANSONG, CourierPlatform.UU), 100))
        .onComplete(testContext.succeeding(r -> testContext.verify(() -> {
          assertThat(r.quotes()).containsOnlyKeys(CourierPlatform.UU);
          assertThat(code(r.failures().get(CourierPlatform.SHANSONG))).isEqualTo(CourierGateway.TIMEOUT);
          assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(TIMEOUT_MS);
          testContext.completeNow();
        })));
  }

  @Test
  void aRejectionDoesNotOpenTheCircuit(Vertx vertx, VertxTestContext testContext) {
    // UU refuses an order placed with a token it never issued: a business answer, five times over the limit of three.
    int rejections = MAX_FAILURES + 2;
    times(rejections, () -> gateway.placeOrder("uu", delivery("ord-rej").setQuoteToken("no-such-token"))
        .<Integer>transform(ar -> Future.succeededFuture(ar.succeeded() ? 0 : code(ar.cause()))))
        .compose(codes -> {
          testContext.verify(() -> {
            assertThat(codes).containsOnly(CourierGateway.REJECTED);
            assertThat(gatewayVerticle.clients().get(CourierPlatform.UU).circuitState()).isEqualTo(CircuitBreakerState.CLOSED);
            assertThat(calls(CourierPlatform.UU, "rejected")).isEqualTo(rejections);
          });
          return requests(CourierPlatform.UU);
        })
        .compose(sent -> {
          testContext.verify(() -> assertThat(sent).isEqualTo(rejections));
          return gateway.quote("uu", delivery("ord-rej"));
        })
        .onComplete(testContext.succeeding(quote -> testContext.verify(() -> {
          assertThat(quote.getPriceFen()).isEqualTo(1100);
          testContext.completeNow();
        })));
  }
}
