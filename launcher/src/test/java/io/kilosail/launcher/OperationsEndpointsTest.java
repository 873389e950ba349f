package io.kilosail.launcher;

import io.kilosail.embedded.EmbeddedRedis;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static io.kilosail.launcher.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

/** /health, /ready and /metrics as an operator and Prometheus see them, including a server going down. */
@ExtendWith(KilosailInfraExtension.class)
class OperationsEndpointsTest {

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject check(JsonObject ready, String id) {
    JsonArray checks = ready.getJsonArray("checks");
    return checks.stream().map(JsonObject.class::cast).filter(c -> id.equals(c.getString("id"))).findFirst()
        .orElseThrow(() -> new AssertionError("no check " + id + " in " + ready));
  }

  @Test
  void readyTurns503WhenRedisStopsAndNamesIt(TestInfra infra, @TempDir Path redisDir) throws Exception {
    Vertx bootstrap = Vertx.vertx();
    EmbeddedRedis redis = EmbeddedRedis.start(redisDir, 0);
    KilosailNode node = null;
    try {
      InfraSettings withOwnRedis = new InfraSettings(infra.settings().mysql(),
          infra.settings().kafkaBootstrapServers(), redis.url());
      node = TestNodes.start(bootstrap, withOwnRedis, new JsonObject().put("kilosail.node.roles", "ingress"));
      int port = node.httpPort();

      HttpResponse<String> up = get(port, "/ready");
      assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
      for (String server : new String[] {"mysql", "kafka", "redis"}) {
        assertThat(check(new JsonObject(up.body()), server).getString("status")).isEqualTo("UP");
      }

      redis.close();
      HttpResponse<String> down = get(port, "/ready");
      assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
      JsonObject body = new JsonObject(down.body());
      assertThat(check(body, "redis").getString("status")).isEqualTo("DOWN");
      assertThat(check(body, "mysql").getString("status")).isEqualTo("UP");
      assertThat(check(body, "kafka").getString("status")).isEqualTo("UP");

      HttpResponse<String> health = get(port, "/health");
      assertThat(health.statusCode()).as("liveness does not depend on Redis").isEqualTo(200);
    } finally {
      if (node != null) {
        await(node.stop());
      }
      redis.close();
      await(bootstrap.close());
    }
  }

  @Test
  void metricsArePrometheusTextWithJvmHttpEventBusAndPoolMetrics(TestInfra infra) throws Exception {
    Vertx bootstrap = Vertx.vertx();
    KilosailNode node = TestNodes.start(bootstrap, infra.settings(), new JsonObject().put("kilosail.node.roles", "ingress"));
    try {
      int port = node.httpPort();
      assertThat(get(port, "/ready").statusCode()).isEqualTo(200); // uses the MySQL pool and produces HTTP metrics
      HttpResponse<String> metrics = get(port, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
      assertThat(metrics.body())
          .contains("jvm_memory_used_bytes")
          .contains("vertx_http_server_requests_total")
          .contains("vertx_eventbus_handlers")
          .contains("vertx_pool_");
      assertThat(metrics.body()).containsPattern("vertx_http_server_requests_total\\{.*route=\"/ready\"");

      HttpResponse<String> missing = get(port, "/no-such-thing");
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.headers().firstValue("content-type")).hasValue("application/problem+json");
      assertThat(new JsonObject(missing.body()).getString("detail")).contains("/no-such-thing");
    } finally {
      await(node.stop());
      await(bootstrap.close());
    }
  }
}
