package io.kilosail.launcher;

import io.kilosail.access.Role;
import io.kilosail.admin.AdminTokens;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import static io.kilosail.launcher.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code issue-token}: what an operator runs to get a dashboard token, and its mistakes. */
class IssueTokenTest {

  @Test
  void printsATokenTheBridgeAcceptsForThatOperatorAndTtl() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = IssueToken.run(new String[]{"--operator", "alice", "--role", "ops,finance", "--ttl", "8h"}, print(out),
        print(err));

    assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String token = out.toString(StandardCharsets.UTF_8).trim();
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]),
        StandardCharsets.UTF_8));
    assertThat(claims.getString("sub")).isEqualTo("alice");
    assertThat(claims.getLong("exp") - claims.getLong("iat")).isEqualTo(Duration.ofHours(8).toSeconds());

    Vertx vertx = Vertx.vertx();
    try {
      KilosailSettings settings = await(SettingsLoader.load(vertx, null, new JsonObject()));
      AdminTokens.Operator operator = await(AdminTokens.fromJson(vertx, settings.verticleSections()).verify(token));
      assertThat(operator.name()).isEqualTo("alice");
      assertThat(operator.roles()).containsExactlyInAnyOrder(Role.OPS, Role.FINANCE);
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void refusesAMissingOperatorOrABadTtlWithTheUsage() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(IssueToken.run(new String[]{"--ttl", "8h"}, print(new ByteArrayOutputStream()), print(err)))
        .isEqualTo(Main.EXIT_BAD_SETTING);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--operator <name> is required").contains("usage:");

    // A token may do only what its roles say: one is required, and only known ones.
    ByteArrayOutputStream noRole = new ByteArrayOutputStream();
    assertThat(IssueToken.run(new String[]{"--operator", "alice"}, print(new ByteArrayOutputStream()), print(noRole)))
        .isEqualTo(Main.EXIT_BAD_SETTING);
    assertThat(noRole.toString(StandardCharsets.UTF_8)).contains("--role <ops|catalog|finance> is required");
    ByteArrayOutputStream badRole = new ByteArrayOutputStream();
    assertThat(IssueToken.run(new String[]{"--operator", "alice", "--role", "root"}, print(new ByteArrayOutputStream()),
        print(badRole))).isEqualTo(Main.EXIT_BAD_SETTING);
    assertThat(badRole.toString(StandardCharsets.UTF_8)).contains("no role 'root'");

    assertThatThrownBy(() -> IssueToken.ttl("8 hours")).hasMessageContaining("90s, 30m, 8h or 2d");
    assertThat(IssueToken.ttl("90s")).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void refusesATtlOverTheConfiguredMaximum() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(IssueToken.run(new String[]{"--operator", "alice", "--role", "ops", "--ttl", "25h"}, print(out),
        print(err)))
        .isEqualTo(Main.EXIT_BAD_SETTING);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--ttl is at most 24h").contains("admin.jwt.maxTtl");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }
}
