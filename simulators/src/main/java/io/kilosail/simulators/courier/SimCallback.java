package io.kilosail.simulators.courier;

/**
 * A signed callback ready to post: {@code pathSuffix} goes after the platform's webhook base URL (SF has one URL per
 * kind), {@code query} is appended as is.
 */
record SimCallback(SimEvent event, String rawStatus, String pathSuffix, String query, String contentType, String body) {
}
