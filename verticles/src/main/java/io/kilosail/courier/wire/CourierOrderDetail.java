package io.kilosail.courier.wire;

import io.kilosail.contracts.courier.CourierState;

/**
 * What a platform says about one order when asked (its order-detail query): used to find out what happened when an
 * answer never came, and to confirm a callback the platform does not sign.
 *
 * @param priceFen       what the platform charges for it, when it says (else null)
 * @param riderPosition  where the courier is, when the platform says (else null)
 */
public record CourierOrderDetail(
    String platformOrderId,
    String orderId,
    CourierState state,
    String rawStatus,
    Long priceFen,
    String courierName,
    String courierPhone,
    GeoPoint riderPosition) {
}
