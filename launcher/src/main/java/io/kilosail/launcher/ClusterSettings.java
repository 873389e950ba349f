package io.kilosail.launcher;

import java.util.List;

/**
 * How a node joins the Hazelcast cluster: TCP-IP join with members listed one by one (port ranges do not work).
 *
 * @param host       address Hazelcast binds to ({@code 0.0.0.0} in containers)
 * @param publicHost address other members and event bus peers use to reach this node
 */
public record ClusterSettings(boolean enabled, String name, String host, String publicHost, int port,
                              List<String> members) {
}
