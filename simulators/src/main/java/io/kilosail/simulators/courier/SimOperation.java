package io.kilosail.simulators.courier;

/** The three calls kilosail makes to a courier platform. */
enum SimOperation {
  QUOTE, CREATE, CANCEL
}
