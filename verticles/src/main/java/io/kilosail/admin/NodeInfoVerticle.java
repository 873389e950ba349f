package io.kilosail.admin;

import io.kilosail.contracts.ops.NodeInfo;
import io.kilosail.contracts.ops.NodeInfoService;
import io.kilosail.infra.Clients;
import io.kilosail.infra.NodeConfig;
import io.kilosail.platform.settings.InfraSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Runs on every node whatever its roles: records the start in {@code node_start} and answers {@link NodeInfoService}
 * on the shared address and on the node's own one.
 */
public class NodeInfoVerticle extends VerticleBase implements NodeInfoService {

  private static final Logger log = LoggerFactory.getLogger(NodeInfoVerticle.class);

  private NodeConfig node;
  private Pool mysql;
  private List<MessageConsumer<JsonObject>> consumers;

  @Override
  public Future<?> start() {
    node = NodeConfig.fromJson(config());
    mysql = Clients.mysqlPool(vertx, InfraSettings.fromJson(config()).mysql());
    ServiceBinder binder = new ServiceBinder(vertx);
    consumers = List.of(
        binder.setAddress(NodeInfoService.ADDRESS).register(NodeInfoService.class, this),
        binder.setAddress(NodeInfoService.addressOf(node.id())).register(NodeInfoService.class, this));
    LocalDateTime startedAt = LocalDateTime.ofInstant(Instant.parse(node.startedAt()), ZoneOffset.UTC);
    return mysql.preparedQuery("INSERT INTO node_start (node_id, roles, version, started_at) VALUES (?, ?, ?, ?)")
        .execute(Tuple.of(node.id(), String.join(",", node.roles()), node.version(), startedAt))
        .compose(recorded -> Future.all(consumers.stream().map(MessageConsumer::completion).toList()))
        .onSuccess(x -> log.info("node registered node={} roles={} version={}", node.id(), node.roles(),
            node.version()));
  }

  @Override
  public Future<NodeInfo> nodeInfo() {
    return Future.succeededFuture(new NodeInfo()
        .setNodeId(node.id())
        .setRoles(node.roles())
        .setStartedAt(node.startedAt())
        .setClustered(node.clustered()));
  }

  @Override
  public Future<?> stop() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).compose(x -> mysql.close());
  }
}
