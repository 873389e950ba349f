package io.kilosail.launcher;

import io.kilosail.access.Callers;
import io.kilosail.access.Role;
import io.kilosail.admin.AdminTokens;
import io.kilosail.intake.PlatformSignature;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;

/**
 * Credentials of the dev configuration (conf/default.json) for tests that read orders and money: a food platform's
 * signed read, an operator's token with chosen roles.
 */
public final class TestCredentials {

  private static Vertx vertx;
  private static AdminTokens tokens;

  private TestCredentials() {
  }

  /** conf/default.json's dev secret of {@code platform}. */
  public static String platformSecret(String platform) {
    return "dev-only-" + platform + "-secret-change-me";
  }

  /** {@code request} to {@code uri}, signed as {@code platform} reading it (docs/security.md). */
  public static HttpRequest.Builder signedRead(URI uri, String platform) {
    String ts = String.valueOf(Instant.now().getEpochSecond());
    String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    return HttpRequest.newBuilder(uri)
        .header(Callers.PLATFORM_HEADER, platform)
        .header(Callers.TIMESTAMP_HEADER, ts)
        .header(Callers.SIGNATURE_HEADER, PlatformSignature.sign(platformSecret(platform), ts,
            Callers.signedRead("GET", target)));
  }

  /** A token of the dev keys for {@code operator} with {@code roles}, valid for an hour. */
  public static synchronized String operatorToken(String operator, Role... roles) {
    if (tokens == null) {
      // One small Vert.x for the JWT library, kept for the test JVM's life: a test's own may already be closed.
      vertx = Vertx.vertx();
      tokens = AdminTokens.fromJson(vertx, new JsonObject(vertx.fileSystem().readFileBlocking("conf/default.json")));
    }
    return tokens.issue(operator, Duration.ofHours(1), roles);
  }
}
