package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierState;

import java.time.Instant;

/**
 * A platform's callback in canonical form.
 *
 * @param platformOrderId the platform's own id for the order
 * @param orderId         kilosail's order id, as the platform echoes it
 * @param rawStatus       the platform's status code as sent, kept for audit and for statuses that need a closer look
 *                        (a courier giving up arrives as {@code CREATED})
 * @param courierName     null when the platform sent none
 * @param penaltyFen      what the platform charges us, when it says so (Shansong's {@code deductAmount}); else null
 * @param occurredAt      when the platform says the change happened
 * @param riderPosition   where the courier was (GCJ-02), when the platform says; else null
 */
public record CourierCallback(
    CourierPlatform platform,
    String platformOrderId,
    String orderId,
    CourierState state,
    String rawStatus,
    String courierName,
    String courierPhone,
    Long penaltyFen,
    Instant occurredAt,
    GeoPoint riderPosition) {

  /** A callback that carries no rider position. */
  public CourierCallback(CourierPlatform platform, String platformOrderId, String orderId, CourierState state,
      String rawStatus, String courierName, String courierPhone, Long penaltyFen, Instant occurredAt) {
    this(platform, platformOrderId, orderId, state, rawStatus, courierName, courierPhone, penaltyFen, occurredAt, null);
  }

  /** Identifies this event across the platform's retries and duplicates (same order, same status, same moment). */
  public String dedupKey() {
    return platform.id() + ":" + platformOrderId + ":" + rawStatus + ":" + occurredAt.toEpochMilli();
  }
}
