package io.kilosail.courier.wire;

/**
 * A position in GCJ-02, the system the food platforms push and kilosail keeps; a wire converts at its edge when its
 * platform speaks another one (Shansong: BD-09).
 */
public record GeoPoint(double lat, double lng) {
}
