package io.kilosail.intake;

import io.kilosail.infra.Clients;
import io.kilosail.infra.Times;
import io.kilosail.ingress.IngressVerticle;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Load shedding at intake: once enough received orders wait too long for their dispatch (no coordinator runs here,
 * so every stored order waits), a push is refused with 503, Retry-After and a problem body, and nothing is stored.
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class IntakeAdmissionTest {

  private static final int LATE_AFTER_MS = 200;

  private static Vertx vertx;
  private static Pool pool;
  private static String base;
  private static long lateBefore;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, infra.settings().mysql());
    // Other test classes share this database and may have left undispatched orders: the bound is set above them.
    Thread.sleep(LATE_AFTER_MS * 2);
    lateBefore = lateOrders();
    IngressVerticle ingress = new IngressVerticle();
    await(vertx.deployVerticle(ingress, new DeploymentOptions().setConfig(infra.config()
        .put("node", new JsonObject().put("id", "admission-test"))
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("intake", new JsonObject().put("admission", new JsonObject().put("lateAfterMs", LATE_AFTER_MS)
            .put("maxLateOrders", (int) lateBefore + 2).put("checkIntervalMs", 50).put("retryAfterSeconds", 3)))
        .put("platforms", new JsonObject().put("meituan", new JsonObject().put("secret", SignedPushes.SECRET))))));
    base = "http://127.0.0.1:" + ingress.actualPort() + "/v1/orders";
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void whenTooManyOrdersWaitForDispatchAPushIsRefusedWith503AndNothingIsStored() throws Exception {
    assertThat(push(newPlatformOrderId()).statusCode()).isEqualTo(202);
    assertThat(push(newPlatformOrderId()).statusCode()).as("one late order short of the bound").isEqualTo(202);
    Thread.sleep(LATE_AFTER_MS + 300);

    String refusedId = newPlatformOrderId();
    HttpResponse<String> refused = push(refusedId);

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
    assertThat(refused.headers().firstValue("retry-after")).hasValue("3");
    assertThat(refused.headers().firstValue("content-type")).hasValue("application/problem+json");
    assertThat(new JsonObject(refused.body()).getString("detail")).contains("wait for their dispatch");
    assertThat(await(pool.preparedQuery("SELECT COUNT(*) FROM delivery_order WHERE platform_order_id = ?")
        .execute(Tuple.of(refusedId))).iterator().next().getLong(0)).as("a refused push stores nothing").isZero();
  }

  @Test
  void theDoorClosesAtTheBoundAndOpensBelowIt() {
    assertThat(IntakeAdmission.shouldClose(199, 200)).isFalse();
    assertThat(IntakeAdmission.shouldClose(200, 200)).isTrue();
  }

  private static long lateOrders() throws Exception {
    return await(pool.preparedQuery("SELECT COUNT(*) FROM delivery_order WHERE state = 'CREATED' AND received_at < ?")
        .execute(Tuple.of(Times.toDb(Instant.now().minusMillis(LATE_AFTER_MS))))).iterator().next().getLong(0);
  }

  private static HttpResponse<String> push(String platformOrderId) throws Exception {
    return SignedPushes.push(base, platformOrderId).get(60, TimeUnit.SECONDS);
  }

  private static String newPlatformOrderId() {
    return SignedPushes.newPlatformOrderId();
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
