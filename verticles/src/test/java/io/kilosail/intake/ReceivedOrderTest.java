package io.kilosail.intake;

import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.DeliveryOrder.InvalidOrderException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A push read against the contract becomes a CREATED order; the order checks what a schema cannot say. */
public class ReceivedOrderTest {

  public static JsonObject push(String platformOrderId) {
    return new JsonObject()
        .put("platformOrderId", platformOrderId)
        .put("city", "310100")
        .put("shop", new JsonObject().put("id", "shop-88").put("name", "Lanzhou Noodles"))
        .put("pickup", new JsonObject().put("name", "Lanzhou Noodles").put("phone", "021-5555-0101")
            .put("address", "88 Nanjing West Rd").put("lat", 31.2304).put("lng", 121.4737))
        .put("dropoff", new JsonObject().put("name", "Li Lei").put("phone", "138-0000-0001")
            .put("address", "1 Century Ave, 12F").put("lat", 31.2397).put("lng", 121.4998))
        .put("weightGrams", 1200)
        .put("deliveryFeeFen", 850)
        .put("goodsValueFen", 5600)
        .put("placedAt", "2025-06-01T04:00:00Z")
        .put("expectedDeliveryAt", "2025-06-01T04:45:00.000Z");
  }

  @Test
  void aPushBecomesACreatedOrderWithMoneyInFenAndUtcInstants() {
    Instant now = Instant.parse("2025-06-01T04:00:02.123Z");
    DeliveryOrder order = DeliveryOrder.received("o-1", "meituan", OrderPush.parse(push("MT-1")), now);

    assertThat(order.state()).isEqualTo(DeliveryOrder.State.CREATED);
    assertThat(order.deliveryFeeFen()).isEqualTo(850L);
    assertThat(order.goodsValueFen()).isEqualTo(5600L);
    assertThat(order.pickup().lat()).hasToString("31.230400");
    JsonObject view = order.toJson();
    assertThat(view.getString("expectedDeliveryAt")).isEqualTo("2025-06-01T04:45:00Z");
    assertThat(view.getString("receivedAt")).isEqualTo("2025-06-01T04:00:02.123Z");
    assertThat(view.getJsonObject("dropoff").getDouble("lng")).isEqualTo(121.4998);
    assertThat(view.containsKey("courier")).isTrue();
    assertThat(view.getValue("courier")).isNull();
    assertThat(view.getJsonArray("timeline")).isEmpty();
  }

  @Test
  void optionalFieldsMayBeAbsent() {
    JsonObject body = push("MT-2");
    body.remove("goodsValueFen");
    DeliveryOrder order = DeliveryOrder.received("o-2", "jd", OrderPush.parse(body), Instant.now());
    assertThat(order.goodsValueFen()).isNull();
    assertThat(order.remark()).isNull();
  }

  @Test
  void aDeliveryDueBeforeTheOrderWasPlacedNamesTheField() {
    JsonObject body = push("MT-3").put("expectedDeliveryAt", "2025-06-01T03:59:00Z");
    assertThatThrownBy(() -> DeliveryOrder.received("o-3", "eleme", OrderPush.parse(body), Instant.now()))
        .isInstanceOf(InvalidOrderException.class)
        .satisfies(e -> assertThat(((InvalidOrderException) e).field()).isEqualTo("expectedDeliveryAt"));
  }
}
