package io.kilosail.infra;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

/**
 * Whether this node is draining: it received SIGTERM and stops taking new work while the work in flight finishes
 * (see {@code KilosailNode.stop}). Kept in the Vert.x instance's local shared data, so every verticle of the node sees
 * the same flag and nothing outside the node does.
 */
public final class NodeLifecycle {

  private static final String MAP = "kilosail.node-lifecycle";
  private static final String DRAINING = "draining";
  /** What a draining node tells a caller to wait before trying again (another node, or this one restarted). */
  public static final int RETRY_AFTER_SECONDS = 2;

  private NodeLifecycle() {
  }

  public static void startDraining(Vertx vertx) {
    state(vertx).put(DRAINING, Boolean.TRUE);
  }

  public static boolean draining(Vertx vertx) {
    return Boolean.TRUE.equals(state(vertx).get(DRAINING));
  }

  private static LocalMap<String, Boolean> state(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }
}
