package io.kilosail.contracts;

import io.vertx.serviceproxy.ServiceException;

/**
 * The failure a service answers while its node is stopping: nothing was done, and the same call elsewhere (or here
 * after the restart) will be. Callers retry it like an unanswered call; it never counts against the work itself.
 */
public final class NodeStopping {

  /** Distinct from every service's own codes, so no business refusal is ever mistaken for it. */
  public static final int FAILURE_CODE = 5599;

  private NodeStopping() {
  }

  public static ServiceException failure(String service) {
    return new ServiceException(FAILURE_CODE, service + " is stopping on this node; try again");
  }

  public static boolean is(Throwable failure) {
    return failure instanceof ServiceException e && e.failureCode() == FAILURE_CODE;
  }
}
