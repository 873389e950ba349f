-- Courier platform callbacks (webhooks), every one that passed its signature check, kept for audit and dedup.
-- The unique (platform, dedup_key) makes a platform's retry or duplicate a no-op: the webhook inserts first and
-- treats "no row inserted" as "already handled". dedup_key is the wire's CourierCallback.dedupKey()
-- (platform order, raw status, occurred-at millis). Instants are UTC DATETIME(3) written by the application.
CREATE TABLE courier_callback (
  id                 BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  platform           VARCHAR(16)   NOT NULL,
  dedup_key          VARCHAR(191)  NOT NULL,
  -- Our order id as the platform echoed it; may name no delivery_order row (outcome UNKNOWN_ORDER).
  order_id           VARCHAR(64)   NOT NULL,
  platform_order_id  VARCHAR(64)   NOT NULL,
  raw_status         VARCHAR(16)   NOT NULL,
  state              VARCHAR(24)   NOT NULL,
  courier_name       VARCHAR(64)   NULL,
  courier_phone      VARCHAR(32)   NULL,
  penalty_fen        BIGINT        NULL,
  occurred_at        DATETIME(3)   NOT NULL,
  received_at        DATETIME(3)   NOT NULL,
  -- What the callback did to the order: APPLIED, STALE, GAVE_UP, NOT_HOLDER, UNKNOWN_ORDER (CourierCallbackRules).
  outcome            VARCHAR(16)   NOT NULL,
  -- The body as received (signatures cover these bytes), so a disputed callback can be re-verified later.
  body               MEDIUMTEXT    NOT NULL,
  UNIQUE KEY uq_courier_callback_dedup (platform, dedup_key),
  KEY idx_courier_callback_order (order_id, received_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The courier currently carrying the order, as its platform last told us (name and phone, for support and the
-- food platform's status updates). courier_state_at is the platform's instant of the state now in `state`.
ALTER TABLE delivery_order
  ADD COLUMN courier_name     VARCHAR(64)  NULL,
  ADD COLUMN courier_phone    VARCHAR(32)  NULL,
  ADD COLUMN courier_state_at DATETIME(3)  NULL;
