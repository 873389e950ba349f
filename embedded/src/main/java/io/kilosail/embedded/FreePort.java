package io.kilosail.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Picks a free loopback port. MariaDB and Kafka cannot be told "port 0" usefully (MariaDB falls back to 3306, Kafka
 * would advertise 0), so tests ask the kernel for a free port and hand it over.
 */
public final class FreePort {

  private FreePort() {
  }

  public static int pick() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  /** {@code port}, or a free one when it is 0. */
  public static int orPick(int port) {
    return port == 0 ? pick() : port;
  }
}
