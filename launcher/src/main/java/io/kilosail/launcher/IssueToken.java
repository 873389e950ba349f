package io.kilosail.launcher;

import io.kilosail.access.Role;
import io.kilosail.admin.AdminTokens;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar kilosail-dev.jar issue-token --operator alice --role ops [--role finance] [--ttl 8h] [--conf file]}:
 * prints an admin dashboard
 * token signed with {@code admin.jwt.privateKey} (from conf/default.json, the --conf file or
 * KILOSAIL_ADMIN_JWT_PRIVATE_KEY), for the operator to paste into the dashboard's token field. The lifetime is at
 * most {@code admin.jwt.maxTtl} (24h by default), which every node also enforces on the tokens it is shown.
 * {@code --role} (ops, catalog, finance; repeated or comma-separated) says what the token may do; at least one is
 * required, since a token without a role may do nothing (docs/security.md).
 */
final class IssueToken {

  static final String COMMAND = "issue-token";
  private static final Duration DEFAULT_TTL = Duration.ofHours(8);

  private IssueToken() {
  }

  /** Answers the process's exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    String operator = null;
    String conf = null;
    Duration ttl = DEFAULT_TTL;
    Set<Role> roles = EnumSet.noneOf(Role.class);
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--operator" -> operator = value(args, ++i, "--operator");
          case "--ttl" -> ttl = ttl(value(args, ++i, "--ttl"));
          case "--role" -> {
            for (String role : value(args, ++i, "--role").split(",")) {
              roles.add(Role.of(role));
            }
          }
          case "--conf", "-conf" -> conf = value(args, ++i, "--conf");
          default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
        }
      }
      if (operator == null || operator.isBlank()) {
        throw new IllegalArgumentException("--operator <name> is required");
      }
      if (roles.isEmpty()) {
        throw new IllegalArgumentException("--role <ops|catalog|finance> is required (repeat it for several)");
      }
    } catch (IllegalArgumentException e) {
      err.println("kilosail issue-token: " + e.getMessage());
      err.println("usage: java -jar kilosail-dev.jar issue-token --operator <name> --role <ops|catalog|finance>..."
          + " [--ttl 8h] [--conf <file>]");
      return Main.EXIT_BAD_SETTING;
    }
    Vertx vertx = Vertx.vertx();
    try {
      // The command line's own main thread, not an event loop: waiting here for the settings blocks nothing.
      KilosailSettings settings = SettingsLoader.load(vertx, conf, new JsonObject())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      AdminTokens tokens = AdminTokens.fromJson(vertx, settings.verticleSections());
      if (ttl.compareTo(tokens.maxTtl()) > 0) {
        err.println("kilosail issue-token: --ttl is at most " + AdminTokens.describe(tokens.maxTtl()) + " ("
            + AdminTokens.MAX_TTL_SETTING + "; a token cannot be revoked), got " + AdminTokens.describe(ttl));
        return Main.EXIT_BAD_SETTING;
      }
      out.println(tokens.issue(operator.trim(), ttl, roles.toArray(Role[]::new)));
      return 0;
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      err.println("kilosail issue-token: " + (cause instanceof SettingException ? cause.getMessage()
          : KilosailNode.rootMessage(cause)));
      return cause instanceof SettingException ? Main.EXIT_BAD_SETTING : Main.EXIT_FAILED;
    } finally {
      vertx.close();
    }
  }

  /**
   * {@code 90s}, {@code 30m}, {@code 8h}, {@code 2d}. The upper bound, {@code admin.jwt.maxTtl}, is checked once the
   * settings are loaded.
   */
  static Duration ttl(String text) {
    try {
      return AdminTokens.parseTtl(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--ttl must look like 90s, 30m, 8h or 2d, got '" + text + "'");
    }
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }
}
