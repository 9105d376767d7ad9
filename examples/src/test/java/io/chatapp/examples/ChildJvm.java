package io.chatapp.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reference app in a JVM of its own, on the test's class path, whose output lines are collected
 * in a queue by a reader thread. The test destroys it (forcibly: SIGKILL) when done.
 */
final class ChildJvm {
  static final long TIMEOUT_SECONDS = 30;

  final Process process;
  final PrintWriter in;
  final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  final List<String> seen = new ArrayList<>();

  ChildJvm(Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    process = new ProcessBuilder(command).redirectErrorStream(true).start();
    in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "output-of-" + main.getSimpleName());
    reader.setDaemon(true);
    reader.start();
  }

  void type(String line) {
    in.println(line);
  }

  /** Waits for a line containing {@code text}, skipping others; returns it. */
  String expect(String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null) {
        break;
      }
      seen.add(line);
      if (line.contains(text)) {
        return line;
      }
    }
    throw new AssertionError("no line containing \"" + text + "\"; saw " + seen);
  }

  /** Waits for the line saying where {@code transport} listens and returns the port. */
  int port(String transport) throws InterruptedException {
    String line = expect(transport + " listening on");
    Matcher m = Pattern.compile(":(\\d+) ").matcher(line);
    if (!m.find()) {
      throw new AssertionError("no port in \"" + line + "\"");
    }
    return Integer.parseInt(m.group(1));
  }
}
