-- Dispatch (issue 5): which courier platforms an order is offered to, in what order, and who holds it.
-- Instants are UTC DATETIME(3) written by the application (see V2); money is integer fen.

-- One row per dispatched order. round counts placements made one after the other (SEQUENTIAL, CHEAPEST, FASTEST);
-- an acceptance timeout names the round it was armed for, so a late timer for an earlier candidate does nothing.
CREATE TABLE courier_dispatch (
  order_id              CHAR(36)     NOT NULL PRIMARY KEY,
  saga_id               CHAR(36)     NOT NULL,
  strategy              VARCHAR(16)  NOT NULL,
  -- ACTIVE (looking for a courier), ASSIGNED (one holds it), EXHAUSTED (nobody took it), WITHDRAWN (called off).
  state                 VARCHAR(16)  NOT NULL,
  round                 INT          NOT NULL,
  acceptance_timeout_ms BIGINT       NOT NULL,
  -- The delivery as the courier platforms get it (DeliveryRequest JSON), so a later candidate can be placed.
  delivery              TEXT         NOT NULL,
  created_at            DATETIME(3)  NOT NULL,
  updated_at            DATETIME(3)  NOT NULL,
  version               INT          NOT NULL DEFAULT 0
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The candidates of a dispatch, one per courier platform, in the strategy's order (position). The courier webhook
-- reads the row of the calling platform under the order's lock: only a PLACED candidate may become the holder, so a
-- candidate we already withdrew can never take the order with a late acceptance.
CREATE TABLE courier_placement (
  order_id          CHAR(36)     NOT NULL,
  platform          VARCHAR(16)  NOT NULL,
  position          INT          NOT NULL,
  -- PENDING (not asked yet), PLACING (request sent), PLACED (the platform has it), HOLDER (its courier accepted),
  -- WITHDRAWN (we called it off), FAILED (placing failed or the platform found no courier).
  state             VARCHAR(16)  NOT NULL,
  price_fen         BIGINT       NOT NULL,
  eta_seconds       INT          NULL,
  quote_token       VARCHAR(128) NULL,
  platform_order_id VARCHAR(64)  NULL,
  last_error        VARCHAR(500) NULL,
  updated_at        DATETIME(3)  NOT NULL,
  PRIMARY KEY (order_id, platform)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Every state an order went through, for GET /v1/orders/{id} and the support desk: who moved it and why.
CREATE TABLE delivery_order_timeline (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id    CHAR(36)     NOT NULL,
  state       VARCHAR(24)  NOT NULL,
  occurred_at DATETIME(3)  NOT NULL,
  source      VARCHAR(32)  NOT NULL,
  detail      VARCHAR(255) NULL,
  KEY idx_order_timeline (order_id, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Facts that reached a saga before it waited for them (a courier can accept before the saga has parked on the
-- acceptance). The first copy per (saga, event type) is kept; the saga takes it when it starts waiting for it.
CREATE TABLE saga_pending_signal (
  saga_type    VARCHAR(64)  NOT NULL,
  business_key VARCHAR(191) NOT NULL,
  event_type   VARCHAR(128) NOT NULL,
  payload      TEXT         NOT NULL,
  received_at  DATETIME(3)  NOT NULL,
  PRIMARY KEY (saga_type, business_key, event_type)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
