package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.kilosail.courier.gateway.CourierGatewayVerticle;
import io.kilosail.courier.gateway.CourierPlatformClient;
import io.kilosail.courier.wire.CourierCancelRequest;
import io.kilosail.courier.wire.CourierOrderRequest;
import io.kilosail.courier.wire.CourierPlace;
import io.kilosail.courier.wire.GeoPoint;
import io.kilosail.embedded.EmbeddedRedis;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SF and Fengniao end to end between the courier gateway and the simulator, which speaks their formats from the
 * reference on its own: the charged price (SF's real_pay_money, Fengniao's first available service), stated cancel
 * penalties, the order-detail queries, an SF return to the merchant, and Fengniao's access token shared by two
 * gateway instances through the real (embedded) Redis, renewed when the platform forgets it.
 */
@ExtendWith(VertxExtension.class)
class SfFengniaoGatewayTest {

  private static EmbeddedRedis redis;

  private final List<CourierGatewayVerticle> gateways = new ArrayList<>();
  private WebClient client;
  private int simulatorPort;

  @BeforeAll
  static void startRedis(@TempDir Path dir) {
    redis = EmbeddedRedis.start(dir.resolve("redis"), 0);
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @BeforeEach
  void start(Vertx vertx, VertxTestContext testContext) {
    client = WebClient.create(vertx);
    // A merchant of its own per test: the token in Redis is per merchant.
    String merchant = "fn-m-" + UUID.randomUUID();
    JsonObject sf = new JsonObject().put("devId", "sf-test").put("devKey", "sf-test-key").put("shopId", "sf-shop");
    JsonObject fengniao = new JsonObject().put("appId", "fn-test").put("appSecret", "fn-test-secret")
        .put("merchantId", merchant).put("storeCode", "fn-store").put("authorizationCode", "fn-authorisation");
    JsonObject behaviour = new JsonObject().put("autoProgress", false).put("cancelPenaltyAcceptedFen", 300)
        .put("cancelPenaltyPickedUpFen", 600);
    CourierSimulatorVerticle simulator = new CourierSimulatorVerticle();
    vertx.deployVerticle(simulator, new DeploymentOptions().setConfig(new JsonObject().put("port", 0)
            .put("platforms", new JsonObject()
                .put("sf", new JsonObject().put("credentials", sf).put("behaviour", behaviour.copy().put("priceFen", 1300)))
                .put("fengniao", new JsonObject().put("credentials", fengniao)
                    .put("behaviour", behaviour.copy().put("priceFen", 1400))))))
        .compose(id -> {
          simulatorPort = simulator.actualPort();
          JsonObject couriers = new JsonObject()
              .put("sf", sf.copy().put("baseUrl", "http://127.0.0.1:" + simulatorPort + "/sf"))
              .put("fengniao", fengniao.copy().put("baseUrl", "http://127.0.0.1:" + simulatorPort + "/fengniao"));
          List<Future<String>> deployed = new ArrayList<>();
          // Two gateways sharing one Redis: two nodes of a cluster, as far as the token is concerned.
          for (String node : List.of("node-a", "node-b")) {
            CourierGatewayVerticle gateway = new CourierGatewayVerticle();
            gateways.add(gateway);
            deployed.add(vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(new JsonObject()
                .put("node", new JsonObject().put("id", node).put("metricsRegistry", "sf-fn-" + UUID.randomUUID()))
                .put("redis", new JsonObject().put("url", redis.url()))
                .put("couriers", couriers))));
          }
          return Future.all(deployed);
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  private CourierPlatformClient client(int node, CourierPlatform platform) {
    return gateways.get(node).clients().get(platform);
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
          assertThat(response.statusCode()).as("control %s: %s", path, response.bodyAsString()).isEqualTo(200);
          return response.bodyAsJsonObject();
        });
  }

  private Future<JsonObject> event(CourierPlatform platform, String platformOrderId, JsonObject event) {
    return control("/" + platform.id() + "/orders/" + platformOrderId + "/events", event);
  }

  private Future<Long> tokenRequests() {
    return client.get(simulatorPort, "127.0.0.1", "/_control/fengniao").send()
        .map(response -> response.bodyAsJsonObject().getLong("tokenRequests"));
  }

  @Test
  void twoNodesShareOneFengniaoTokenAndRenewItWhenThePlatformForgetsIt(VertxTestContext testContext) {
    List<Future<?>> quotes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      quotes.add(client(i % 2, CourierPlatform.FENGNIAO).quote(order("ks-fn-" + i)));
    }
    Future.all(quotes)
        .compose(all -> {
          testContext.verify(() -> {
            for (int i = 0; i < 4; i++) {
              // The first service is unavailable in this simulator; the price is the second's actual amount.
              assertThat(all.<io.kilosail.courier.wire.CourierQuote>resultAt(i).priceFen()).isEqualTo(1400);
            }
          });
          return tokenRequests();
        })
        .compose(tokens -> {
          testContext.verify(() -> assertThat(tokens).as("one token for both nodes").isEqualTo(1));
          // The platform forgets every token and code: the next call is refused, renewed (the refresh token is
          // refused too, so by the authorisation code) and sent again.
          return control("/reset", new JsonObject());
        })
        .compose(x -> client(1, CourierPlatform.FENGNIAO).quote(order("ks-fn-after-reset")))
        .compose(quote -> {
          testContext.verify(() -> assertThat(quote.priceFen()).isEqualTo(1400));
          return client(0, CourierPlatform.FENGNIAO).quote(order("ks-fn-other-node"));
        })
        .compose(quote -> tokenRequests())
        .onComplete(testContext.succeeding(tokens -> testContext.verify(() -> {
          assertThat(tokens).as("refresh refused, then the authorisation code; the other node reuses it").isEqualTo(2);
          testContext.completeNow();
        })));
  }

  @Test
  void fengniaoStatesTheCancelCostFirstAndTheDetailFollowsTheOrder(VertxTestContext testContext) {
    CourierPlatformClient fengniao = client(0, CourierPlatform.FENGNIAO);
    fengniao.placeOrder(order("ks-fn-cancel"))
        .compose(placed -> event(CourierPlatform.FENGNIAO, placed.platformOrderId(),
                new JsonObject().put("event", "PICKED_UP"))
            .compose(x -> client(1, CourierPlatform.FENGNIAO).orderDetail(null, "ks-fn-cancel", null))
            .compose(detail -> {
              testContext.verify(() -> {
                assertThat(detail.platformOrderId()).isEqualTo(placed.platformOrderId());
                assertThat(detail.state()).isEqualTo(CourierState.PICKED_UP);
              });
              return fengniao.cancel(new CourierCancelRequest("ks-fn-cancel", placed.platformOrderId(), "test"));
            })
            .compose(cancelled -> {
              testContext.verify(() -> assertThat(cancelled.penaltyFen()).as("preCancelOrder's cost").isEqualTo(600));
              return fengniao.orderDetail(null, "ks-fn-cancel", placed.platformOrderId());
            }))
        .onComplete(testContext.succeeding(detail -> testContext.verify(() -> {
          assertThat(detail.state()).isEqualTo(CourierState.CANCELLED);
          testContext.completeNow();
        })));
  }

  @Test
  void sfChargesRealPayMoneyStatesItsDeductionAndReportsAReturn(VertxTestContext testContext) {
    CourierPlatformClient sf = client(0, CourierPlatform.SF);
    sf.quote(order("ks-sf-1"))
        .compose(quote -> {
          testContext.verify(() -> assertThat(quote.priceFen()).as("real_pay_money, not total_price").isEqualTo(1300));
          return sf.placeOrder(order("ks-sf-1"));
        })
        .compose(placed -> {
          testContext.verify(() -> assertThat(placed.priceFen()).isEqualTo(1300));
          return event(CourierPlatform.SF, placed.platformOrderId(), new JsonObject().put("event", "ACCEPTED"))
              .compose(x -> sf.cancel(new CourierCancelRequest("ks-sf-1", placed.platformOrderId(), "test")));
        })
        .compose(cancelled -> {
          testContext.verify(() -> assertThat(cancelled.penaltyFen()).as("deduction_fee").isEqualTo(300));
          return sf.placeOrder(order("ks-sf-2"));
        })
        .compose(placed -> event(CourierPlatform.SF, placed.platformOrderId(), new JsonObject().put("event", "ACCEPTED"))
            .compose(x -> event(CourierPlatform.SF, placed.platformOrderId(), new JsonObject().put("event", "PICKED_UP")))
            .compose(x -> event(CourierPlatform.SF, placed.platformOrderId(),
                new JsonObject().put("event", "DELIVERED").put("returnedToMerchant", true)))
            // Asked by our own order id, as after a lost create answer.
            .compose(x -> sf.orderDetail(null, "ks-sf-2", null)))
        .onComplete(testContext.succeeding(detail -> testContext.verify(() -> {
          assertThat(detail.rawStatus()).isEqualTo("17");
          assertThat(detail.state()).as("returned to the merchant is not delivered").isEqualTo(CourierState.RETURNED);
          assertThat(detail.courierName()).isNotBlank();
          assertThat(detail.riderPosition()).isEqualTo(new GeoPoint(39.9087, 116.4605));
          assertThat(detail.priceFen()).isEqualTo(1300);
          testContext.completeNow();
        })));
  }

  @Test
  void fengniaoDownBeforeItsTokenIsPlatformDownNotARefusal(VertxTestContext testContext) {
    control("/fengniao/down", new JsonObject().put("forMs", 60_000))
        .compose(x -> client(0, CourierPlatform.FENGNIAO).quote(order("ks-fn-down")))
        .onComplete(testContext.failing(err -> testContext.verify(() -> {
          assertThat(err).isInstanceOf(io.vertx.serviceproxy.ServiceException.class);
          assertThat(((io.vertx.serviceproxy.ServiceException) err).failureCode())
              .isEqualTo(io.kilosail.contracts.courier.CourierGateway.PLATFORM_DOWN);
          testContext.completeNow();
        })));
  }
}
