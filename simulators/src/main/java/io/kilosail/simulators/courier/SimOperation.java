package io.kilosail.simulators.courier;

/**
 * The calls kilosail makes to a courier platform: quote, create, cancel; an order-detail query; Fengniao's pre-cancel
 * (which states the cost) and its token endpoint.
 */
enum SimOperation {
  QUOTE, CREATE, CANCEL, PRE_CANCEL, ORDER_DETAIL, TOKEN
}
