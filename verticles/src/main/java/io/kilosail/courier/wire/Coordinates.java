package io.kilosail.courier.wire;

/**
 * GCJ-02 (the system the food platforms push and kilosail keeps) to and from BD-09 (Baidu's, which Shansong expects
 * unless told otherwise). BD-09 is GCJ-02 with a small rotation and offset; the published closed-form pair below is
 * what every Baidu-facing client uses. The way back is not an exact inverse: a round trip is off by a few
 * centimetres, far below what a courier platform resolves.
 */
public final class Coordinates {

  private static final double X_PI = Math.PI * 3000.0 / 180.0;

  private Coordinates() {
  }

  public static GeoPoint gcj02ToBd09(GeoPoint gcj) {
    double x = gcj.lng();
    double y = gcj.lat();
    double z = Math.sqrt(x * x + y * y) + 0.00002 * Math.sin(y * X_PI);
    double theta = Math.atan2(y, x) + 0.000003 * Math.cos(x * X_PI);
    return new GeoPoint(z * Math.sin(theta) + 0.006, z * Math.cos(theta) + 0.0065);
  }

  public static GeoPoint bd09ToGcj02(GeoPoint bd) {
    double x = bd.lng() - 0.0065;
    double y = bd.lat() - 0.006;
    double z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * X_PI);
    double theta = Math.atan2(y, x) - 0.000003 * Math.cos(x * X_PI);
    return new GeoPoint(z * Math.sin(theta), z * Math.cos(theta));
  }
}
