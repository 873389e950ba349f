-- Every node start is recorded: which node, which roles, which build, when (UTC).
-- Operators read it to see what ran where; it is also the first row a restart must keep.
CREATE TABLE node_start (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  node_id     VARCHAR(64)  NOT NULL,
  roles       VARCHAR(255) NOT NULL,
  version     VARCHAR(64)  NOT NULL,
  started_at  TIMESTAMP(3) NOT NULL,
  KEY idx_node_start_node (node_id, started_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
