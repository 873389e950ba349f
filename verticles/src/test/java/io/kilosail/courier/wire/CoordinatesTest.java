package io.kilosail.courier.wire;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Reference points from the R package geoChina by Jun Cai (caijun/geoChina, R/cst.R, the examples of gcj2bd and
 * bd2gcj): Beijing railway station, GCJ-02 (39.90245, 116.42703) = BD-09 (39.90851, 116.43351), given to 5 decimals;
 * and two Beijing points given to 4 decimals of longitude, GCJ-02 (39.99967, 116.3264) and (39.98691, 116.3059) =
 * BD-09 (40.00541, 116.3330) and (39.99299, 116.3124).
 */
class CoordinatesTest {

  private static void assertNear(GeoPoint actual, double lat, double lng, double tolerance) {
    assertThat(actual.lat()).as("lat").isCloseTo(lat, within(tolerance));
    assertThat(actual.lng()).as("lng").isCloseTo(lng, within(tolerance));
  }

  @Test
  void beijingRailwayStation() {
    // Published to 5 decimals; the formula agrees within 0.00001 degree (about a metre).
    assertNear(Coordinates.gcj02ToBd09(new GeoPoint(39.90245, 116.42703)), 39.90851, 116.43351, 0.00001);
    assertNear(Coordinates.bd09ToGcj02(new GeoPoint(39.90851, 116.43351)), 39.90245, 116.42703, 0.00001);
  }

  @Test
  void twoMoreBeijingPoints() {
    assertNear(Coordinates.gcj02ToBd09(new GeoPoint(39.99967, 116.3264)), 40.00541, 116.3330, 0.00006);
    assertNear(Coordinates.gcj02ToBd09(new GeoPoint(39.98691, 116.3059)), 39.99299, 116.3124, 0.00006);
    assertNear(Coordinates.bd09ToGcj02(new GeoPoint(40.00541, 116.3330)), 39.99967, 116.3264, 0.00006);
  }

  @Test
  void aRoundTripStaysWithinAMetre() {
    GeoPoint shanghai = new GeoPoint(31.2304, 121.4737);
    // 0.00001 degree is about 1.1 m.
    assertNear(Coordinates.bd09ToGcj02(Coordinates.gcj02ToBd09(shanghai)), 31.2304, 121.4737, 0.00001);
  }
}
