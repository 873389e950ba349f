package io.kilosail.infra;

import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.platform.settings.MySqlSettings;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.mysqlclient.MySQLBuilder;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.util.HashMap;
import java.util.Map;

/**
 * How a verticle gets its MySQL pool, Redis client and Kafka settings. The MySQL pool is shared by name within one
 * Vert.x instance, so every verticle on a node draws from the same {@code mysql.poolSize} connections.
 */
public final class Clients {

  public static final String MYSQL_POOL_NAME = "kilosail-mysql";

  private Clients() {
  }

  public static Pool mysqlPool(Vertx vertx, MySqlSettings mysql) {
    MySQLConnectOptions connect = new MySQLConnectOptions()
        .setHost(mysql.host())
        .setPort(mysql.port())
        .setDatabase(mysql.database())
        .setUser(mysql.user())
        .setPassword(mysql.password())
        .setCachePreparedStatements(true)
        .setPreparedStatementCacheMaxSize(512);
    PoolOptions pool = new PoolOptions()
        .setMaxSize(mysql.poolSize())
        .setShared(true)
        .setName(MYSQL_POOL_NAME)
        // A request waits at most this long for a connection, then fails instead of queueing forever.
        .setConnectionTimeout(5)
        .setMaxWaitQueueSize(10_000);
    return MySQLBuilder.pool()
        .with(pool)
        .with(new NetClientOptions().setConnectTimeout(5_000))
        .connectingTo(connect)
        .using(vertx)
        .build();
  }

  public static Redis redis(Vertx vertx, String url) {
    return Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(url)
        .setMaxPoolSize(8)
        .setMaxPoolWaiting(10_000)
        .setMaxWaitingHandlers(10_000));
  }

  /** Settings every Kafka client needs; producers and consumers add their own. */
  public static Map<String, String> kafkaCommon(InfraSettings infra) {
    Map<String, String> config = new HashMap<>();
    config.put("bootstrap.servers", infra.kafkaBootstrapServers());
    config.put("client.dns.lookup", "use_all_dns_ips");
    return config;
  }

  /**
   * A member of consumer group {@code group}, set up to hand its partitions over fast and without stopping the others:
   * <ul>
   *   <li><b>Cooperative-sticky assignment.</b> A member joining or leaving moves only the partitions that change
   *   owner; every other member keeps consuming through the rebalance. With the eager default every member of every
   *   group gave up all of its partitions whenever one node (re)joined, and waited for the group to settle: a restart
   *   froze every group on every node. (kafka-clients 3.x members already offer cooperative-sticky as their second
   *   choice, so a rolling upgrade from the default settles on it.)</li>
   *   <li><b>6 s session, heartbeat every 1.5 s.</b> A member that died (kill -9) is noticed after 6 s instead of the
   *   45 s default; 6 s is the broker's default {@code group.min.session.timeout.ms}, the shortest it accepts. Heartbeats
   *   come from the client's own thread, so a busy event loop does not cost the membership.</li>
   *   <li><b>60 s max poll interval.</b> vertx-kafka-client stops polling while the stream is paused (in-flight limit
   *   reached, or stopping); a member that has not polled for this long is stuck and leaves, and a rebalance never
   *   waits longer than this for it. Every handler is bounded far below (proxy timeouts, the pool's 5 s wait).</li>
   *   <li><b>No static membership</b> ({@code group.instance.id}): node ids are not guaranteed unique, and two members
   *   with the same instance id fence each other; a static member that stops also keeps its partitions until its
   *   session expires, where a dynamic one hands them over at once when it closes.</li>
   * </ul>
   */
  public static Map<String, String> kafkaConsumerGroup(InfraSettings infra, String group) {
    Map<String, String> config = kafkaCommon(infra);
    config.put("group.id", group);
    config.put("partition.assignment.strategy",
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
    config.put("session.timeout.ms", "6000");
    config.put("heartbeat.interval.ms", "1500");
    config.put("max.poll.interval.ms", "60000");
    return config;
  }

  /** An admin client that gives up within seconds, for readiness checks and topic management. */
  public static KafkaAdminClient kafkaAdmin(Vertx vertx, InfraSettings infra) {
    Map<String, String> config = kafkaCommon(infra);
    config.put("request.timeout.ms", "2000");
    config.put("default.api.timeout.ms", "2500");
    config.put("reconnect.backoff.max.ms", "1000");
    return KafkaAdminClient.create(vertx, config);
  }
}
