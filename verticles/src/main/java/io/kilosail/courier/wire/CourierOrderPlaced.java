package io.kilosail.courier.wire;

/** The platform took the order: its id for it and the price it will charge, when it says (else null). */
public record CourierOrderPlaced(String platformOrderId, Long priceFen) {
}
