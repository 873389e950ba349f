package io.kilosail.simulators.courier;

/** The calls kilosail makes to a courier platform. */
enum SimOperation {
  QUOTE, CREATE, CANCEL,
  /** The platform's order-detail query (what it knows of one order). */
  DETAIL
}
