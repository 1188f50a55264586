package io.github.elasticq.examples.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** The gateway demo in a child JVM on the test's class path, its output in a log file. */
final class GatewayProcess {
  private GatewayProcess() {}

  /**
   * Arguments of a gateway that only bridges the MQTT broker (no built-in publishers, free ports)
   * under topic prefix {@code prefix}, for at most 3 minutes, followed by {@code extra}.
   */
  static List<String> bridgeArgs(Path data, String prefix, String... extra) {
    return bridgeArgsVia(Mosquitto.URL, data, prefix, extra);
  }

  /** {@link #bridgeArgs(Path, String, String...)} with the broker at {@code mqttUrl}. */
  static List<String> bridgeArgsVia(String mqttUrl, Path data, String prefix, String... extra) {
    List<String> args =
        args(
            data,
            "--mqtt",
            mqttUrl,
            "--mqtt-topic",
            prefix,
            "--publishers",
            "0",
            "--duration",
            "3m",
            "--refresh",
            "5s");
    args.addAll(List.of(extra));
    return args;
  }

  /** Arguments of a gateway on {@code data} with free metrics and management ports, then more. */
  static List<String> args(Path data, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of("--data", data.toString(), "--metrics-port", "0", "--management-port", "0"));
    args.addAll(List.of(more));
    return args;
  }

  /** What {@link GatewayDemo#execute} returned and printed. */
  record Outcome(int code, String out, String err) {}

  /** Runs {@code GatewayDemo args} in this JVM (for input refused before anything starts). */
  static Outcome inProcess(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        GatewayDemo.execute(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * Waits up to {@code minutes} for the gateway {@code p} to exit and returns its exit code; kills
   * it and fails with its log if it does not.
   */
  static int awaitExit(Process p, Path log, int minutes) throws IOException, InterruptedException {
    if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError(
          "the demo did not exit within " + minutes + " minutes:\n" + Files.readString(log));
    }
    return p.exitValue();
  }

  /** Starts {@code GatewayDemo args} with stdout and stderr in {@code log}. */
  static Process start(Path log, List<String> args) throws IOException {
    return start(log, List.of(), args);
  }

  /** Starts {@code java jvmOptions GatewayDemo args} with stdout and stderr in {@code log}. */
  static Process start(Path log, List<String> jvmOptions, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.addAll(jvmOptions);
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

  /** The live view's periodic tables: left out of {@link #digest}. */
  static final Pattern LIVE_VIEW = Pattern.compile("^(t\\d+ |topic qos|gateway +\\d).*");

  /**
   * A gateway's log without its live view, so that a failure message shows the start-up lines,
   * errors and warnings, the bridge's {@code gateway:} lines and the summary.
   */
  static String digest(Path log) throws IOException {
    StringBuilder b = new StringBuilder(log.getFileName() + " without the live view:\n");
    Files.readString(log)
        .lines()
        .filter(l -> !l.isBlank() && !LIVE_VIEW.matcher(l).matches())
        .forEach(l -> b.append(l).append('\n'));
    return b.toString();
  }

  /** Prints the threads of a gateway (jcmd), for the test's output. */
  static void printThreadDump(Process gateway) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process dump =
        new ProcessBuilder(jcmd.toString(), Long.toString(gateway.pid()), "Thread.print")
            .redirectErrorStream(true)
            .start();
    String threads = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    dump.waitFor(30, TimeUnit.SECONDS);
    System.out.println("threads of the gateway:\n" + threads);
  }
}
