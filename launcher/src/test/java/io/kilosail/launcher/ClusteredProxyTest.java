package io.kilosail.launcher;

import io.kilosail.contracts.ops.NodeInfo;
import io.kilosail.contracts.ops.NodeInfoService;
import io.kilosail.embedded.FreePort;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.kilosail.launcher.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Two clustered nodes (Hazelcast, TCP-IP join on loopback): a typed proxy on one reaches the service on the other. */
@ExtendWith(KilosailInfraExtension.class)
class ClusteredProxyTest {

  @Test
  void aProxyOnOneNodeCallsTheServiceRegisteredOnTheOther(TestInfra infra) throws Exception {
    int portA = FreePort.pick();
    int portB = FreePort.pick();
    String members = "127.0.0.1:" + portA + ",127.0.0.1:" + portB;
    String cluster = "test-" + portA;
    Vertx bootstrap = Vertx.vertx();
    KilosailNode a = null;
    KilosailNode b = null;
    try {
      a = TestNodes.start(bootstrap, infra.settings(), clustered("node-a", "admin", cluster, portA, members));
      b = TestNodes.start(bootstrap, infra.settings(), clustered("node-b", "relay", cluster, portB, members));

      NodeInfo fromB = await(NodeInfoService.createProxy(b.vertx(), NodeInfoService.addressOf("node-a")).nodeInfo());
      assertThat(fromB.getNodeId()).isEqualTo("node-a");
      assertThat(fromB.getRoles()).containsExactly("admin");
      assertThat(fromB.isClustered()).isTrue();

      NodeInfo fromA = await(NodeInfoService.createProxy(a.vertx(), NodeInfoService.addressOf("node-b")).nodeInfo());
      assertThat(fromA.getNodeId()).isEqualTo("node-b");
    } finally {
      if (b != null) {
        await(b.stop());
      }
      if (a != null) {
        await(a.stop());
      }
      await(bootstrap.close());
    }
  }

  private static JsonObject clustered(String nodeId, String roles, String cluster, int port, String members) {
    return new JsonObject()
        .put("kilosail.node.id", nodeId)
        .put("kilosail.node.roles", roles)
        .put("kilosail.cluster.enabled", "true")
        .put("kilosail.cluster.name", cluster)
        .put("kilosail.cluster.port", String.valueOf(port))
        .put("kilosail.cluster.members", members)
        // No food platform listens in this test and no simulators run: push-back off on purpose (node-b has relay).
        .put("kilosail.pushback.enabled", "false");
  }
}
