package io.kilosail.contracts.events;

/**
 * Every Kafka topic kilosail writes, with who consumes it: a topic without a consumer is not written. Facts that have
 * their consumer in the transaction that records them (an order's moves, a saga's facts, the push-back) go through no
 * topic at all.
 */
public final class Topics {

  /** Dispatch's durable timers (acceptance timeouts, placement checks), consumed by dispatch (group {@code dispatch}). */
  public static final String DISPATCH_TIMERS = "kilosail.dispatch-timers";
  private Topics() {
  }
}
