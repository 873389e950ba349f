package io.kilosail.launcher;

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
    int exit = IssueToken.run(new String[]{"--operator", "alice", "--ttl", "8h"}, print(out), print(err));

    assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String token = out.toString(StandardCharsets.UTF_8).trim();
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]),
        StandardCharsets.UTF_8));
    assertThat(claims.getString("sub")).isEqualTo("alice");
    assertThat(claims.getLong("exp") - claims.getLong("iat")).isEqualTo(Duration.ofHours(8).toSeconds());

    Vertx vertx = Vertx.vertx();
    try {
      KilosailSettings settings = await(SettingsLoader.load(vertx, null, new JsonObject()));
      assertThat(await(AdminTokens.fromJson(vertx, settings.verticleSections()).verify(token)).name())
          .isEqualTo("alice");
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

    assertThatThrownBy(() -> IssueToken.ttl("8 hours")).hasMessageContaining("90s, 30m, 8h or 2d");
    assertThat(IssueToken.ttl("90s")).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void refusesATtlOverTheConfiguredMaximum() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(IssueToken.run(new String[]{"--operator", "alice", "--ttl", "25h"}, print(out), print(err)))
        .isEqualTo(Main.EXIT_BAD_SETTING);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--ttl is at most 24h").contains("admin.jwt.maxTtl");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }
}
