-- Status push-back kept on the order it reports (issue 14). The order row already holds what the platform must hear
-- (state, version, courier, platform ids); the push-back bookkeeping now sits next to it and is written by the same
-- statement that moves the order (OrderRepository), so a state change costs no extra statement. The pusher's own
-- writes (acknowledgements, batched; failures; leases) go through io.kilosail.intake.OrderPushback.
-- Instants are UTC DATETIME(3) written by the application (see V2).
ALTER TABLE delivery_order
  -- The instant of the state in `state` as the order's timeline shows it (CREATED: when it was received).
  ADD COLUMN state_at           DATETIME(3)  NULL,
  -- The highest order version the platform answered 2xx for; -1: none yet.
  ADD COLUMN push_acked_version INT          NOT NULL DEFAULT -1,
  -- Failed pushes since the last acknowledgement (drives the backoff).
  ADD COLUMN push_attempts      INT          NOT NULL DEFAULT 0,
  -- When to push next; NULL when nothing is to be sent (version <= push_acked_version).
  ADD COLUMN push_due_at        DATETIME(3)  NULL,
  -- Since when the platform has been behind (the oldest unacknowledged change), NULL when it is not.
  ADD COLUMN push_pending_since DATETIME(3)  NULL,
  -- A pusher holds the row's push until push_lease_until; push_lease_token names that holder (a mark's nudge, a claim).
  ADD COLUMN push_lease_until   DATETIME(3)  NOT NULL DEFAULT '1970-01-01 00:00:00.000',
  ADD COLUMN push_lease_token   CHAR(36)     NULL,
  -- States replaced before the platform acknowledged them (skipped); moved to kilosail_pushback_superseded_total by
  -- the pusher that next writes the row's outcome.
  ADD COLUMN push_superseded    INT          NOT NULL DEFAULT 0,
  ADD COLUMN push_last_error    VARCHAR(500) NULL,
  -- The claim loop's "due" read and the backlog gauge: only rows with something to send have a push_due_at.
  ADD KEY idx_delivery_order_push_due (push_due_at);

-- What order_pushback knew moves onto its order: a state it had not sent yet stays due.
UPDATE delivery_order o JOIN order_pushback p ON p.order_id = o.id
SET o.state_at = IF(p.version = o.version, p.occurred_at, o.updated_at),
    o.push_acked_version = p.acked_version,
    o.push_attempts = p.attempts,
    o.push_due_at = IF(o.version > p.acked_version, COALESCE(p.next_attempt_at, p.updated_at), NULL),
    o.push_pending_since = IF(o.version > p.acked_version, COALESCE(p.pending_since, p.updated_at), NULL),
    o.push_superseded = p.superseded,
    o.push_last_error = p.last_error;

UPDATE delivery_order SET state_at = IF(state = 'CREATED', received_at, updated_at) WHERE state_at IS NULL;

DROP TABLE order_pushback;
