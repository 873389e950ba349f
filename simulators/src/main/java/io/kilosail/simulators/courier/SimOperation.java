package io.kilosail.simulators.courier;

/**
 * The calls kilosail makes to a courier platform: quote, create, cancel; an order-detail query; Fengniao's pre-cancel
 * (which states the cost) and its token endpoint; a tip; a balance query.
 */
enum SimOperation {
  QUOTE, CREATE, CANCEL,
  /** Fengniao's pre-cancel: states what a cancel would cost, cancels nothing. */
  PRE_CANCEL,
  /** The platform's order-detail query (what it knows of one order). */
  DETAIL,
  /** Fengniao's OAuth token endpoint. */
  TOKEN,
  /** A tip (加小费) on an order no courier took yet. */
  TIP,
  /** The platform's balance query: what one account has left to spend (UU user/account, SF, Fengniao getAmount). */
  BALANCE
}
