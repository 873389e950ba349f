package io.kilosail.launcher;

import io.kilosail.platform.settings.SettingException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code java -jar kilosail-dev.jar [--conf file] [--roles r1,r2] [--cluster] [--help]}: loads the settings, starts
 * the infrastructure and the node, and stops everything cleanly on SIGTERM or Ctrl-C. A bad setting ends start-up
 * with one line that names it, and exit code 2.
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);
  static final int EXIT_BAD_SETTING = 2;
  static final int EXIT_FAILED = 1;

  private Main() {
  }

  /** What the command line asked for. */
  record Arguments(boolean help, String confFile, JsonObject overrides) {
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals(IssueToken.COMMAND)) {
      System.exit(IssueToken.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
      return;
    }
    Arguments arguments;
    try {
      arguments = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("kilosail: " + e.getMessage());
      usage(System.err);
      System.exit(EXIT_BAD_SETTING);
      return;
    }
    if (arguments.help()) {
      usage(System.out);
      return;
    }
    AtomicReference<KilosailNode> running = new AtomicReference<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopOnExit(running.get()), "kilosail-shutdown"));
    // A short-lived Vert.x for reading the configuration and running the blocking start-up steps on a worker; the
    // node gets its own instance, clustered or not, once the settings are known.
    Vertx bootstrap = Vertx.vertx();
    SettingsLoader.load(bootstrap, arguments.confFile(), arguments.overrides())
        .compose(settings -> KilosailNode.start(bootstrap, settings))
        .onComplete(result -> {
          bootstrap.close();
          if (result.succeeded()) {
            KilosailNode node = result.result();
            running.set(node);
            String url = node.httpPort() < 0 ? "no HTTP (no ingress role)"
                : "http://" + node.settings().httpHost() + ":" + node.httpPort();
            System.out.println("kilosail is up: " + url + "  (GET /ready, /metrics; Ctrl-C stops)");
          } else if (result.cause() instanceof SettingException) {
            System.err.println("kilosail: " + result.cause().getMessage());
            System.exit(EXIT_BAD_SETTING);
          } else {
            log.error("start-up failed", result.cause());
            System.err.println("kilosail: start-up failed: " + KilosailNode.rootMessage(result.cause()));
            System.exit(EXIT_FAILED);
          }
        });
  }

  private static void stopOnExit(KilosailNode node) {
    if (node == null) {
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    node.stop().onComplete(x -> stopped.countDown());
    try {
      // The JVM exits when this hook returns: wait for the servers to flush and stop, but not forever.
      if (!stopped.await(60, TimeUnit.SECONDS)) {
        System.err.println("kilosail: shutdown did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static Arguments parse(String[] args) {
    boolean help = false;
    String conf = null;
    JsonObject overrides = new JsonObject();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "-h", "--help" -> help = true;
        case "--cluster" -> overrides.put(Setting.CLUSTER_ENABLED.systemProperty(), "true");
        case "--conf", "-conf" -> conf = value(args, ++i, arg);
        case "--roles" -> overrides.put(Setting.NODE_ROLES.systemProperty(), value(args, ++i, arg));
        default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
      }
    }
    return new Arguments(help, conf, overrides);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  static void usage(PrintStream out) {
    out.println("""
        kilosail: event-driven order fulfilment on Vert.x

        usage: java -jar kilosail-dev.jar [options]     (kilosail.jar: same, without embedded servers)
               java -jar kilosail-dev.jar issue-token --operator <name> --role <ops|catalog|finance>... [--ttl 8h] [--conf <file>]
                                          prints an admin dashboard token (docs/dashboard.md)

          --conf <file>     JSON layered over conf/default.json, e.g. conf/external.json or conf/cluster-node-a.json
          --roles <list>    roles of this node, comma-separated (default: all)
          --cluster         join the Hazelcast cluster given by cluster.* settings
          --help            this text

        Every setting can also be given as an environment variable or as -Dkilosail.<setting>=<value>
        (strongest first: command line, system property, environment, --conf file, conf/default.json):
        """);
    for (Setting s : Setting.values()) {
      out.printf("  %-36s %-40s %s%n", s.path(), s.env(), s.description());
    }
  }
}
