-- Who may read what (issue 17): a shop order's read secret and the operators' audit log.
-- Instants are UTC DATETIME(3) written by the application (see V2).

-- SHA-256 (hex) of the secret POST /v1/checkout answered: GET /v1/orders/{id} with X-Kilosail-Order-Secret opens the
-- order when the secret's hash matches. The secret itself is never stored. NULL for orders from before: only an
-- operator reads those.
ALTER TABLE checkout_order
  ADD COLUMN read_secret_hash CHAR(64) NULL;

-- Every operator action (HTTP admin API and the dashboard's bridge commands): who, what, when, and how it ended.
-- Written in the action's own transaction where the action is one (cancelling an order, changing a SKU), else right
-- after the action with its outcome. Read by the ops role at GET /v1/admin/audit. Never updated, never deleted by the
-- application.
CREATE TABLE operator_audit (
  id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  occurred_at DATETIME(3)   NOT NULL,
  -- The token's subject.
  operator    VARCHAR(128)  NOT NULL,
  -- http or bridge.
  channel     VARCHAR(16)   NOT NULL,
  -- What was asked: "POST /v1/admin/sagas/{id}/retry", "admin.orders.cancel", ...
  action      VARCHAR(255)  NOT NULL,
  -- What it was asked of: a saga id, an order id, a SKU; NULL when nothing in particular.
  target      VARCHAR(255)  NULL,
  -- ok, refused (no role), failed (with the status or failure code in detail).
  outcome     VARCHAR(16)   NOT NULL,
  detail      VARCHAR(500)  NULL,
  KEY idx_operator_audit_time (occurred_at),
  KEY idx_operator_audit_operator (operator, occurred_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
