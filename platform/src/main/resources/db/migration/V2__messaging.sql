-- Reliable messaging: transactional outbox, relay shards, consumer inbox, dead letters, durable timers, fencing tokens.
-- All instants are UTC instants written by the application, millisecond precision. DATETIME(3) rather than
-- TIMESTAMP: never converted by the session time zone, and never given an implicit DEFAULT / ON UPDATE
-- CURRENT_TIMESTAMP (servers with explicit_defaults_for_timestamp=OFF do that to TIMESTAMP NOT NULL), which would
-- silently rewrite created_at when the relay marks a row sent.

-- Events written in the same transaction as the business rows that caused them; the relay publishes them to Kafka.
-- id gives the publish order: a later write to the same aggregate (serialised by the aggregate's own row lock)
-- always gets a higher id. shard = crc32(message_key) mod 16 (see OutboxShards), so one aggregate stays on one shard.
CREATE TABLE outbox (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  message_id   CHAR(36)     NOT NULL,
  topic        VARCHAR(249) NOT NULL,
  message_key  VARCHAR(191) NOT NULL,
  shard        SMALLINT     NOT NULL,
  message_type VARCHAR(128) NOT NULL,
  envelope     MEDIUMTEXT   NOT NULL,
  created_at   DATETIME(3) NOT NULL,
  sent_at      DATETIME(3) NULL,
  UNIQUE KEY uq_outbox_message (message_id),
  -- Unsent rows (sent_at IS NULL sorts first) for the relay, old sent rows for the retention job.
  KEY idx_outbox_sent (sent_at, shard, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per shard. A relay locks the shards it works on (SELECT ... FOR UPDATE SKIP LOCKED) for the length of one
-- batch, so two relays never publish the same rows and one aggregate's events are published by one relay at a time,
-- in id order. A crashed relay's locks die with its connection.
CREATE TABLE outbox_shard (
  shard SMALLINT NOT NULL PRIMARY KEY
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

INSERT INTO outbox_shard (shard) VALUES (0), (1), (2), (3), (4), (5), (6), (7),
                                        (8), (9), (10), (11), (12), (13), (14), (15);

-- What a consumer group has already applied: written in the same transaction as the effect, so a redelivered
-- record hits the primary key and is skipped. outcome: APPLIED or DEAD_LETTERED.
CREATE TABLE inbox (
  consumer_group VARCHAR(191) NOT NULL,
  message_id     CHAR(36)     NOT NULL,
  topic          VARCHAR(249) NOT NULL,
  kafka_partition INT         NOT NULL,
  kafka_offset   BIGINT       NOT NULL,
  outcome        VARCHAR(16)  NOT NULL,
  received_at    DATETIME(3) NOT NULL,
  PRIMARY KEY (consumer_group, message_id),
  KEY idx_inbox_received (received_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Records a consumer gave up on after its attempts, with the last error; they also went to the dead-letter topic.
CREATE TABLE dead_letter (
  id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  consumer_group  VARCHAR(191)  NOT NULL,
  message_id      VARCHAR(64)   NULL,
  topic           VARCHAR(249)  NOT NULL,
  kafka_partition INT           NOT NULL,
  kafka_offset    BIGINT        NOT NULL,
  dead_letter_topic VARCHAR(249) NOT NULL,
  attempts        INT           NOT NULL,
  error           VARCHAR(2000) NOT NULL,
  dead_lettered_at DATETIME(3) NOT NULL,
  KEY idx_dead_letter_group (consumer_group, dead_lettered_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Durable timers: a message to put into the outbox at due_at. timer_key makes scheduling idempotent (e.g. saga id +
-- step). Firing = outbox insert + fired_at in one transaction, claimed with SKIP LOCKED: once across a cluster.
CREATE TABLE durable_timer (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  timer_key    VARCHAR(191) NOT NULL,
  topic        VARCHAR(249) NOT NULL,
  message_key  VARCHAR(191) NOT NULL,
  message_type VARCHAR(128) NOT NULL,
  envelope     MEDIUMTEXT   NOT NULL,
  due_at       DATETIME(3) NOT NULL,
  created_at   DATETIME(3) NOT NULL,
  fired_at     DATETIME(3) NULL,
  cancelled_at DATETIME(3) NULL,
  UNIQUE KEY uq_durable_timer_key (timer_key),
  -- Pending timers are fired_at IS NULL AND cancelled_at IS NULL, in due order.
  KEY idx_durable_timer_pending (fired_at, cancelled_at, due_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The highest fencing token that has written to a protected resource. A write carrying a lower token comes from a
-- lock holder whose lease expired and is rejected.
CREATE TABLE fencing_token (
  resource   VARCHAR(191) NOT NULL PRIMARY KEY,
  token      BIGINT       NOT NULL,
  updated_at DATETIME(3) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
