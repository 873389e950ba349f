-- Shops and prepaid courier accounts (issue 16).
--
-- shop: a food platform's shop, keyed by the platform's own shop id. Created on first sight from an order (intake,
-- INSERT IGNORE after the order's commit, once per node: a node-local cache remembers the shops it has seen) and edited
-- by operators (PUT /v1/admin/shops/{platform}/{shopId}). The <courier>_account columns are the courier platforms' own
-- account for this shop (a "virtual shop"): UU openId, Shansong shopId, SF shop_id, Fengniao store code (out_shop_code);
-- NULL means the couriers section's default account, as before shops existed.
-- Opening hours: one daily window in local time (shops.timeZone, Asia/Shanghai by default), 'HH:mm'; closes_at before
-- opens_at wraps past midnight. Both NULL: no hours known, every order is in hours.
CREATE TABLE shop (
  food_platform     VARCHAR(32)   NOT NULL,
  shop_id           VARCHAR(64)   NOT NULL,
  name              VARCHAR(128)  NOT NULL,
  address           VARCHAR(255)  NULL,
  lat               DECIMAL(9, 6) NULL,
  lng               DECIMAL(9, 6) NULL,
  city              VARCHAR(64)   NULL,
  opens_at          CHAR(5)       NULL,
  closes_at         CHAR(5)       NULL,
  uu_account        VARCHAR(64)   NULL,
  shansong_account  VARCHAR(64)   NULL,
  sf_account        VARCHAR(64)   NULL,
  fengniao_account  VARCHAR(64)   NULL,
  version           INT           NOT NULL DEFAULT 0,
  created_at        DATETIME(3)   NOT NULL,
  updated_at        DATETIME(3)   NOT NULL,
  PRIMARY KEY (food_platform, shop_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- courier_account: the prepaid balance kilosail keeps with a courier platform under one account (the default account
-- of the couriers section, or a shop's own). A row exists once an operator tops the account up (or sets its threshold):
-- an account without a row has no balance tracked and is never skipped by dispatch. balance_fen is decremented by
-- each placement's charged price in the placement's transaction and credited back by a free cancellation;
-- platform_balance_fen/checked_at are the platform's own answer to its balance query, when asked.
CREATE TABLE courier_account (
  platform              VARCHAR(16)  NOT NULL,
  account_id            VARCHAR(64)  NOT NULL,
  balance_fen           BIGINT       NOT NULL DEFAULT 0,
  -- NULL: balances.lowThresholdFen of the config.
  low_threshold_fen     BIGINT       NULL,
  platform_balance_fen  BIGINT       NULL,
  checked_at            DATETIME(3)  NULL,
  updated_at            DATETIME(3)  NOT NULL,
  PRIMARY KEY (platform, account_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A top-up an operator (finance) recorded: money sent to the courier platform for this account. APPEND-ONLY; the same
-- reference again changes nothing (idempotent), the same reference with another amount is refused.
CREATE TABLE courier_account_topup (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  platform     VARCHAR(16)  NOT NULL,
  account_id   VARCHAR(64)  NOT NULL,
  amount_fen   BIGINT       NOT NULL,
  reference    VARCHAR(64)  NOT NULL,
  recorded_by  VARCHAR(64)  NOT NULL,
  created_at   DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_courier_topup_reference (platform, account_id, reference)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
