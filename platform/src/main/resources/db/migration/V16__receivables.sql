-- Receivables (issue 16): what a food platform paid kilosail offline (线下打款) against a settlement period. Written by
-- io.kilosail.ledger.ReceivablesRepository when an operator records a payment. APPEND-ONLY, like ledger_entry: a
-- mistaken payment is undone by recording its reversal (a negative amount with its own reference). A period is a
-- calendar month in UTC ('2026-11'), cut on the ledger's occurred_at.
CREATE TABLE platform_payment (
  id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  platform     VARCHAR(32)   NOT NULL,
  period       CHAR(7)       NOT NULL,
  amount_fen   BIGINT        NOT NULL,
  -- When the money arrived (the bank's date), UTC.
  received_at  DATETIME(3)   NOT NULL,
  -- The bank transfer's reference: recording the same payment twice changes nothing.
  reference    VARCHAR(64)   NOT NULL,
  recorded_by  VARCHAR(64)   NOT NULL,
  created_at   DATETIME(3)   NOT NULL,
  UNIQUE KEY uq_platform_payment_reference (platform, reference),
  KEY idx_platform_payment_period (platform, period)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
