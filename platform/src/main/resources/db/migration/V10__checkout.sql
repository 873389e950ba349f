-- Our own shop (seeds 001, 003): a catalog with stock, checkout orders, and each order's hold on the stock.
-- Money is integer minor units of the SKU's currency; instants are UTC written by the application (see V2).

-- Stock is split three ways: available (may be sold), reserved (held by checkouts until their payment ends), sold.
-- Reservations take stock with a conditional UPDATE (available >= quantity) under the row lock, so two buyers of the
-- last item never both get it; the CHECK is the last line of defence should any future statement forget that guard.
CREATE TABLE sku (
  sku          VARCHAR(64)   NOT NULL PRIMARY KEY,
  name         VARCHAR(200)  NOT NULL,
  price_minor  BIGINT        NOT NULL,
  currency     CHAR(3)       NOT NULL,
  available    INT           NOT NULL,
  reserved     INT           NOT NULL DEFAULT 0,
  sold         INT           NOT NULL DEFAULT 0,
  -- Bumped by every change: GET /v1/stock/{sku} shows it, so a client can tell two readings apart.
  version      BIGINT        NOT NULL DEFAULT 0,
  updated_at   DATETIME(3)   NOT NULL,
  CONSTRAINT chk_sku_stock CHECK (available >= 0 AND reserved >= 0 AND sold >= 0 AND price_minor >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per checkout. The idempotency key is unique: a repeated POST /v1/checkout finds the first order, and the
-- request hash tells a true repeat from a different body under a reused key (409).
CREATE TABLE checkout_order (
  id                   CHAR(36)      NOT NULL PRIMARY KEY,
  idempotency_key      VARCHAR(255)  NOT NULL,
  request_hash         CHAR(64)      NOT NULL,
  state                VARCHAR(24)   NOT NULL,
  customer_name        VARCHAR(64)   NOT NULL,
  customer_email       VARCHAR(254)  NOT NULL,
  customer_phone       VARCHAR(32)   NOT NULL,
  -- The request as accepted: items with their unit prices at checkout, and the delivery address.
  items                TEXT          NOT NULL,
  delivery             TEXT          NOT NULL,
  currency             CHAR(3)       NOT NULL,
  goods_minor          BIGINT        NOT NULL,
  delivery_fee_minor   BIGINT        NOT NULL,
  total_minor          BIGINT        NOT NULL,
  payment_channel      VARCHAR(32)   NOT NULL,
  payment_url          VARCHAR(1024) NULL,
  payment_expires_at   DATETIME(3)   NULL,
  -- Why the order ended without being delivered (out of stock, payment failed or expired, cancelled, no courier).
  end_reason           VARCHAR(500)  NULL,
  -- Set by POST /v1/checkout/{id}/cancel before the saga is told: the saga's compensation reads it.
  cancel_requested_at  DATETIME(3)   NULL,
  created_at           DATETIME(3)   NOT NULL,
  updated_at           DATETIME(3)   NOT NULL,
  version              INT           NOT NULL DEFAULT 0,
  UNIQUE KEY uq_checkout_idempotency (idempotency_key),
  -- The benchmark and operators count orders by state over a time window.
  KEY idx_checkout_state (state, created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- What an order holds of each SKU. The state moves RESERVED -> COMMITTED (paid: the stock is sold) or RELEASED
-- (never paid); COMMITTED -> RESTOCKED (refunded). Each move changes the sku row in the same transaction, so the
-- stock columns always equal the sums over these rows.
CREATE TABLE stock_reservation (
  order_id     CHAR(36)      NOT NULL,
  sku          VARCHAR(64)   NOT NULL,
  quantity     INT           NOT NULL,
  state        VARCHAR(16)   NOT NULL,
  created_at   DATETIME(3)   NOT NULL,
  updated_at   DATETIME(3)   NOT NULL,
  PRIMARY KEY (order_id, sku),
  CONSTRAINT chk_reservation_quantity CHECK (quantity > 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
