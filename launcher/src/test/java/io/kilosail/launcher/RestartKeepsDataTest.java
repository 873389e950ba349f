package io.kilosail.launcher;

import io.kilosail.embedded.EmbeddedInfrastructure;
import io.kilosail.embedded.FreePort;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default (embedded) node keeps its data across a stop by SIGTERM and a second start on the same data directory:
 * MySQL rows, Kafka records and Redis keys written in the first run are there in the second.
 */
class RestartKeepsDataTest {

  @Test
  void dataWrittenInTheFirstRunSurvivesSigtermAndRestart(@TempDir Path dataDir) throws Exception {
    int httpPort = FreePort.pick();
    int mysqlPort = FreePort.pick();
    int kafkaPort = FreePort.pick();
    int redisPort = FreePort.pick();
    Map<String, String> env = new HashMap<>(Map.of(
        "KILOSAIL_DATA_DIR", dataDir.toString(),
        "KILOSAIL_HTTP_PORT", String.valueOf(httpPort),
        "KILOSAIL_EMBEDDED_MYSQL_PORT", String.valueOf(mysqlPort),
        "KILOSAIL_EMBEDDED_KAFKA_PORT", String.valueOf(kafkaPort),
        "KILOSAIL_EMBEDDED_KAFKA_CONTROLLER_PORT", String.valueOf(FreePort.pick()),
        "KILOSAIL_EMBEDDED_REDIS_PORT", String.valueOf(redisPort)));
    int simulatorPort = FreePort.pick();
    env.put("KILOSAIL_SIMULATOR_COURIER_PORT", String.valueOf(simulatorPort));
    String jdbc = "jdbc:mariadb://127.0.0.1:" + mysqlPort + "/" + EmbeddedInfrastructure.DATABASE;
    String kafka = "127.0.0.1:" + kafkaPort;

    env.put("KILOSAIL_WEBHOOKS_PORT", String.valueOf(FreePort.pick()));
    env.put("KILOSAIL_NODE_ID", "first-run");
    String pushedOrderId;
    try (NodeProcess first = NodeProcess.start(env)) {
      first.awaitUp(120);
      assertReady(httpPort);
      try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", kafka, "acks", "all"),
          new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("restart-proof", "order-1", "written in the first run")).get();
      }
      try (Jedis redis = new Jedis("127.0.0.1", redisPort)) {
        redis.set("restart-proof", "written in the first run");
      }
      // The embedded food simulator pushes to this node's intake with the secrets of its platforms section.
      pushedOrderId = pushThreeOrdersThroughTheFoodSimulator(simulatorPort);
      assertThat(first.terminate(90)).as("exit after SIGTERM").isEqualTo(143);
      assertThat(first.stdout()).as(String.join("\n", first.stdout()))
          .anyMatch(l -> l.contains("kilosail node first-run stopped"))
          // The embedded servers outlive the node's drain: nothing it hands back or stores on the way out fails.
          .noneMatch(l -> l.contains("Connection refused") || l.contains("not handed back")
              || l.contains("not stored"));
    }

    env.put("KILOSAIL_NODE_ID", "second-run");
    try (NodeProcess second = NodeProcess.start(env)) {
      second.awaitUp(120);
      assertReady(httpPort);
      try (Connection c = DriverManager.getConnection(jdbc, EmbeddedInfrastructure.USER, EmbeddedInfrastructure.PASSWORD);
           ResultSet rs = c.createStatement().executeQuery("SELECT node_id FROM node_start ORDER BY id")) {
        List<String> nodes = new ArrayList<>();
        while (rs.next()) {
          nodes.add(rs.getString(1));
        }
        assertThat(nodes).containsExactly("first-run", "second-run");
      }
      try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", kafka,
          "group.id", "restart-proof", "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
        consumer.subscribe(List.of("restart-proof"));
        List<String> values = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (values.isEmpty() && System.currentTimeMillis() < deadline) {
          consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.key() + "=" + r.value()));
        }
        assertThat(values).containsExactly("order-1=written in the first run");
      }
      try (Jedis redis = new Jedis("127.0.0.1", redisPort)) {
        assertThat(redis.get("restart-proof")).isEqualTo("written in the first run");
      }
      // Read back as the platform that pushed it, signed like a push.
      HttpResponse<String> order = HttpClient.newHttpClient().send(TestCredentials.signedRead(
          URI.create("http://127.0.0.1:" + httpPort + "/v1/orders/" + pushedOrderId), "meituan").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(order.statusCode()).as(order.body()).isEqualTo(200);
      assertThat(order.body()).contains("\"platform\":\"meituan\"");
      assertThat(second.terminate(90)).isEqualTo(143);
    }
  }

  /** Pushes three orders with the embedded food simulator; returns the order id kilosail gave the first. */
  private static String pushThreeOrdersThroughTheFoodSimulator(int simulatorPort) throws Exception {
    String control = "http://127.0.0.1:" + simulatorPort + "/_control/food";
    HttpResponse<String> started = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(control + "/push"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"count\":3,\"ratePerSecond\":50}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String runId = new JsonObject(started.body()).getString("runId");
    long deadline = System.currentTimeMillis() + 30_000;
    JsonObject run;
    do {
      Thread.sleep(100);
      run = new JsonObject(get(control + "/runs/" + runId).body());
    } while (!"DONE".equals(run.getString("state")) && System.currentTimeMillis() < deadline);
    assertThat(run.getInteger("accepted")).as(run.encode()).isEqualTo(3);
    return run.getJsonArray("orders").getJsonObject(0).getString("orderId");
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void assertReady(int httpPort) throws Exception {
    HttpResponse<String> ready = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    assertThat(ready.body()).contains("\"id\":\"mysql\",\"status\":\"UP\"")
        .contains("\"id\":\"kafka\",\"status\":\"UP\"")
        .contains("\"id\":\"redis\",\"status\":\"UP\"");
  }
}
