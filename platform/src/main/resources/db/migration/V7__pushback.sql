-- Status push-back to the food platforms (issue 6): one row per order, holding the newest state of the order that its
-- upstream platform has to hear about and how far the platform has acknowledged. Rows only move forward: a higher
-- order version replaces a lower one, never the reverse, so a platform never gets an older state after a newer one.
-- Instants are UTC DATETIME(3) written by the application (see V2).
CREATE TABLE order_pushback (
  order_id          CHAR(36)      NOT NULL PRIMARY KEY,
  platform          VARCHAR(32)   NOT NULL,
  platform_order_id VARCHAR(64)   NOT NULL,
  -- The state to send and the order version it belongs to (delivery_order.version when it was read).
  state             VARCHAR(24)   NOT NULL,
  version           INT           NOT NULL,
  occurred_at       DATETIME(3)   NOT NULL,
  -- {"platform","name","phone"} of the courier holding the order, or NULL.
  courier           VARCHAR(500)  NULL,
  -- The highest version the platform answered 2xx for; -1: none yet.
  acked_version     INT           NOT NULL DEFAULT -1,
  -- Failed pushes since the last acknowledgement (drives the backoff).
  attempts          INT           NOT NULL DEFAULT 0,
  -- When to push next; NULL when nothing is to be sent (version <= acked_version).
  next_attempt_at   DATETIME(3)   NULL,
  -- Since when the platform has been behind (the oldest unacknowledged change), NULL when it is not.
  pending_since     DATETIME(3)   NULL,
  -- A pusher that claimed the row holds it until lease_until; lease_token names that claim.
  lease_until       DATETIME(3)   NOT NULL,
  lease_token       CHAR(36)      NULL,
  last_error        VARCHAR(500)  NULL,
  created_at        DATETIME(3)   NOT NULL,
  updated_at        DATETIME(3)   NOT NULL,
  -- Due rows for the pusher (NULLs are never due); acknowledged rows (NULL first) for the clean-up.
  KEY idx_order_pushback_due (next_attempt_at, updated_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
