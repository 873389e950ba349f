package io.kilosail.launcher;

import io.kilosail.admin.AdminTokens;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar kilosail-dev.jar issue-token --operator alice [--ttl 8h] [--conf file]}: prints an admin dashboard
 * token signed with {@code admin.jwt.privateKey} (from conf/default.json, the --conf file or
 * KILOSAIL_ADMIN_JWT_PRIVATE_KEY), for the operator to paste into the dashboard's token field.
 */
final class IssueToken {

  static final String COMMAND = "issue-token";
  private static final Duration DEFAULT_TTL = Duration.ofHours(8);
  private static final Duration MAX_TTL = Duration.ofDays(7);

  private IssueToken() {
  }

  /** Answers the process's exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    String operator = null;
    String conf = null;
    Duration ttl = DEFAULT_TTL;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--operator" -> operator = value(args, ++i, "--operator");
          case "--ttl" -> ttl = ttl(value(args, ++i, "--ttl"));
          case "--conf", "-conf" -> conf = value(args, ++i, "--conf");
          default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
        }
      }
      if (operator == null || operator.isBlank()) {
        throw new IllegalArgumentException("--operator <name> is required");
      }
    } catch (IllegalArgumentException e) {
      err.println("kilosail issue-token: " + e.getMessage());
      err.println("usage: java -jar kilosail-dev.jar issue-token --operator <name> [--ttl 8h] [--conf <file>]");
      return Main.EXIT_BAD_SETTING;
    }
    Vertx vertx = Vertx.vertx();
    try {
      // The command line's own main thread, not an event loop: waiting here for the settings blocks nothing.
      KilosailSettings settings = SettingsLoader.load(vertx, conf, new JsonObject())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      out.println(AdminTokens.fromJson(vertx, settings.verticleSections()).issue(operator.trim(), ttl));
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

  /** {@code 90s}, {@code 30m}, {@code 8h}, {@code 2d}; at most 7 days, since a token cannot be taken back. */
  static Duration ttl(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (!t.matches("[1-9][0-9]{0,6}[smhd]")) {
      throw new IllegalArgumentException("--ttl must look like 90s, 30m, 8h or 2d, got '" + text + "'");
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    Duration ttl = switch (t.charAt(t.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
    if (ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("--ttl is at most 7d (a token cannot be revoked), got '" + text + "'");
    }
    return ttl;
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }
}
