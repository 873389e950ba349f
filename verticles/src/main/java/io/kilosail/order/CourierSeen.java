package io.kilosail.order;

import io.kilosail.courier.wire.CourierCallback;
import io.kilosail.courier.wire.GeoPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * A courier as a callback names it, and the platform it works for; {@code riderPosition} (GCJ-02) and its instant
 * {@code riderAt} when the callback says where the rider was, else null.
 */
public record CourierSeen(String platform, String platformOrderId, String name, String phone,
                          GeoPoint riderPosition, Instant riderAt) {

  private static final Logger log = LoggerFactory.getLogger(CourierSeen.class);

  public CourierSeen(String platform, String platformOrderId, String name, String phone) {
    this(platform, platformOrderId, name, phone, null, null);
  }

  /** The courier a callback reports, with the rider's position only when it is a place on Earth. */
  public static CourierSeen of(CourierCallback cb) {
    return new CourierSeen(cb.platform().id(), cb.platformOrderId(), cb.courierName(), cb.courierPhone(),
        storablePosition(cb), cb.occurredAt());
  }

  /**
   * The callback's rider position when it is a place on Earth, else null (logged): a position is a detail, so a bad
   * one is dropped rather than the callback refused, whose state matters more.
   */
  public static GeoPoint storablePosition(CourierCallback cb) {
    GeoPoint p = cb.riderPosition();
    if (p == null) {
      return null;
    }
    if (Double.isFinite(p.lat()) && Double.isFinite(p.lng()) && Math.abs(p.lat()) <= 90 && Math.abs(p.lng()) <= 180) {
      return p;
    }
    log.warn("courier callback rider position ignored platform={} orderId={} lat={} lng={}", cb.platform().id(),
        cb.orderId(), p.lat(), p.lng());
    return null;
  }
}
