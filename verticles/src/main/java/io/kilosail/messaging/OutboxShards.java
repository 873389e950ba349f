package io.kilosail.messaging;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Which relay shard an aggregate's outbox rows belong to. CRC32 rather than {@code hashCode()}: it is fixed by a
 * standard, so every node and every Java version agrees. The count matches the rows of {@code outbox_shard} (V2).
 */
public final class OutboxShards {

  public static final int COUNT = 16;

  private OutboxShards() {
  }

  public static int of(String messageKey) {
    CRC32 crc = new CRC32();
    crc.update(messageKey.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % COUNT);
  }
}
