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
    detectDeadMembersInSeconds(config);
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

  /**
   * A member killed without leaving (kill -9, a lost host) keeps its event-bus registrations until Hazelcast declares
   * it dead; until then Vert.x keeps sending a share of the requests for those addresses to it, and they are only ever
   * answered by their timeout. Hazelcast's defaults (a heartbeat every 5 s, dead after 60 s without one) made a
   * takeover last about a minute. Here: a heartbeat every second, dead after 6 s without one (the same 6 s as the
   * Kafka consumers' session), so a dead node's addresses go away within seconds; the proxies' per-call timeouts and
   * retries (infra.Proxies) cover the seconds before. The price is that a member that cannot heartbeat for 6 s (a GC
   * pause that long, a saturated host) is dropped too; it merges back and Vert.x registers its handlers again.
   *
   * <p>An operation to a member that just died fails when the member is removed, not after Hazelcast's 60 s default
   * call timeout, once heartbeats are this short; 15 s stays as a backstop for one that hangs otherwise. After a split,
   * the groups merge back within 10 s instead of 5 minutes, so a node that was cut off serves again soon.
   */
  static void detectDeadMembersInSeconds(Config config) {
    config.setProperty("hazelcast.heartbeat.failuredetector.type", "deadline");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "6");
    config.setProperty("hazelcast.operation.call.timeout.millis", "15000");
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "10");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "10");
  }
}
