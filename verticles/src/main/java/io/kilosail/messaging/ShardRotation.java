package io.kilosail.messaging;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The order in which one relay worker tries the outbox shards: fixed groups of {@code shardsPerClaim}, visited
 * round-robin from a starting group. Every worker visits every group, so no shard starves however many workers and
 * relays run; different starting groups spread workers over the shards from the first claim on.
 */
final class ShardRotation {

  private final List<List<Integer>> groups;
  private final int shardsPerClaim;
  private int next;

  ShardRotation(int shardCount, int shardsPerClaim, int startGroup) {
    if (shardsPerClaim < 1 || shardCount < 1) {
      throw new IllegalArgumentException("shardCount and shardsPerClaim must be positive");
    }
    List<List<Integer>> all = new ArrayList<>();
    for (int first = 0; first < shardCount; first += shardsPerClaim) {
      all.add(IntStream.range(first, Math.min(first + shardsPerClaim, shardCount)).boxed().toList());
    }
    this.groups = List.copyOf(all);
    this.shardsPerClaim = shardsPerClaim;
    this.next = Math.floorMod(startGroup, groups.size());
  }

  List<Integer> next() {
    List<Integer> group = groups.get(next);
    next = (next + 1) % groups.size();
    return group;
  }

  /** The group {@code shard} belongs to; the same for every worker and relay with the same {@code shardsPerClaim}. */
  int groupOf(int shard) {
    return shard / shardsPerClaim;
  }

  List<Integer> group(int index) {
    return groups.get(index);
  }

  /** How many claims one full round over all shards takes. */
  int groupCount() {
    return groups.size();
  }
}
