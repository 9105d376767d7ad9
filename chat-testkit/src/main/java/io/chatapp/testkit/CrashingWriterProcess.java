package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link CrashingWriter} in a JVM of its own, started with this JVM's {@code java} and class
 * path, and the lines it printed. Not thread-safe: one test thread calls it; a reader thread of
 * its own only hands complete lines over through a queue.
 */
final class CrashingWriterProcess {
  /** Stands for the end of the writer's output in the queue. */
  private static final String END = new String("end of output");
  private static final long TIMEOUT_SECONDS = ChatStoreDurabilityContract.TIMEOUT_SECONDS;

  private final Process process;
  private final Path log;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Thread reader;
  private boolean killed;

  private CrashingWriterProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
    this.reader = new Thread(this::readLines, "crashing-writer-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts a writer that opens its store through {@code contract} at {@code location}; its
   * standard error goes to {@code log}.
   */
  static CrashingWriterProcess start(Class<?> contract, String location, String mode, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        // A short-lived JVM: start fast and small.
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m"));
    String logging = System.getProperty("java.util.logging.config.file");
    if (logging != null) {
      command.add("-Djava.util.logging.config.file=" + logging);
    }
    command.addAll(List.of(CrashingWriter.class.getName(), contract.getName(), location, mode));
    Files.createDirectories(log.getParent());
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return new CrashingWriterProcess(builder.start(), log);
  }

  /**
   * Takes the next line the writer printed, waiting for it at most the contract's timeout.
   *
   * @param expected what the line should be, for the failure message
   */
  String awaitLine(String expected) throws InterruptedException {
    String line = lines.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (line == null || line == END) {
      if (line == END) {
        lines.add(END);
      }
      fail("the writer printed no " + expected + (line == null ? " within " + TIMEOUT_SECONDS + " s" : " before it exited")
          + "\n" + log());
    }
    return line;
  }

  /**
   * Kills the writer (SIGKILL on Unix) and waits until it is gone. Calling it again does nothing.
   *
   * @return the complete lines the writer printed before it died that no one took yet
   */
  List<String> kill() throws InterruptedException {
    if (killed) {
      return List.of();
    }
    killed = true;
    process.destroyForcibly();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      fail("the writer survived destroyForcibly() for " + TIMEOUT_SECONDS + " s");
    }
    reader.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
    List<String> rest = new ArrayList<>();
    lines.drainTo(rest);
    rest.remove(END);
    return rest;
  }

  /** The end of what the writer wrote to standard error. */
  String log() {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      return "writer's standard error (" + log + "):\n" + text.substring(Math.max(0, text.length() - 4000));
    } catch (IOException e) {
      return "no writer log at " + log + ": " + e;
    }
  }

  /**
   * Hands over each complete line; a last line that the kill cut short has no line feed and is
   * dropped, since the writer never finished telling of it.
   */
  private void readLines() {
    StringBuilder line = new StringBuilder();
    try (InputStream in = process.getInputStream()) {
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        for (int i = 0; i < n; i++) {
          if (buffer[i] == '\n') {
            lines.add(line.toString());
            line.setLength(0);
          } else {
            line.append((char) (buffer[i] & 0xff)); // the writer prints ASCII only
          }
        }
      }
    } catch (IOException e) {
      // the pipe broke as the process died: the same as the end of its output
    } finally {
      lines.add(END);
    }
  }
}
