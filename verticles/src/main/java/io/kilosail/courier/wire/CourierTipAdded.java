package io.kilosail.courier.wire;

/**
 * The platform took the tip; {@code totalTipFen} is what the order's tips come to now when the platform says so (else
 * null): the figure to compare with ours when the outcome of an earlier tip call was unknown.
 */
public record CourierTipAdded(String platformOrderId, Long totalTipFen) {
}
