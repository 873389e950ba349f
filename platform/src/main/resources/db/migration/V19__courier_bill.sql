-- Issue 16: a courier platform's bill imported for reconciliation with the ledger.
-- Money is integer fen; instants are UTC DATETIME(3) written by the application (see V2).

-- A courier platform's bill (对账单) for a month, as an operator imported it (POST /v1/admin/reconciliations/{courier}).
-- Written once per (courier, reference) by io.kilosail.ledger.ReconciliationRepository; never updated. The report is
-- computed when read, against the ledger as it is then (a correction booked since shows).
CREATE TABLE courier_bill (
  id             CHAR(36)     NOT NULL PRIMARY KEY,
  courier        VARCHAR(16)  NOT NULL,
  -- The bill's own reference (the platform's statement number): importing it again changes nothing.
  reference      VARCHAR(64)  NOT NULL,
  -- The calendar month (UTC) the bill covers, '2026-11', cut on the ledger's occurred_at.
  period         CHAR(7)      NOT NULL,
  -- SHA-256 of the period and the lines as read: the same reference with another content is refused (409).
  content_sha256 CHAR(64)     NOT NULL,
  line_count     INT          NOT NULL,
  imported_by    VARCHAR(64)  NOT NULL,
  created_at     DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_courier_bill_reference (courier, reference)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The bill's lines as read; line_no is the line in the imported file (the header is line 1).
CREATE TABLE courier_bill_line (
  bill_id           CHAR(36)     NOT NULL,
  line_no           INT          NOT NULL,
  platform_order_id VARCHAR(64)  NOT NULL,
  fee_fen           BIGINT       NOT NULL,
  penalty_fen       BIGINT       NOT NULL,
  PRIMARY KEY (bill_id, line_no)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
