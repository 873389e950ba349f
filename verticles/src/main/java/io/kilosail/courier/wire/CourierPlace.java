package io.kilosail.courier.wire;

/** One end of a delivery: who, where (WGS-84/GCJ-02 as the platform uses it), how to call them. */
public record CourierPlace(String name, String phone, String address, double lat, double lng) {
}
