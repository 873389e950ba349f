-- Cancellations (issue 6): who ended an order, in which state, and the penalties each way. Money is integer fen;
-- instants are UTC DATETIME(3) written by the application (see V2).

-- One row per cancelled order, written in the transaction that cancels it. A repeated cancel finds this row and is
-- answered with it, so a platform's retry never charges twice.
CREATE TABLE order_cancellation (
  order_id             CHAR(36)     NOT NULL PRIMARY KEY,
  -- PLATFORM (the food platform asked), COURIER (the courier platform cancelled), SYSTEM (nobody would deliver it).
  cancelled_by         VARCHAR(16)  NOT NULL,
  reason               VARCHAR(255) NULL,
  -- The order's state when it was cancelled: what the food platform's penalty depends on.
  state_at_cancel      VARCHAR(24)  NOT NULL,
  platform_penalty_fen BIGINT       NOT NULL,
  cancelled_at         DATETIME(3)  NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- What each courier platform charged us for a cancel we asked for, once per (order, platform): the cancel's answer
-- may be retried or repeated, the charge is recorded once (with its ledger postings, in the same transaction).
CREATE TABLE courier_penalty (
  order_id      CHAR(36)    NOT NULL,
  platform      VARCHAR(16) NOT NULL,
  -- The courier's state at the platform when we cancelled, as its callbacks last told us (CREATED: none yet).
  courier_state VARCHAR(24) NOT NULL,
  penalty_fen   BIGINT      NOT NULL,
  -- STATED (the platform's cancel answer said it, Shansong) or TABLE (cancellation.courierPenalties).
  source        VARCHAR(8)  NOT NULL,
  recorded_at   DATETIME(3) NOT NULL,
  PRIMARY KEY (order_id, platform)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
