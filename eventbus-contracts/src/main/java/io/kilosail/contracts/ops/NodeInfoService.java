package io.kilosail.contracts.ops;

import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Tells who a node is: its id, its roles, when it started. Every node registers it under its own address
 * ({@link #addressOf(String)}) and under the shared {@link #ADDRESS}, so an operator (or the admin dashboard) can ask
 * any node, or one node in particular, across the cluster.
 */
@ProxyGen
@VertxGen
public interface NodeInfoService {

  String ADDRESS = "kilosail.ops.node-info";

  static String addressOf(String nodeId) {
    return ADDRESS + "." + nodeId;
  }

  static NodeInfoService createProxy(Vertx vertx, String address) {
    return new NodeInfoServiceVertxEBProxy(vertx, address);
  }

  Future<NodeInfo> nodeInfo();
}
