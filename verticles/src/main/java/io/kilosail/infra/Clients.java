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

  /** An admin client that gives up within seconds, for readiness checks and topic management. */
  public static KafkaAdminClient kafkaAdmin(Vertx vertx, InfraSettings infra) {
    Map<String, String> config = kafkaCommon(infra);
    config.put("request.timeout.ms", "2000");
    config.put("default.api.timeout.ms", "2500");
    config.put("reconnect.backoff.max.ms", "1000");
    return KafkaAdminClient.create(vertx, config);
  }
}
