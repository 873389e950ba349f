package io.kilosail.testing;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The fixture hands out servers that are really there: a migrated MariaDB, a Kafka broker, a Redis. */
@ExtendWith(KilosailInfraExtension.class)
class KilosailInfraExtensionTest {

  @Test
  void mysqlIsMigrated(TestInfra infra) throws Exception {
    var mysql = infra.settings().mysql();
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + mysql.host() + ":" + mysql.port() + "/"
        + mysql.database(), mysql.user(), mysql.password());
         ResultSet rs = c.createStatement().executeQuery(
             "SELECT version FROM flyway_schema_history WHERE success = 1 ORDER BY installed_rank DESC LIMIT 1")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isNotBlank();
    }
  }

  @Test
  void kafkaStoresAndServesRecords(TestInfra infra) {
    String topic = "fixture-" + UUID.randomUUID();
    Map<String, Object> common = Map.of("bootstrap.servers", infra.settings().kafkaBootstrapServers());
    try (var producer = new KafkaProducer<>(new java.util.HashMap<>(common), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "k", "hello")).get();
    } catch (Exception e) {
      throw new AssertionError("send failed", e);
    }
    var consumerProps = new java.util.HashMap<>(common);
    consumerProps.put("group.id", "fixture-test");
    consumerProps.put("auto.offset.reset", "earliest");
    try (var consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      List<String> values = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 15_000;
      while (values.isEmpty() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
      }
      assertThat(values).containsExactly("hello");
    }
  }

  @Test
  void redisAnswers(TestInfra infra) {
    URI uri = URI.create(infra.settings().redisUrl());
    try (Jedis jedis = new Jedis(uri.getHost(), uri.getPort())) {
      jedis.set("fixture-key", "v");
      assertThat(jedis.get("fixture-key")).isEqualTo("v");
    }
  }
}
