package io.kilosail.launcher;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Hazelcast as kilosail runs it: TCP-IP join with the configured members, no multicast, no cloud auto-detection, no
 * phone-home. Members are listed one by one: Hazelcast's port-range syntax did not form clusters here.
 */
final class HazelcastClusterConfig {

  private HazelcastClusterConfig() {
  }

  static HazelcastClusterManager clusterManager(ClusterSettings cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    if (!"0.0.0.0".equals(cluster.host())) {
      config.setProperty("hazelcast.local.localAddress", cluster.host());
      network.getInterfaces().setEnabled(true).addInterface(cluster.host());
    }
    if (!cluster.publicHost().equals(cluster.host())) {
      network.setPublicAddress(cluster.publicHost() + ":" + cluster.port());
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    return new HazelcastClusterManager(config);
  }
}
