package io.kilosail.admin;

import io.kilosail.platform.settings.SettingException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.time.Duration;
import java.util.List;

/**
 * Operators' tokens for the admin dashboard: RS256 JWTs from the {@code admin.jwt} section ({@code publicKey} and
 * {@code privateKey} as PEM). Every node that serves the bridge needs the public key only; the private key is needed
 * where tokens are issued (the launcher's {@code issue-token} command, tests). A token says who the operator is
 * ({@code sub}) and is accepted only with this issuer and audience and before it expires.
 */
public final class AdminTokens {

  public static final String ISSUER = "kilosail";
  public static final String AUDIENCE = "kilosail-admin";
  private static final String SECTION = "admin.jwt (KILOSAIL_ADMIN_JWT_PUBLIC_KEY, KILOSAIL_ADMIN_JWT_PRIVATE_KEY)";

  /** A token that passed every check: who sent the command. */
  public record Operator(String name) {
  }

  private final JWTAuth auth;
  private final boolean canIssue;

  private AdminTokens(JWTAuth auth, boolean canIssue) {
    this.auth = auth;
    this.canIssue = canIssue;
  }

  /** @param config a verticle config (or the settings' sections) holding {@code admin.jwt} */
  public static AdminTokens fromJson(Vertx vertx, JsonObject config) {
    JsonObject jwt = config.getJsonObject("admin", new JsonObject()).getJsonObject("jwt", new JsonObject());
    String publicKey = jwt.getString("publicKey");
    String privateKey = jwt.getString("privateKey");
    if (publicKey == null || publicKey.isBlank()) {
      throw new SettingException(SECTION, "admin.jwt.publicKey is required (PEM, RSA public key)");
    }
    JWTAuthOptions options = new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(publicKey))
        .setJWTOptions(new JWTOptions().setIssuer(ISSUER).setAudience(List.of(AUDIENCE)));
    boolean canIssue = privateKey != null && !privateKey.isBlank();
    if (canIssue) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(privateKey));
    }
    try {
      return new AdminTokens(JWTAuth.create(vertx, options), canIssue);
    } catch (RuntimeException e) {
      throw new SettingException(SECTION, "the keys are not RSA PEM keys: " + e.getMessage());
    }
  }

  /** Signs a token for {@code operator}, valid for {@code ttl}. */
  public String issue(String operator, Duration ttl) {
    if (!canIssue) {
      throw new SettingException(SECTION, "admin.jwt.privateKey is needed to issue tokens");
    }
    if (operator == null || operator.isBlank()) {
      throw new IllegalArgumentException("the operator's name is required");
    }
    return auth.generateToken(new JsonObject().put("sub", operator),
        new JWTOptions().setAlgorithm("RS256").setIssuer(ISSUER).setAudience(List.of(AUDIENCE))
            .setExpiresInSeconds((int) Math.min(Integer.MAX_VALUE, ttl.toSeconds())));
  }

  /**
   * The operator of a valid token; fails with why not (bad signature, expired, wrong issuer or audience, no
   * subject).
   */
  public Future<Operator> verify(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture("no token");
    }
    return auth.authenticate(new TokenCredentials(token)).compose(user -> {
      String subject = user.principal().getString("sub");
      return subject == null || subject.isBlank() ? Future.failedFuture("token has no subject (sub)")
          : Future.succeededFuture(new Operator(subject));
    });
  }
}
