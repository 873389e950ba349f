package io.kilosail.courier.gateway;

import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierOrderLookup;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;
import io.kilosail.courier.CourierSettings;
import io.kilosail.courier.wire.CourierHttpRequest;
import io.kilosail.courier.wire.CourierOrderDetail;
import io.kilosail.courier.wire.CourierWire;
import io.kilosail.courier.wire.GeoPoint;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's order-detail query over a platform client and a local HTTP server standing in for the platform: a
 * wire without the query sends nothing and fails NOT_SUPPORTED; with it, "no such order" (the wire's null) is
 * found=false and an order the platform holds comes back with its id, state and price.
 */
class OrderDetailTest {

  private static Vertx vertx;
  private static HttpServer platform;
  private static WebClient web;
  private static final AtomicInteger requests = new AtomicInteger();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    web = WebClient.create(vertx);
    // Answers like a platform's detail query: our order "o-held" is there, anything else is not.
    platform = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      requests.incrementAndGet();
      String orderId = new JsonObject(body).getString("orderId");
      req.response().putHeader("Content-Type", "application/json").end("o-held".equals(orderId)
          ? new JsonObject().put("id", "SF-77").put("orderId", orderId).put("status", "10").put("price", 1150)
              .put("lat", 31.2304).put("lng", 121.4737).encode()
          : new JsonObject().put("error", "order not found").encode());
    })).listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
  }

  @Test
  void aWireWithoutTheQuerySendsNothingAndFailsNotSupported() {
    int before = requests.get();
    CourierGatewayService gateway = gateway(false);

    Throwable failure = awaitFailure(gateway.orderDetail("sf", null, "o-held", null));

    assertThat(failure).isInstanceOf(ServiceException.class);
    assertThat(((ServiceException) failure).failureCode()).isEqualTo(CourierGateway.NOT_SUPPORTED);
    assertThat(requests.get()).isEqualTo(before);
  }

  @Test
  void anOrderThePlatformHoldsIsFoundWithItsPriceAndOneItDoesNotHaveIsNot() {
    CourierGatewayService gateway = gateway(true);

    CourierOrderLookup held = await(gateway.orderDetail("sf", null, "o-held", null));
    assertThat(held.isFound()).isTrue();
    assertThat(held.getPlatformOrderId()).isEqualTo("SF-77");
    assertThat(held.getState()).isEqualTo("ACCEPTED");
    assertThat(held.getPriceFen()).isEqualTo(1150L);
    assertThat(held.getRiderLat()).isEqualTo(31.2304);

    CourierOrderLookup missing = await(gateway.orderDetail("sf", null, "o-never-placed", null));
    assertThat(missing.isFound()).isFalse();
    assertThat(missing.getPlatformOrderId()).isNull();
  }

  // ---------------------------------------------------------------- a stand-in wire

  private static CourierGatewayService gateway(boolean withDetail) {
    CourierWire wire = wire(withDetail);
    CourierSettings.Platform settings = new CourierSettings.Platform(CourierPlatform.SF, wire,
        "http://127.0.0.1:" + platform.actualPort(), 2_000, new CourierSettings.Circuit(5, 3_000, 10_000));
    return new CourierGatewayService(Map.of(CourierPlatform.SF,
        new CourierPlatformClient(vertx, web, settings, new SimpleMeterRegistry())));
  }

  /** A wire whose only working calls are the order-detail query (when {@code withDetail}) and platform(). */
  private static CourierWire wire(boolean withDetail) {
    InvocationHandler handler = (proxy, method, args) -> switch (method.getName()) {
      case "platform" -> CourierPlatform.SF;
      case "orderDetail" -> {
        if (!withDetail) {
          throw new UnsupportedOperationException("sf has no order-detail query yet");
        }
        yield new CourierHttpRequest("/detail", CourierHttpRequest.JSON,
            new JsonObject().put("orderId", args[1]).encode());
      }
      case "readOrderDetail" -> {
        JsonObject body = new JsonObject((String) args[0]);
        yield body.containsKey("error") ? null : new CourierOrderDetail(body.getString("id"),
            body.getString("orderId"), CourierState.ACCEPTED, body.getString("status"), body.getLong("price"), null,
            null, new GeoPoint(body.getDouble("lat"), body.getDouble("lng")));
      }
      case "toString" -> "stand-in sf wire";
      case "hashCode" -> 0;
      case "equals" -> proxy == args[0];
      default -> throw new UnsupportedOperationException(method.getName());
    };
    return (CourierWire) Proxy.newProxyInstance(CourierWire.class.getClassLoader(), new Class<?>[]{CourierWire.class},
        handler);
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Throwable awaitFailure(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure");
  }
}
