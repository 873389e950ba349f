package io.kilosail.intake;

import io.kilosail.order.OrderRepository;
import io.kilosail.order.DeliveryOrder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

/**
 * Group commit for intake. Up to {@code maxInFlight} transactions store pushes at once; pushes that arrive while all
 * of them are busy wait and are stored together in the next one ({@link OrderRepository#receiveAll}: one multi-row
 * INSERT for the orders, one for their sagas, one commit). At low load every push still has its own transaction and
 * waits for nothing; at a peak the commit, which is what a transaction costs, is shared by many orders. Each push is
 * answered only after its own commit, so nothing is acknowledged early.
 *
 * <p>A group that fails because one of its orders is stored already (a platform's repeated push) or a deadlock is
 * stored again one push at a time, each finding its duplicate as {@link OrderRepository#receive} does; any other failure
 * fails the group's pushes (nothing of them is stored: the platform retries).
 *
 * <p>Confined to the context that created it (an ingress verticle's) and the duplicates Vert.x makes of it for each
 * request; a call from another context takes the one-push path. The orders each transaction stored are in
 * {@code kilosail_intake_group_orders} (count: transactions, sum: orders).
 */
final class IntakeBatcher {

  private record Pending(DeliveryOrder order, Promise<OrderRepository.Intake> answer) {
  }

  private final OrderRepository orders;
  private final ContextInternal context;
  private final DistributionSummary groupOrders;
  private final int maxBatch;
  private final int maxInFlight;
  private final Queue<Pending> queue = new ArrayDeque<>();
  private int inFlight;

  IntakeBatcher(OrderRepository orders, Context context, int maxBatch, int maxInFlight, MeterRegistry registry) {
    this.orders = orders;
    this.context = ((ContextInternal) context).unwrap();
    this.groupOrders = DistributionSummary.builder("kilosail.intake.group.orders")
        .description("Orders stored by one intake transaction (group commit)").register(registry);
    this.maxBatch = maxBatch;
    this.maxInFlight = maxInFlight;
  }

  Future<OrderRepository.Intake> receive(DeliveryOrder order) {
    // A request runs on a duplicate of the verticle's context (Vert.x 5): compare what they duplicate.
    Context current = Vertx.currentContext();
    if (current == null || ((ContextInternal) current).unwrap() != context) {
      return orders.receive(order);
    }
    Promise<OrderRepository.Intake> answer = Promise.promise();
    queue.add(new Pending(order, answer));
    flush();
    return answer.future();
  }

  private void flush() {
    while (!queue.isEmpty() && inFlight < maxInFlight) {
      List<Pending> group = new ArrayList<>(Math.min(queue.size(), maxBatch));
      while (!queue.isEmpty() && group.size() < maxBatch) {
        group.add(queue.poll());
      }
      inFlight++;
      groupOrders.record(group.size());
      store(group).onComplete(x -> {
        inFlight--;
        flush();
      });
    }
  }

  private Future<Void> store(List<Pending> group) {
    if (group.size() == 1) {
      return one(group.get(0));
    }
    return orders.receiveAll(group.stream().map(Pending::order).toList()).transform(stored -> {
      if (stored.succeeded()) {
        group.forEach(p -> p.answer().complete(new OrderRepository.Intake(p.order().id(), true)));
        return Future.succeededFuture();
      }
      if (OrderRepository.duplicate(stored.cause())) {
        Future<Void> oneByOne = Future.succeededFuture();
        for (Pending p : group) {
          oneByOne = oneByOne.compose(x -> one(p));
        }
        return oneByOne;
      }
      group.forEach(p -> p.answer().fail(stored.cause()));
      return Future.succeededFuture();
    });
  }

  private Future<Void> one(Pending p) {
    return orders.receive(p.order()).andThen(p.answer()).transform(x -> Future.succeededFuture());
  }
}
