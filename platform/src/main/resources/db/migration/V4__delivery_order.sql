-- Delivery orders pushed by upstream food platforms (seed 004). One row per (platform, platform order): the unique key
-- is what makes a repeated or concurrent push resolve to the first kilosail order id. Money is integer fen; instants
-- are UTC written by the application (DATETIME(3), never converted by the session time zone, see V2).
CREATE TABLE delivery_order (
  id                   CHAR(36)      NOT NULL PRIMARY KEY,
  platform             VARCHAR(32)   NOT NULL,
  platform_order_id    VARCHAR(64)   NOT NULL,
  state                VARCHAR(24)   NOT NULL,
  city                 VARCHAR(32)   NOT NULL,
  shop_id              VARCHAR(64)   NOT NULL,
  shop_name            VARCHAR(128)  NOT NULL,
  pickup_name          VARCHAR(64)   NOT NULL,
  pickup_phone         VARCHAR(32)   NOT NULL,
  pickup_address       VARCHAR(255)  NOT NULL,
  pickup_lat           DECIMAL(9,6)  NOT NULL,
  pickup_lng           DECIMAL(9,6)  NOT NULL,
  dropoff_name         VARCHAR(64)   NOT NULL,
  dropoff_phone        VARCHAR(32)   NOT NULL,
  dropoff_address      VARCHAR(255)  NOT NULL,
  dropoff_lat          DECIMAL(9,6)  NOT NULL,
  dropoff_lng          DECIMAL(9,6)  NOT NULL,
  weight_grams         INT           NOT NULL,
  -- Receivable: what the food platform pays us for this delivery.
  delivery_fee_fen     BIGINT        NOT NULL,
  goods_value_fen      BIGINT        NULL,
  remark               VARCHAR(500)  NULL,
  -- Filled by dispatch: the courier platform holding the order, its order id there, and what we pay it.
  courier_platform     VARCHAR(32)   NULL,
  courier_order_id     VARCHAR(64)   NULL,
  courier_fee_fen      BIGINT        NULL,
  placed_at            DATETIME(3)   NOT NULL,
  expected_delivery_at DATETIME(3)   NOT NULL,
  received_at          DATETIME(3)   NOT NULL,
  updated_at           DATETIME(3)   NOT NULL,
  -- Optimistic concurrency for the state transitions that later work adds.
  version              INT           NOT NULL DEFAULT 0,
  UNIQUE KEY uq_delivery_order_platform (platform, platform_order_id),
  KEY idx_delivery_order_state (state, received_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
