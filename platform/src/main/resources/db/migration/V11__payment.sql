-- Payments of checkout orders at a payment channel (Stripe Checkout first), and the channel's webhook events.
-- Money is integer minor units; instants are UTC written by the application (see V2).

-- One payment per order. The state only moves forward (io.kilosail.payment.PaymentState): CREATING is written before
-- the provider is called, so a compensation that overtakes the call finds the row and turns it CANCELLED, and the late
-- call then closes what it opened instead of offering it.
CREATE TABLE payment (
  order_id        CHAR(36)       NOT NULL PRIMARY KEY,
  channel         VARCHAR(32)    NOT NULL,
  -- The channel's id of the payment (a Stripe Checkout Session, cs_...) and of the money movement (pi_...).
  payment_id      VARCHAR(255)   NULL,
  payment_intent  VARCHAR(255)   NULL,
  url             VARCHAR(2048)  NULL,
  state           VARCHAR(16)    NOT NULL,
  currency        CHAR(3)        NOT NULL,
  amount_minor    BIGINT         NOT NULL,
  expires_at      DATETIME(3)    NOT NULL,
  refund_id       VARCHAR(255)   NULL,
  -- What the last move said (the provider's failure reason, who cancelled).
  reason          VARCHAR(500)   NULL,
  created_at      DATETIME(3)    NOT NULL,
  updated_at      DATETIME(3)    NOT NULL,
  version         INT            NOT NULL DEFAULT 0,
  UNIQUE KEY uq_payment_channel_id (channel, payment_id),
  KEY idx_payment_intent (channel, payment_intent),
  CONSTRAINT chk_payment_amount CHECK (amount_minor >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Every verified webhook event, once: the primary key turns a redelivery into a no-op, and the row commits with the
-- payment's move and its saga signal, so the provider is answered 2xx only for an event that is durably applied.
CREATE TABLE payment_event (
  channel      VARCHAR(32)    NOT NULL,
  event_id     VARCHAR(255)   NOT NULL,
  type         VARCHAR(100)   NOT NULL,
  payment_id   VARCHAR(255)   NULL,
  order_id     CHAR(36)       NULL,
  -- The provider's creation instant of the event, and when it reached us.
  created_at   DATETIME(3)    NOT NULL,
  received_at  DATETIME(3)    NOT NULL,
  -- MOVED, STALE (older than the payment's state), UNKNOWN_PAYMENT, IGNORED (a type we do not act on).
  outcome      VARCHAR(24)    NOT NULL,
  body         MEDIUMTEXT     NOT NULL,
  PRIMARY KEY (channel, event_id),
  KEY idx_payment_event_order (order_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
