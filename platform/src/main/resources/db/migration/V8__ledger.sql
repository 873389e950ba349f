-- The settlement ledger (issue 6): double-entry postings per delivery order, in integer fen. Written by
-- io.kilosail.ledger.LedgerRepository in the same transaction as the state change that causes them (a delivery, a
-- cancellation penalty). APPEND-ONLY: never UPDATE or DELETE a row of this table; a mistake is undone by inserting its
-- reversal (entry type '<type>.reversal', the amounts negated). The postings of one write sum to zero, so every
-- order's postings do. Instants are UTC DATETIME(3) written by the application (see V2).
CREATE TABLE ledger_entry (
  id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id      CHAR(36)      NOT NULL,
  -- Why: delivery.completed, penalty.courier, penalty.platform, or one of them + '.reversal'.
  entry_type    VARCHAR(48)   NOT NULL,
  -- receivable:platform, revenue:delivery, revenue:penalty, cost:courier, cost:penalty, payable:courier.
  account       VARCHAR(32)   NOT NULL,
  -- The food platform (receivable, revenue) or courier platform (cost, payable) the amount is with.
  counterparty  VARCHAR(32)   NOT NULL,
  -- Signed: positive debit, negative credit.
  amount_fen    BIGINT        NOT NULL,
  -- The business instant (the delivery, the cancellation); settlement periods are cut on it.
  occurred_at   DATETIME(3)   NOT NULL,
  -- When the row was written.
  created_at    DATETIME(3)   NOT NULL,
  KEY idx_ledger_entry_order (order_id, id),
  KEY idx_ledger_entry_counterparty (counterparty, occurred_at),
  KEY idx_ledger_entry_occurred (occurred_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
