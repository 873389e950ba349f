package io.kilosail.launcher;

import io.kilosail.embedded.FreePort;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A wrong setting stops start-up with exit code 2 and one line on stderr that names the setting; no stack trace. */
@ExtendWith(KilosailInfraExtension.class)
class StartupFailureTest {

  private static List<String> failWith(Map<String, String> env, String... args) throws Exception {
    try (NodeProcess node = NodeProcess.start(env, args)) {
      assertThat(node.awaitExit(60)).as("exit code; stdout=%s", node.stdout()).isEqualTo(Main.EXIT_BAD_SETTING);
      assertThat(node.stderr()).as("stderr").hasSize(1);
      assertThat(node.stderr().get(0)).startsWith("kilosail: setting '");
      assertThat(String.join("\n", node.stdout())).doesNotContain("\tat ");
      return node.stderr();
    }
  }

  @Test
  void unknownRole() throws Exception {
    assertThat(failWith(Map.of(), "--roles", "ingress,chef").get(0))
        .contains("node.roles (KILOSAIL_ROLES)").contains("unknown role 'chef'");
  }

  @Test
  void portOutOfRange() throws Exception {
    assertThat(failWith(Map.of("KILOSAIL_HTTP_PORT", "70000")).get(0))
        .contains("http.port (KILOSAIL_HTTP_PORT)").contains("70000");
  }

  @Test
  void unreachableExternalMysql() throws Exception {
    int closedPort = FreePort.pick();
    assertThat(failWith(Map.of(
        "KILOSAIL_INFRA", "external",
        "KILOSAIL_MYSQL_URL", "mysql://kilosail:pw@127.0.0.1:" + closedPort + "/kilosail",
        "KILOSAIL_KAFKA", "127.0.0.1:9",
        "KILOSAIL_REDIS", "redis://127.0.0.1:9",
        // Settings are checked before any server is reached: push-back's destination would be named first.
        "KILOSAIL_PUSHBACK_ENABLED", "false")).get(0))
        .contains("mysql.url (KILOSAIL_MYSQL_URL)").contains("127.0.0.1:" + closedPort);
  }

  @Test
  void httpPortAlreadyTaken(TestInfra infra) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Map<String, String> env = new HashMap<>(externalEnv(infra));
      env.put("KILOSAIL_HTTP_PORT", String.valueOf(taken.getLocalPort()));
      assertThat(failWith(env).get(0))
          .contains("http.port (KILOSAIL_HTTP_PORT)").contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void aRelayNodeWithNowhereToPushStatesBack(TestInfra infra) throws Exception {
    // conf/cluster-node-b.json before it named callback URLs: external servers, role relay, no simulators.
    Map<String, String> env = new HashMap<>(externalEnv(infra));
    env.remove("KILOSAIL_PUSHBACK_ENABLED");
    assertThat(failWith(env, "--roles", "quote,dispatch,saga,relay").get(0))
        .contains("platforms.eleme.callbackUrl (KILOSAIL_PLATFORM_ELEME_CALLBACK_URL)")
        .contains("pushback.enabled=false");
  }

  /** External servers; push-back switched off, since no food platform listens (see aRelayNodeWithNowhereToPush...). */
  static Map<String, String> externalEnv(TestInfra infra) {
    return Map.of(
        "KILOSAIL_INFRA", "external",
        "KILOSAIL_MYSQL_URL", infra.settings().mysql().url(),
        "KILOSAIL_KAFKA", infra.settings().kafkaBootstrapServers(),
        "KILOSAIL_REDIS", infra.settings().redisUrl(),
        "KILOSAIL_PUSHBACK_ENABLED", "false");
  }
}
