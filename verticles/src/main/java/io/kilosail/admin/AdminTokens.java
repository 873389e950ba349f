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

import io.kilosail.access.Role;
import io.vertx.core.json.JsonArray;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Operators' tokens for the admin dashboard: RS256 JWTs from the {@code admin.jwt} section ({@code publicKey} and
 * {@code privateKey} as PEM). Every node that serves the bridge needs the public key only; the private key is needed
 * where tokens are issued (the launcher's {@code issue-token} command, tests). A token says who the operator is
 * ({@code sub}) and is accepted only with this issuer and audience and before it expires.
 *
 * <p>A token cannot be revoked, so it must end, and soon: one without {@code exp}, or living longer than
 * {@code admin.jwt.maxTtl} (default 24h; from {@code iat} to {@code exp}, and from now to {@code exp}), is refused,
 * and no token longer than that is issued.
 *
 * <p>A token also says what its holder may do: claim {@code roles}, a list of {@link Role} ids. A token issued before
 * roles existed has no such claim; it is still a valid token (its operator is known, its requests are logged and
 * audited) but it carries no role, so every action is refused with 403 until the operator gets a new one.
 */
public final class AdminTokens {

  public static final String ISSUER = "kilosail";
  public static final String AUDIENCE = "kilosail-admin";
  private static final String SECTION = "admin.jwt (KILOSAIL_ADMIN_JWT_PUBLIC_KEY, KILOSAIL_ADMIN_JWT_PRIVATE_KEY)";
  public static final String MAX_TTL_SETTING = "admin.jwt.maxTtl";
  public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(24);
  /** Clock skew between the issuing machine and this node that a token's lifetime check forgives. */
  private static final long SKEW_SECONDS = 60;

  /** The claim listing a token's roles. */
  public static final String ROLES_CLAIM = "roles";

  /** A token that passed every check: who sent the command and what they may do. */
  public record Operator(String name, Set<Role> roles) {
    public Operator {
      roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
    }

    public boolean may(Role role) {
      return roles.contains(role);
    }
  }

  private final JWTAuth auth;
  private final boolean canIssue;
  private final Duration maxTtl;
  private final Clock clock;

  private AdminTokens(JWTAuth auth, boolean canIssue, Duration maxTtl, Clock clock) {
    this.auth = auth;
    this.canIssue = canIssue;
    this.maxTtl = maxTtl;
    this.clock = clock;
  }

  /** The longest lifetime a token may have here ({@code admin.jwt.maxTtl}). */
  public Duration maxTtl() {
    return maxTtl;
  }

  /**
   * A lifetime as operators write it: {@code 90s}, {@code 30m}, {@code 8h}, {@code 2d}.
   *
   * @throws IllegalArgumentException when {@code text} is not one
   */
  public static Duration parseTtl(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    if (!t.matches("[1-9][0-9]{0,6}[smhd]")) {
      throw new IllegalArgumentException("a lifetime looks like 90s, 30m, 8h or 2d, got '" + text + "'");
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    return switch (t.charAt(t.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** Human form of a lifetime for messages, in whole hours when it is ({@code 24h}, {@code 30m}, {@code 90s}). */
  public static String describe(Duration ttl) {
    long s = ttl.toSeconds();
    return s % 3_600 == 0 ? s / 3_600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
  }

  /** @param config a verticle config (or the settings' sections) holding {@code admin.jwt} */
  public static AdminTokens fromJson(Vertx vertx, JsonObject config) {
    return fromJson(vertx, config, Clock.systemUTC());
  }

  public static AdminTokens fromJson(Vertx vertx, JsonObject config, Clock clock) {
    JsonObject jwt = config.getJsonObject("admin", new JsonObject()).getJsonObject("jwt", new JsonObject());
    Duration maxTtl;
    try {
      maxTtl = jwt.getValue("maxTtl") == null ? DEFAULT_MAX_TTL : parseTtl(String.valueOf(jwt.getValue("maxTtl")));
    } catch (IllegalArgumentException e) {
      throw new SettingException(MAX_TTL_SETTING, e.getMessage());
    }
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
      return new AdminTokens(JWTAuth.create(vertx, options), canIssue, maxTtl, clock);
    } catch (RuntimeException e) {
      throw new SettingException(SECTION, "the keys are not RSA PEM keys: " + e.getMessage());
    }
  }

  /** Signs a token for {@code operator} with {@code roles}, valid for {@code ttl}; without roles it may do nothing. */
  public String issue(String operator, Duration ttl, Role... roles) {
    if (!canIssue) {
      throw new SettingException(SECTION, "admin.jwt.privateKey is needed to issue tokens");
    }
    if (operator == null || operator.isBlank()) {
      throw new IllegalArgumentException("the operator's name is required");
    }
    if (ttl.isZero() || ttl.isNegative() || ttl.compareTo(maxTtl) > 0) {
      throw new IllegalArgumentException("a token lives at most " + describe(maxTtl) + " (" + MAX_TTL_SETTING
          + "), since it cannot be revoked; asked for " + describe(ttl));
    }
    JsonArray roleIds = new JsonArray(Arrays.stream(roles).distinct().map(Role::id).toList());
    return auth.generateToken(new JsonObject().put("sub", operator).put(ROLES_CLAIM, roleIds),
        new JWTOptions().setAlgorithm("RS256").setIssuer(ISSUER).setAudience(List.of(AUDIENCE))
            .setExpiresInSeconds((int) Math.min(Integer.MAX_VALUE, ttl.toSeconds())));
  }

  /**
   * The operator of a valid token; fails with why not (bad signature, expired, wrong issuer or audience, no
   * subject, no expiry, a lifetime over {@code admin.jwt.maxTtl}).
   */
  public Future<Operator> verify(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture("no token");
    }
    return auth.authenticate(new TokenCredentials(token)).compose(user -> {
      // The library keeps exp and iat in the user's attributes (the decoded token), not in its principal.
      String lifetimeProblem = lifetimeProblem(user.get("exp"), user.get("iat"));
      if (lifetimeProblem != null) {
        return Future.failedFuture(lifetimeProblem);
      }
      String subject = user.principal().getValue("sub") instanceof String sub ? sub : null;
      // Whatever is not a list of strings is no role: a token from before roles existed has none.
      Set<Role> roles = user.principal().getValue(ROLES_CLAIM) instanceof JsonArray ids ? Role.known(ids.getList())
          : Set.of();
      return subject == null || subject.isBlank() ? Future.failedFuture("token has no subject (sub)")
          : Future.succeededFuture(new Operator(subject, roles));
    });
  }

  /** Why the token's lifetime is not acceptable, or null. The library has already refused an expired one. */
  private String lifetimeProblem(Object expClaim, Object iatClaim) {
    if (!(expClaim instanceof Number exp)) {
      return "token has no expiry (exp); issue one with issue-token --ttl";
    }
    long max = maxTtl.toSeconds();
    long leftSeconds = exp.longValue() - clock.instant().getEpochSecond();
    if (leftSeconds > max + SKEW_SECONDS) {
      return "token expires in more than " + describe(maxTtl) + " (" + MAX_TTL_SETTING + ")";
    }
    if (iatClaim instanceof Number iat && exp.longValue() - iat.longValue() > max) {
      return "token lives longer than " + describe(maxTtl) + " (" + MAX_TTL_SETTING + ")";
    }
    return null;
  }
}
