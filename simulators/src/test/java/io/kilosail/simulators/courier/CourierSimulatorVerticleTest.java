package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.kilosail.courier.wire.CourierCallback;
import io.kilosail.courier.wire.CourierCancelRequest;
import io.kilosail.courier.wire.CourierHttpRequest;
import io.kilosail.courier.wire.CourierInbound;
import io.kilosail.courier.wire.CourierOrderPlaced;
import io.kilosail.courier.wire.CourierOrderRequest;
import io.kilosail.courier.wire.CourierPlace;
import io.kilosail.courier.wire.CourierQuote;
import io.kilosail.courier.wire.CourierRejectedException;
import io.kilosail.courier.wire.CourierWire;
import io.kilosail.courier.wire.FengniaoWire;
import io.kilosail.courier.wire.ShansongWire;
import io.kilosail.courier.wire.SfWire;
import io.kilosail.courier.wire.UuWire;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static io.kilosail.contracts.courier.CourierState.ACCEPTED;
import static io.kilosail.contracts.courier.CourierState.ARRIVED_AT_SHOP;
import static io.kilosail.contracts.courier.CourierState.CANCELLED;
import static io.kilosail.contracts.courier.CourierState.CREATED;
import static io.kilosail.contracts.courier.CourierState.DELIVERED;
import static io.kilosail.contracts.courier.CourierState.PICKED_UP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The simulator against kilosail's own wire classes: what the simulator signs (with its own code) the wires verify
 * and map, what the wires sign the simulator accepts. A tiny HTTP server stands in for kilosail's webhooks: it
 * verifies each callback with the platform's wire (401 when that fails) and answers the platform's reply.
 */
@ExtendWith(VertxExtension.class)
class CourierSimulatorVerticleTest {

  private static final JsonObject CREDENTIALS = new JsonObject()
      .put("uu", new JsonObject().put("appId", "uu-test").put("appKey", "uu-test-key").put("openId", "uu-test-open"))
      .put("shansong", new JsonObject().put("clientId", "ss-test").put("shopId", "ss-shop").put("appSecret", "ss-test-secret"))
      .put("sf", new JsonObject().put("devId", "sf-test").put("devKey", "sf-test-key"))
      .put("fengniao", new JsonObject().put("appId", "fn-test").put("appSecret", "fn-test-secret"));

  private final Map<CourierPlatform, CourierWire> wires = new EnumMap<>(CourierPlatform.class);
  private final List<CourierCallback> received = new ArrayList<>();
  private final List<String> receivedPaths = new ArrayList<>();
  private final AtomicInteger refusedCallbacks = new AtomicInteger();
  private final AtomicInteger failNextCallbacks = new AtomicInteger();
  private WebClient client;
  private int simulatorPort;

  private static CourierWire wire(CourierPlatform platform, String secret) {
    Clock clock = Clock.systemUTC();
    JsonObject c = CREDENTIALS.getJsonObject(platform.id());
    return switch (platform) {
      case UU -> new UuWire(new UuWire.Credentials(c.getString("appId"), secret == null ? c.getString("appKey") : secret,
          c.getString("openId")), clock);
      case SHANSONG -> new ShansongWire(new ShansongWire.Credentials(c.getString("clientId"), c.getString("shopId"),
          secret == null ? c.getString("appSecret") : secret), clock);
      case SF -> new SfWire(new SfWire.Credentials(c.getString("devId"), secret == null ? c.getString("devKey") : secret,
          "shop-1"), clock);
      // Bound to a token the simulator never issued; start() replaces it with one it did (a forger's is refused
      // for its signature before its token is looked at).
      case FENGNIAO -> new FengniaoWire(new FengniaoWire.Credentials(c.getString("appId"),
          secret == null ? c.getString("appSecret") : secret, "merchant-1", "store-1",
          FengniaoWire.TokenGrant.authorizationCode("merchant-1-authorisation")), clock).withAccessToken("none-yet");
    };
  }

  private static CourierOrderRequest order(String orderId) {
    return new CourierOrderRequest(orderId, "北京市",
        new CourierPlace("老王面馆", "13800000001", "北京市朝阳区建国路1号", 39.9087, 116.4605),
        new CourierPlace("张三", "13900000002", "北京市朝阳区光华路9号", 39.9130, 116.4590),
        800, 3600, "少辣", null);
  }

  @BeforeEach
  void start(Vertx vertx, VertxTestContext testContext) {
    for (CourierPlatform platform : CourierPlatform.values()) {
      wires.put(platform, wire(platform, null));
    }
    client = WebClient.create(vertx);
    Router hooks = Router.router(vertx);
    hooks.route().handler(BodyHandler.create());
    hooks.postWithRegex("/hooks/(?<platform>[a-z]+)(/.*)?").handler(ctx -> {
      CourierWire wire = wires.get(CourierPlatform.fromId(ctx.pathParam("platform")));
      Map<String, String> query = new HashMap<>();
      ctx.queryParams().forEach(query::putIfAbsent);
      CourierInbound inbound = new CourierInbound(query, ctx.body().asString());
      if (failNextCallbacks.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        ctx.response().setStatusCode(500).end();
        return;
      }
      if (!wire.verifyCallback(inbound)) {
        refusedCallbacks.incrementAndGet();
        ctx.response().setStatusCode(401).end();
        return;
      }
      synchronized (received) {
        received.add(wire.readCallback(inbound));
        receivedPaths.add(ctx.request().path());
      }
      ctx.response().putHeader("Content-Type", "application/json").end(wire.callbackReply());
    });
    vertx.createHttpServer().requestHandler(hooks).listen(0, "127.0.0.1")
        .compose(hookServer -> {
          JsonObject platforms = new JsonObject();
          long price = 1100;
          for (CourierPlatform platform : CourierPlatform.values()) {
            platforms.put(platform.id(), new JsonObject()
                .put("credentials", CREDENTIALS.getJsonObject(platform.id()))
                .put("behaviour", new JsonObject()
                    // as a merchant registers it: with the callback token where the platform does not sign
                    .put("webhookBaseUrl", "http://127.0.0.1:" + hookServer.actualPort() + "/hooks/" + platform.id()
                        + wires.get(platform).callbackQuery())
                    .put("priceFen", price).put("acceptDelayMs", 10).put("arriveDelayMs", 10)
                    .put("pickupDelayMs", 10).put("deliverDelayMs", 10).put("callbackRetryDelayMs", 10)
                    .put("cancelPenaltyAcceptedFen", 300)));
            price += 100;
          }
          CourierSimulatorVerticle simulator = new CourierSimulatorVerticle();
          return vertx.deployVerticle(simulator, new DeploymentOptions().setConfig(new JsonObject()
                  .put("port", 0).put("randomSeed", 7).put("platforms", platforms)))
              .map(id -> simulatorPort = simulator.actualPort());
        })
        // Fengniao answers nothing without an access token: get one as the gateway would.
        .compose(v -> {
          FengniaoWire fengniao = (FengniaoWire) wires.get(CourierPlatform.FENGNIAO);
          return send(CourierPlatform.FENGNIAO, fengniao.tokenRequest(fengniao.bootstrapGrant()))
              .map(response -> wires.put(CourierPlatform.FENGNIAO,
                  fengniao.withAccessToken(fengniao.readToken(response.bodyAsString()).accessToken())));
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  private Future<HttpResponse<Buffer>> send(CourierPlatform platform, CourierHttpRequest request) {
    var post = client.post(simulatorPort, "127.0.0.1", "/" + platform.id() + request.pathAndQuery())
        .putHeader("Content-Type", request.contentType());
    request.headers().forEach(post::putHeader);
    return post.sendBuffer(Buffer.buffer(request.body()));
  }

  private Future<HttpResponse<Buffer>> control(String path, JsonObject body) {
    return client.post(simulatorPort, "127.0.0.1", "/_control" + path).sendJsonObject(body);
  }

  /** Quotes, then places the order with the quote's token: what an adapter will do. */
  private Future<CourierOrderPlaced> quoteAndPlace(CourierPlatform platform, String orderId) {
    CourierWire wire = wires.get(platform);
    return send(platform, wire.quote(order(orderId)))
        .map(response -> wire.readQuote(response.bodyAsString()))
        .compose(quote -> {
          CourierOrderRequest placing = order(orderId).withQuoteToken(quote.quoteToken());
          return send(platform, wire.createOrder(placing)).map(response -> wire.readCreateOrder(placing, response.bodyAsString()));
        });
  }

  private List<CourierCallback> callbacksFor(String orderId) {
    synchronized (received) {
      return received.stream().filter(c -> c.orderId().equals(orderId)).toList();
    }
  }

  private List<CourierState> statesFor(String orderId) {
    return callbacksFor(orderId).stream().map(CourierCallback::state).toList();
  }

  private static Future<Void> eventually(Vertx vertx, BooleanSupplier condition, String what) {
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + 10_000;
    vertx.setPeriodic(10, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        done.tryComplete();
      } else if (System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        done.tryFail(new AssertionError("timed out waiting for " + what));
      }
    });
    return done.future();
  }

  private Future<Void> deliveredThroughSignedCallbacks(Vertx vertx, CourierPlatform platform, long expectedPrice,
                                                       List<CourierState> expectedStates) {
    String orderId = "ks-" + platform.id() + "-1";
    CourierWire wire = wires.get(platform);
    return send(platform, wire.quote(order(orderId)))
        .map(response -> {
          CourierQuote quote = wire.readQuote(response.bodyAsString());
          assertThat(quote.priceFen()).isEqualTo(expectedPrice);
          return quote;
        })
        .compose(quote -> send(platform, wire.createOrder(order(orderId).withQuoteToken(quote.quoteToken()))))
        .map(response -> wire.readCreateOrder(response.bodyAsString()))
        .compose(placed -> eventually(vertx, () -> statesFor(orderId).contains(DELIVERED), platform + " delivered")
            .map(v -> {
              List<CourierCallback> callbacks = callbacksFor(orderId);
              assertThat(callbacks).extracting(CourierCallback::state).as(platform.id()).isEqualTo(expectedStates);
              assertThat(callbacks).allSatisfy(c -> {
                assertThat(c.platform()).isEqualTo(platform);
                assertThat(c.platformOrderId()).isEqualTo(placed.platformOrderId());
              });
              assertThat(callbacks.get(0).courierName()).isNotBlank();
              assertThat(refusedCallbacks).hasValue(0);
              return null;
            }));
  }

  @Test
  void everyPlatformDeliversWithSignedCallbacksTheWiresVerifyAndMap(Vertx vertx, VertxTestContext testContext) {
    List<CourierState> full = List.of(ACCEPTED, ARRIVED_AT_SHOP, PICKED_UP, DELIVERED);
    Future.all(
            deliveredThroughSignedCallbacks(vertx, CourierPlatform.UU, 1100, full),
            // Shansong has no "at shop" status.
            deliveredThroughSignedCallbacks(vertx, CourierPlatform.SHANSONG, 1200, List.of(ACCEPTED, PICKED_UP, DELIVERED)),
            deliveredThroughSignedCallbacks(vertx, CourierPlatform.SF, 1300, full),
            deliveredThroughSignedCallbacks(vertx, CourierPlatform.FENGNIAO, 1400, full))
        .map(v -> {
          synchronized (received) {
            // SF posts each kind of callback to its own URL.
            assertThat(receivedPaths).contains("/hooks/sf/status", "/hooks/sf/complete");
          }
          return v;
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  @Test
  void aBadSignatureIsRefusedTheWayEachPlatformWould(VertxTestContext testContext) {
    List<Future<Void>> refusals = new ArrayList<>();
    for (CourierPlatform platform : CourierPlatform.values()) {
      CourierWire forger = wire(platform, "not-the-secret");
      refusals.add(send(platform, forger.quote(order("ks-forged"))).map(response -> {
        assertThat(response.statusCode()).as(platform.id()).isEqualTo(401);
        assertThatThrownBy(() -> wires.get(platform).readQuote(response.bodyAsString()))
            .as(platform.id()).isInstanceOf(CourierRejectedException.class);
        return null;
      }));
    }
    Future.all(refusals).onComplete(testContext.succeedingThenComplete());
  }

  @Test
  void aPlatformThatIsDownAnswers503UntilItIsBack(VertxTestContext testContext) {
    CourierWire sf = wires.get(CourierPlatform.SF);
    control("/sf/down", new JsonObject().put("forMs", 60_000))
        .compose(v -> send(CourierPlatform.SF, sf.quote(order("ks-down"))))
        .map(response -> {
          assertThat(response.statusCode()).isEqualTo(503);
          assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
          return null;
        })
        .compose(v -> send(CourierPlatform.UU, wires.get(CourierPlatform.UU).quote(order("ks-up"))))
        .map(response -> {
          assertThat(response.statusCode()).as("other platforms stay up").isEqualTo(200);
          return null;
        })
        .compose(v -> control("/sf/down", new JsonObject().put("forMs", 0)))
        .compose(v -> send(CourierPlatform.SF, sf.quote(order("ks-down"))))
        .map(response -> {
          assertThat(sf.readQuote(response.bodyAsString()).priceFen()).isEqualTo(1300);
          return null;
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  @Test
  void cancellingAnAcceptedShansongOrderReturnsItsDeductAmount(Vertx vertx, VertxTestContext testContext) {
    CourierWire shansong = wires.get(CourierPlatform.SHANSONG);
    control("/shansong", new JsonObject().put("arriveDelayMs", 60_000))
        .compose(v -> quoteAndPlace(CourierPlatform.SHANSONG, "ks-cancel"))
        .compose(placed -> eventually(vertx, () -> statesFor("ks-cancel").contains(ACCEPTED), "accepted")
            .compose(v -> send(CourierPlatform.SHANSONG,
                shansong.cancel(new CourierCancelRequest("ks-cancel", placed.platformOrderId(), "customer cancelled")))))
        .map(response -> {
          assertThat(shansong.readCancel(response.bodyAsString()).penaltyFen()).isEqualTo(300L);
          return null;
        })
        .compose(v -> eventually(vertx, () -> statesFor("ks-cancel").contains(CANCELLED), "cancel callback"))
        .map(v -> {
          CourierCallback cancelled = callbacksFor("ks-cancel").get(1);
          assertThat(cancelled.state()).isEqualTo(CANCELLED);
          assertThat(cancelled.penaltyFen()).isEqualTo(300L);
          return null;
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  @Test
  void duplicatesAndOutOfOrderCallbacksOnDemand(Vertx vertx, VertxTestContext testContext) {
    control("/uu", new JsonObject().put("duplicateCallbacks", 1).put("outOfOrderCallbacks", true))
        .compose(v -> quoteAndPlace(CourierPlatform.UU, "ks-messy"))
        .compose(placed -> eventually(vertx, () -> statesFor("ks-messy").size() == 8, "eight callbacks"))
        .map(v -> {
          // Each callback twice; every other one held back behind its successor.
          assertThat(statesFor("ks-messy")).containsExactly(ARRIVED_AT_SHOP, ARRIVED_AT_SHOP, ACCEPTED, ACCEPTED,
              DELIVERED, DELIVERED, PICKED_UP, PICKED_UP);
          return null;
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  @Test
  void aUuOrderWaitsForItsTipsAndATipRepeatedUnderItsKeyIsAddedOnce(Vertx vertx, VertxTestContext testContext) {
    CourierWire uu = wires.get(CourierPlatform.UU);
    String[] code = new String[1];
    control("/uu", new JsonObject().put("acceptOnlyWithTipFen", 300).put("acceptDelayMs", 20))
        .compose(v -> quoteAndPlace(CourierPlatform.UU, "ks-tip"))
        .compose(placed -> {
          code[0] = placed.platformOrderId();
          return pause(vertx, 300);
        })
        .map(v -> {
          assertThat(statesFor("ks-tip")).as("no rider for an order without its tip").isEmpty();
          return null;
        })
        .compose(v -> send(CourierPlatform.UU, uu.addTip(null, "ks-tip", code[0], 200, "ks-tip:uu:tip-1")))
        .map(r -> uu.readAddTip(r.bodyAsString()))
        .compose(first -> {
          assertThat(first.totalTipFen()).isEqualTo(200);
          // The answer was lost, say: the same tip again under its key is not a second tip.
          return send(CourierPlatform.UU, uu.addTip(null, "ks-tip", code[0], 200, "ks-tip:uu:tip-1"));
        })
        .map(r -> uu.readAddTip(r.bodyAsString()))
        .compose(again -> {
          assertThat(again.totalTipFen()).isEqualTo(200);
          return pause(vertx, 300);
        })
        .compose(v -> {
          assertThat(statesFor("ks-tip")).as("200 fen is not yet enough").isEmpty();
          return send(CourierPlatform.UU, uu.addTip(null, "ks-tip", code[0], 100, "ks-tip:uu:tip-2"));
        })
        .map(r -> uu.readAddTip(r.bodyAsString()))
        .compose(second -> {
          assertThat(second.totalTipFen()).isEqualTo(300);
          return eventually(vertx, () -> statesFor("ks-tip").contains(ACCEPTED), "a rider takes the tipped order");
        })
        .compose(v -> send(CourierPlatform.UU, uu.addTip(null, "ks-tip", code[0], 100, "ks-tip:uu:tip-3")))
        .map(r -> {
          assertThat(r.statusCode()).as("no tip once a rider took the order").isEqualTo(409);
          assertThatThrownBy(() -> uu.readAddTip(r.bodyAsString())).isInstanceOf(CourierRejectedException.class);
          return null;
        })
        .compose(v -> client.get(simulatorPort, "127.0.0.1", "/_control/uu/orders/" + code[0]).send())
        .map(r -> {
          JsonObject order = r.bodyAsJsonObject();
          assertThat(order.getLong("tipsFen")).isEqualTo(300);
          assertThat(order.getJsonArray("tips")).hasSize(2);
          return null;
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  private static Future<Void> pause(Vertx vertx, long ms) {
    Promise<Void> done = Promise.promise();
    vertx.setTimer(ms, id -> done.complete());
    return done.future();
  }

  @Test
  void aCourierGivingUpAndNoCourierBeforeTimeout(Vertx vertx, VertxTestContext testContext) {
    control("/uu", new JsonObject().put("giveUpProbability", 1.0))
        .compose(v -> control("/fengniao", new JsonObject().put("noCourierProbability", 1.0)))
        .compose(v -> Future.all(quoteAndPlace(CourierPlatform.UU, "ks-giveup"),
            quoteAndPlace(CourierPlatform.FENGNIAO, "ks-nobody")))
        .compose(v -> eventually(vertx, () -> statesFor("ks-giveup").contains(DELIVERED)
            && statesFor("ks-nobody").contains(CANCELLED), "give-up delivered and no-courier cancelled"))
        .map(v -> {
          assertThat(statesFor("ks-giveup"))
              .containsExactly(ACCEPTED, CREATED, ACCEPTED, ARRIVED_AT_SHOP, PICKED_UP, DELIVERED);
          // UU v3 has no give-up status: the order goes back to 1 (waiting for a courier).
          assertThat(callbacksFor("ks-giveup").get(1).rawStatus()).isEqualTo("1");
          assertThat(callbacksFor("ks-nobody")).singleElement()
              .satisfies(c -> assertThat(c.rawStatus()).isEqualTo("4"));
          return null;
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  @Test
  void aFailingWebhookIsRetried(Vertx vertx, VertxTestContext testContext) {
    failNextCallbacks.set(2);
    quoteAndPlace(CourierPlatform.SF, "ks-retry")
        .compose(placed -> eventually(vertx, () -> statesFor("ks-retry").contains(DELIVERED), "delivered")
            .compose(v -> client.get(simulatorPort, "127.0.0.1", "/_control/sf/orders/" + placed.platformOrderId()).send()))
        .map(response -> {
          assertThat(statesFor("ks-retry")).containsExactly(ACCEPTED, ARRIVED_AT_SHOP, PICKED_UP, DELIVERED);
          JsonObject first = response.bodyAsJsonObject().getJsonArray("callbacks").getJsonObject(0);
          assertThat(first.getInteger("attempts")).isEqualTo(3);
          assertThat(first.getString("outcome")).isEqualTo("delivered");
          return null;
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  @Test
  void badInputGetsAClear4xx(VertxTestContext testContext) {
    Future.all(
            control("/uu", new JsonObject().put("priceFen", "cheap")).map(response -> {
              assertThat(response.statusCode()).isEqualTo(400);
              assertThat(response.bodyAsJsonObject().getString("detail")).contains("priceFen");
              return null;
            }),
            control("/uu", new JsonObject().put("speed", 3)).map(response -> {
              assertThat(response.statusCode()).isEqualTo(400);
              return null;
            }),
            control("/dada", new JsonObject()).map(response -> {
              assertThat(response.statusCode()).isEqualTo(404);
              return null;
            }),
            client.post(simulatorPort, "127.0.0.1", "/fengniao/anubis-webapi/v3/invoke/createOrder")
                .sendBuffer(Buffer.buffer("not json")).map(response -> {
                  assertThat(response.statusCode()).isEqualTo(400);
                  assertThat(response.bodyAsJsonObject().getString("code")).isEqualTo("B0101");
                  return null;
                }),
            send(CourierPlatform.UU, wires.get(CourierPlatform.UU).createOrder(order("ks-x").withQuoteToken("made-up")))
                .map(response -> {
                  assertThat(response.statusCode()).isEqualTo(400);
                  return null;
                }))
        .onComplete(testContext.succeedingThenComplete());
  }

  @Test
  void anOrderIsSeenAndTippedOnlyUnderTheAccountItWasPlacedWith(VertxTestContext testContext) {
    CourierWire uu = wires.get(CourierPlatform.UU);
    CourierWire sf = wires.get(CourierPlatform.SF);
    Future<Void> uuSide = control("/uu/accounts", new JsonObject().put("account", "uu-other-open"))
        .compose(v -> quoteAndPlace(CourierPlatform.UU, "ks-account-uu"))
        .compose(placed -> send(CourierPlatform.UU, uu.orderDetail("uu-other-open", "ks-account-uu",
                placed.platformOrderId()))
            .compose(other -> {
              assertThat(other.statusCode()).as("detail under another openId").isEqualTo(404);
              return send(CourierPlatform.UU, uu.addTip("uu-other-open", "ks-account-uu", placed.platformOrderId(),
                  100, "ks-account-uu:uu:tip-1"));
            })
            .compose(tip -> {
              assertThat(tip.statusCode()).as("tip under another openId").isEqualTo(404);
              return send(CourierPlatform.UU, uu.orderDetail(null, "ks-account-uu", placed.platformOrderId()));
            })
            .map(own -> {
              assertThat(own.statusCode()).isEqualTo(200);
              assertThat(uu.readOrderDetail(own.bodyAsString()).platformOrderId()).isEqualTo(placed.platformOrderId());
              return null;
            }));
    Future<Void> sfSide = quoteAndPlace(CourierPlatform.SF, "ks-account-sf")
        .compose(placed -> send(CourierPlatform.SF, sf.orderDetail("sf-other-shop", "ks-account-sf", null))
            .compose(other -> {
              assertThat(other.statusCode()).as("detail by our id under another store").isEqualTo(404);
              return send(CourierPlatform.SF, sf.orderDetail(null, "ks-account-sf", null));
            })
            .map(own -> {
              assertThat(own.statusCode()).isEqualTo(200);
              assertThat(sf.readOrderDetail(own.bodyAsString()).platformOrderId()).isEqualTo(placed.platformOrderId());
              return null;
            }));
    Future.all(uuSide, sfSide).onComplete(testContext.succeedingThenComplete());
  }

  @Test
  void uuAndShansongChargeTheQuotedPriceAndAnswerTheirOrderDetail(Vertx vertx, VertxTestContext testContext) {
    CourierWire uu = wires.get(CourierPlatform.UU);
    CourierWire shansong = wires.get(CourierPlatform.SHANSONG);
    Future<Void> uuSide = quoteAndPlace(CourierPlatform.UU, "ks-detail-uu")
        .compose(placed -> {
          assertThat(placed.priceFen()).as("UU charges the quote's needPayMoney").isEqualTo(1100L);
          return eventually(vertx, () -> statesFor("ks-detail-uu").contains(DELIVERED), "uu delivered")
              .compose(v -> send(CourierPlatform.UU, uu.orderDetail(null, "ks-detail-uu", placed.platformOrderId())))
              .map(response -> {
                var detail = uu.readOrderDetail(response.bodyAsString());
                assertThat(detail.platformOrderId()).isEqualTo(placed.platformOrderId());
                assertThat(detail.state()).isEqualTo(DELIVERED);
                assertThat(detail.priceFen()).isEqualTo(1100L);
                assertThat(detail.courierName()).isNotBlank();
                return null;
              });
        });
    Future<Void> shansongSide = control("/shansong", new JsonObject().put("arriveDelayMs", 60_000))
        .compose(v -> quoteAndPlace(CourierPlatform.SHANSONG, "ks-detail-ss"))
        .compose(placed -> {
          assertThat(placed.priceFen()).as("Shansong charges totalFeeAfterSave").isEqualTo(1200L);
          return eventually(vertx, () -> statesFor("ks-detail-ss").contains(ACCEPTED), "shansong accepted")
              .compose(v -> send(CourierPlatform.SHANSONG, shansong.orderDetail(null, "ks-detail-ss", null)))
              .map(response -> {
                var detail = shansong.readOrderDetail(response.bodyAsString());
                assertThat(detail.platformOrderId()).isEqualTo(placed.platformOrderId());
                assertThat(detail.state()).isEqualTo(ACCEPTED);
                // Shansong reports the courier in BD-09 at the shop; read back in GCJ-02, it is the shop we sent.
                assertThat(detail.riderPosition().lat()).isCloseTo(39.9087, org.assertj.core.api.Assertions.within(0.00002));
                assertThat(detail.riderPosition().lng()).isCloseTo(116.4605, org.assertj.core.api.Assertions.within(0.00002));
                CourierCallback accepted = callbacksFor("ks-detail-ss").get(0);
                assertThat(accepted.riderPosition()).isNotNull();
                assertThat(accepted.riderPosition().lat()).isCloseTo(39.9087, org.assertj.core.api.Assertions.within(0.00002));
                return null;
              });
        });
    Future.all(uuSide, shansongSide).onComplete(testContext.succeedingThenComplete());
  }

  @Test
  void uuRefusesARequestWithoutItsAppHeaderAndCallbacksWithoutTheTokenAreRefused(Vertx vertx,
                                                                                 VertxTestContext testContext) {
    CourierHttpRequest quote = wires.get(CourierPlatform.UU).quote(order("ks-noheader"));
    client.post(simulatorPort, "127.0.0.1", "/uu" + quote.pathAndQuery())
        .putHeader("Content-Type", quote.contentType())
        .sendBuffer(Buffer.buffer(quote.body()))
        .map(response -> {
          assertThat(response.statusCode()).isEqualTo(401);
          assertThatThrownBy(() -> wires.get(CourierPlatform.UU).readQuote(response.bodyAsString()))
              .isInstanceOf(CourierRejectedException.class);
          return null;
        })
        // The same unsigned Shansong callback body without the URL's token is not trusted.
        .map(v -> {
          CourierWire shansong = wires.get(CourierPlatform.SHANSONG);
          String body = "{\"issOrderNo\":\"TDH1\",\"orderNo\":\"ks-x\",\"status\":50}";
          assertThat(shansong.verifyCallback(CourierInbound.ofBody(body))).isFalse();
          return null;
        })
        .onComplete(testContext.succeedingThenComplete());
  }
}
