package io.kilosail.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks a free loopback port. MariaDB and Kafka cannot be told "port 0" usefully (MariaDB falls back to 3306, Kafka
 * would advertise 0), so tests ask for a free port and hand it over.
 *
 * <p>The port comes from below the kernel's ephemeral range (32768–60999 on Linux), not from "port 0": a port the
 * kernel hands out as ephemeral can be taken again as the source port of any outgoing connection between the pick and
 * the server's bind (a node start opens hundreds), which made whole-node tests fail now and then with "Address already
 * in use". Ports below the range are only ever taken by a bind, and this JVM never hands the same one out twice.
 */
public final class FreePort {

  private static final int LOWEST = 20000;
  private static final int HIGHEST = 32000;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePort() {
  }

  public static int pick() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST);
      if (!HANDED_OUT.contains(port) && bindable(port) && HANDED_OUT.add(port)) {
        return port;
      }
    }
    throw new UncheckedIOException(new IOException("no free loopback port in " + LOWEST + ".." + HIGHEST));
  }

  /** {@code port}, or a free one when it is 0. */
  public static int orPick(int port) {
    return port == 0 ? pick() : port;
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
