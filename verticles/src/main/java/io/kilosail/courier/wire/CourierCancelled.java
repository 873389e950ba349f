package io.kilosail.courier.wire;

/** The platform cancelled the order; {@code penaltyFen} is what it charges for it when it says so (else null). */
public record CourierCancelled(String platformOrderId, Long penaltyFen) {
}
