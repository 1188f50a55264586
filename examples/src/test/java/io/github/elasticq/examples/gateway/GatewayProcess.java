package io.github.elasticq.examples.gateway;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The gateway demo in a child JVM on the test's class path, its output in a log file. */
final class GatewayProcess {
  private GatewayProcess() {}

  /**
   * Arguments of a gateway that only bridges the MQTT broker (no built-in publishers, free ports)
   * under topic prefix {@code prefix}, for at most 3 minutes, followed by {@code extra}.
   */
  static List<String> bridgeArgs(Path data, String prefix, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--data",
                data.toString(),
                "--mqtt",
                Mosquitto.URL,
                "--mqtt-topic",
                prefix,
                "--publishers",
                "0",
                "--duration",
                "3m",
                "--metrics-port",
                "0",
                "--management-port",
                "0",
                "--refresh",
                "5s"));
    args.addAll(List.of(extra));
    return args;
  }

  /** Starts {@code GatewayDemo args} with stdout and stderr in {@code log}. */
  static Process start(Path log, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add(GatewayDemo.class.getName());
    command.addAll(args);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
