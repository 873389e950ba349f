package io.kilosail.intake;

import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.micrometer.core.instrument.DistributionSummary;

import io.kilosail.infra.Clients;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Intake's group commit: with one transaction at a time, pushes that arrive meanwhile are stored together. Every push
 * still gets its own answer after its own commit, one order and one saga each; a repeated push inside a group still
 * finds the order stored first.
 */
@ExtendWith({VertxExtension.class, KilosailInfraExtension.class})
class IntakeGroupCommitTest {

  private static Vertx vertx;
  private static Pool pool;
  private static String base;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    vertx = Vertx.vertx();
    pool = Clients.mysqlPool(vertx, infra.settings().mysql());
    IngressVerticle ingress = new IngressVerticle();
    await(vertx.deployVerticle(ingress, new DeploymentOptions().setConfig(infra.config()
        .put("node", new JsonObject().put("id", "group-commit-test"))
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("intake", new JsonObject().put("batch", new JsonObject().put("maxInFlight", 1).put("maxOrders", 16))
            .put("admission", new JsonObject().put("enabled", false)))
        .put("platforms", new JsonObject().put("meituan", new JsonObject().put("secret", SignedPushes.SECRET))))));
    base = "http://127.0.0.1:" + ingress.actualPort() + "/v1/orders";
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void parallelPushesAreEachStoredOnceWithTheirSagaAndAnsweredWithTheirOwnId() throws Exception {
    List<String> platformOrderIds = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String platformOrderId = SignedPushes.newPlatformOrderId();
      platformOrderIds.add(platformOrderId);
      answers.add(SignedPushes.push(base, platformOrderId));
    }
    Set<String> orderIds = new HashSet<>();
    for (int i = 0; i < answers.size(); i++) {
      HttpResponse<String> answer = answers.get(i).get(60, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
      String orderId = new JsonObject(answer.body()).getString("orderId");
      orderIds.add(orderId);
      assertThat(count("SELECT COUNT(*) FROM delivery_order WHERE id = ? AND platform_order_id = ?",
          orderId, platformOrderIds.get(i))).as("the answer names the order of that push").isEqualTo(1);
      assertThat(count("SELECT COUNT(*) FROM saga_instance WHERE saga_type = 'delivery' AND business_key = ?",
          orderId, null)).isEqualTo(1);
    }
    assertThat(orderIds).hasSize(60);
    DistributionSummary groups = Meters.registry(NodeConfig.fromJson(new JsonObject()
        .put("node", new JsonObject().put("id", "group-commit-test")))).find("kilosail.intake.group.orders").summary();
    assertThat(groups).as("the group size metric").isNotNull();
    assertThat(groups.max()).as("60 pushes at once, one transaction at a time: some stored together")
        .isGreaterThan(1);
    assertThat(groups.count()).as("fewer transactions than pushes").isLessThan((long) groups.totalAmount());
  }

  @Test
  void aRepeatedPushInAGroupFindsTheOrderStoredFirstAndTheOthersAreStored() throws Exception {
    String repeated = SignedPushes.newPlatformOrderId();
    HttpResponse<String> first = SignedPushes.push(base, repeated).get(60, TimeUnit.SECONDS);
    assertThat(first.statusCode()).isEqualTo(202);
    String firstId = new JsonObject(first.body()).getString("orderId");

    List<CompletableFuture<HttpResponse<String>>> fresh = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> again = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      fresh.add(SignedPushes.push(base, SignedPushes.newPlatformOrderId()));
      if (i % 3 == 0) {
        again.add(SignedPushes.push(base, repeated));
      }
    }
    for (CompletableFuture<HttpResponse<String>> answer : fresh) {
      assertThat(answer.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
    }
    for (CompletableFuture<HttpResponse<String>> answer : again) {
      HttpResponse<String> repeat = answer.get(60, TimeUnit.SECONDS);
      assertThat(repeat.statusCode()).as(repeat.body()).isEqualTo(200);
      assertThat(new JsonObject(repeat.body()).getString("orderId")).isEqualTo(firstId);
    }
    assertThat(count("SELECT COUNT(*) FROM delivery_order WHERE platform_order_id = ?", repeated, null)).isEqualTo(1);
  }

  private static long count(String sql, String first, String second) throws Exception {
    Tuple args = second == null ? Tuple.of(first) : Tuple.of(first, second);
    return await(pool.preparedQuery(sql).execute(args)).iterator().next().getLong(0);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
