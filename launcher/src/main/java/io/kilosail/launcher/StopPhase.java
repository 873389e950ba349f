package io.kilosail.launcher;

/**
 * The order in which a stopping node undeploys its verticles: each phase finishes (or hands back) its work in flight
 * while every phase after it still serves it. A phase's verticles stop together; the phases one after the other.
 */
enum StopPhase {
  /** Kafka consumers and publishers that start work elsewhere (delivery starter, push-back, dashboard, watchers). */
  CONSUMERS,
  /** The saga coordinator: its steps in flight still call the participants below. */
  SAGAS,
  /**
   * Quote, dispatch, stock, payment, and the webhook server (a courier callback moves the order's dispatch): the
   * placements they have in flight still need the gateway.
   */
  PARTICIPANTS,
  /** The courier gateway: waits for the answers of its HTTP calls in flight before closing its client. */
  GATEWAY,
  /** Outbox relay, durable timers, retention: what the phases above committed is published by any node's relay. */
  RELAY,
  /** The ingress HTTP server (already refusing new work while draining). */
  EDGE,
  /** The simulated third parties of a dev node: the couriers and food platforms outlive kilosail's side. */
  THIRD_PARTIES
}
