-- Saga coordinator: instances, their step log, and the participants' barrier.
-- Instants are UTC, DATETIME(3) (see V2 for why not TIMESTAMP).

-- One row per saga. progress (JSON) says which group of steps it is at and which actions are done or compensated;
-- data (JSON, LONGTEXT: no small size cap) is the saga's own data. version guards every update (optimistic
-- concurrency): two nodes never advance one saga at once. next_wakeup_at is when somebody must look at the saga
-- again: the owner's lease expiry while it runs, the timeout while it waits for an event, NULL once it has ended.
CREATE TABLE saga_instance (
  id             CHAR(36)      NOT NULL PRIMARY KEY,
  saga_type      VARCHAR(64)   NOT NULL,
  business_key   VARCHAR(191)  NOT NULL,
  state          VARCHAR(16)   NOT NULL,
  progress       TEXT          NOT NULL,
  data           LONGTEXT      NOT NULL,
  awaiting_event VARCHAR(128)  NULL,
  last_error     VARCHAR(2000) NULL,
  version        BIGINT        NOT NULL,
  owner          VARCHAR(64)   NULL,
  next_wakeup_at DATETIME(3)   NULL,
  created_at     DATETIME(3)   NOT NULL,
  updated_at     DATETIME(3)   NOT NULL,
  UNIQUE KEY uq_saga_business (saga_type, business_key),
  KEY idx_saga_business_key (business_key),
  KEY idx_saga_wakeup (next_wakeup_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Every attempt of every step: what was tried, by which node, how it ended and how long it took.
CREATE TABLE saga_step_log (
  id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  saga_id     CHAR(36)      NOT NULL,
  step        VARCHAR(64)   NOT NULL,
  phase       VARCHAR(16)   NOT NULL,
  attempt     INT           NOT NULL,
  outcome     VARCHAR(16)   NOT NULL,
  error       VARCHAR(2000) NULL,
  node_id     VARCHAR(64)   NOT NULL,
  started_at  DATETIME(3)   NOT NULL,
  duration_ms INT           NOT NULL,
  KEY idx_saga_step_log_saga (saga_id, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- DTM-style barrier, written by participants in their own transaction: (saga, step, ACTION) once the action ran or
-- a compensation overtook it (reason COMPENSATION: the late action becomes a no-op); (saga, step, COMPENSATION)
-- once compensated. A duplicate invocation hits the primary key and does nothing.
CREATE TABLE saga_barrier (
  saga_id    CHAR(36)    NOT NULL,
  step       VARCHAR(64) NOT NULL,
  op         VARCHAR(16) NOT NULL,
  reason     VARCHAR(16) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (saga_id, step, op)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
