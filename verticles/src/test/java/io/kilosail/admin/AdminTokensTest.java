package io.kilosail.admin;

import io.kilosail.platform.settings.SettingException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Operators' tokens must end, and soon: no exp, or a lifetime over admin.jwt.maxTtl, is refused. */
class AdminTokensTest {

  private static Vertx vertx;
  private static JsonObject keys;
  private static AdminTokens tokens;
  /** Signs whatever claims a test wants with the operators' own private key. */
  private static JWTAuth forger;

  @BeforeAll
  static void keys() throws Exception {
    vertx = Vertx.vertx();
    keys = pem(KeyPairGenerator.getInstance("RSA"));
    tokens = AdminTokens.fromJson(vertx, new JsonObject().put("admin", new JsonObject().put("jwt", keys)));
    forger = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(keys.getString("privateKey"))));
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void anIssuedTokenIsAcceptedUpToTheMaximumLifetime() throws Exception {
    assertThat(tokens.maxTtl()).isEqualTo(Duration.ofHours(24));
    assertThat(await(tokens.verify(tokens.issue("alice", Duration.ofHours(24)))).name()).isEqualTo("alice");
    assertThatThrownBy(() -> tokens.issue("alice", Duration.ofHours(25)))
        .hasMessageContaining("at most 24h").hasMessageContaining("admin.jwt.maxTtl");
  }

  @Test
  void aTokenWithoutExpiryIsRefused() {
    String token = forger.generateToken(new JsonObject().put("sub", "mallory"), options());
    assertThat(failure(tokens.verify(token))).contains("no expiry (exp)");
  }

  @Test
  void aTokenLivingLongerThanTheMaximumIsRefused() {
    String longLived = forger.generateToken(new JsonObject().put("sub", "mallory"),
        options().setExpiresInSeconds((int) Duration.ofDays(30).toSeconds()));
    assertThat(failure(tokens.verify(longLived))).contains("more than 24h");
    long now = Instant.now().getEpochSecond();
    // Issued long ago with a far expiry, so that little of it is left: still refused, by exp - iat.
    String backdated = forger.generateToken(new JsonObject().put("sub", "mallory")
        .put("iat", now - Duration.ofDays(10).toSeconds()).put("exp", now + 60), options().setNoTimestamp(true));
    assertThat(failure(tokens.verify(backdated))).contains("lives longer than 24h");
  }

  @Test
  void theMaximumIsASettingAndABadValueNamesIt() throws Exception {
    AdminTokens shortLived = AdminTokens.fromJson(vertx, new JsonObject().put("admin", new JsonObject()
        .put("jwt", keys.copy().put("maxTtl", "1h"))));
    assertThat(failure(shortLived.verify(tokens.issue("alice", Duration.ofHours(2))))).contains("more than 1h");
    assertThat(await(shortLived.verify(shortLived.issue("alice", Duration.ofMinutes(30)))).name()).isEqualTo("alice");
    assertThatThrownBy(() -> AdminTokens.fromJson(vertx, new JsonObject().put("admin", new JsonObject()
        .put("jwt", keys.copy().put("maxTtl", "forever")))))
        .isInstanceOf(SettingException.class).hasMessageContaining("admin.jwt.maxTtl");
  }

  @Test
  void unsignedAndGarbageTokensAreRefused() {
    String none = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(new JsonObject().put("sub", "mallory")
        .put("iss", AdminTokens.ISSUER).put("aud", AdminTokens.AUDIENCE)
        .put("exp", Instant.now().getEpochSecond() + 60).encode()) + ".";
    assertThat(failure(tokens.verify(none))).isNotEmpty();
    assertThat(failure(tokens.verify("not.a.token"))).isNotEmpty();
    assertThat(failure(tokens.verify(""))).isNotEmpty();
  }

  private static JWTOptions options() {
    return new JWTOptions().setAlgorithm("RS256").setIssuer(AdminTokens.ISSUER)
        .setAudience(List.of(AdminTokens.AUDIENCE));
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static String failure(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return String.valueOf(cause.getMessage());
    }
    throw new AssertionError("the token was accepted");
  }

  private static JsonObject pem(KeyPairGenerator generator) {
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    Base64.Encoder pem = Base64.getMimeEncoder(64, new byte[] {'\n'});
    return new JsonObject()
        .put("publicKey", "-----BEGIN PUBLIC KEY-----\n" + pem.encodeToString(pair.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n")
        .put("privateKey", "-----BEGIN PRIVATE KEY-----\n" + pem.encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
  }
}
