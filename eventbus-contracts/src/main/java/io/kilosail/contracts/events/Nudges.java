package io.kilosail.contracts.events;

/**
 * Event-bus addresses of the after-commit nudges: a transaction that committed durable work for someone tells them at
 * once, point to point ({@code send}: one receiver in the cluster). A nudge may be lost (a node dies between the commit
 * and the send); the committed row is the truth and each receiver's scan finds what a lost nudge left.
 */
public final class Nudges {

  /** Outbox rows were committed: {@code {"shards": [...]}} for one relay. */
  public static final String OUTBOX = "kilosail.outbox.nudge";
  /** A fact was kept for a saga: {@code {"sagaType", "businessKey"}} for one coordinator. */
  public static final String SAGA_FACT_KEPT = "kilosail.saga.kept-signal";
  /** A saga was written with its business object: {@code {"sagaId"}} for one coordinator to claim and run. */
  public static final String SAGA_STARTED = "kilosail.saga.started";
  /**
   * A saga was written already owned by this node's coordinator (same body as {@link #SAGA_STARTED}); node-local, so
   * the coordinator that owns it runs it without a claim.
   */
  public static final String SAGA_STARTED_HERE = "kilosail.saga.started-here";
  /** An order moved and its food platform must hear it: {@code {"orderId", "token"}} for one pusher. */
  public static final String PUSHBACK = "kilosail.pushback.nudge";

  private Nudges() {
  }
}
