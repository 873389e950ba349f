package io.kilosail.embedded;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one process), in this JVM, on 127.0.0.1.
 * Its log directory is formatted on first start only, so a restart keeps every record.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final KafkaRaftServer server;
  private final int port;

  private EmbeddedKafka(KafkaRaftServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /**
   * @param port           broker port, 0 for any free port
   * @param controllerPort KRaft controller port, 0 for any free port
   */
  public static EmbeddedKafka start(Path logDir, int port, int controllerPort, int defaultPartitions) {
    int brokerPort = FreePort.orPick(port);
    int quorumPort = FreePort.orPick(controllerPort);
    long started = System.nanoTime();
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@127.0.0.1:" + quorumPort);
    props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + quorumPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("log.dirs", logDir.toAbsolutePath().toString());
    props.put("num.partitions", String.valueOf(defaultPartitions));
    props.put("auto.create.topics.enable", "true");
    // One broker: every internal topic gets one replica, or it never becomes available.
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "8");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    try {
      Files.createDirectories(logDir);
      if (!Files.exists(logDir.resolve("meta.properties"))) {
        format(logDir, props);
      }
      KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
      server.startup();
      log.info("embedded Kafka up port={} controllerPort={} logDir={} in {} ms", brokerPort, quorumPort, logDir,
          (System.nanoTime() - started) / 1_000_000);
      return new EmbeddedKafka(server, brokerPort);
    } catch (IOException e) {
      throw new UncheckedIOException("embedded Kafka could not prepare " + logDir, e);
    } catch (RuntimeException e) {
      throw new IllegalStateException("embedded Kafka failed to start on port " + brokerPort + " (controller "
          + quorumPort + "): " + e.getMessage(), e);
    }
  }

  private static void format(Path logDir, Properties props) throws IOException {
    Path propsFile = logDir.resolve("server.properties");
    try (OutputStream out = Files.newOutputStream(propsFile)) {
      props.store(out, "kilosail embedded Kafka");
    }
    // Kafka's own Uuid never starts with '-', which the format tool would read as an option.
    String clusterId = Uuid.randomUuid().toString();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    int rc = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", propsFile.toString()},
        new PrintStream(output, true, StandardCharsets.UTF_8));
    if (rc != 0) {
      throw new IllegalStateException("formatting Kafka storage failed: " + output.toString(StandardCharsets.UTF_8));
    }
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
    log.info("embedded Kafka stopped port={}", port);
  }
}
