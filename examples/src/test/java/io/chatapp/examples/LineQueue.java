package io.chatapp.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A standard output that hands each printed line to a test as it is printed.
 *
 * <p>Thread-safe: the client under test writes from its threads, the test reads.
 */
final class LineQueue {
  private static final long TIMEOUT_SECONDS = 30;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>(); // only the test thread
  private final PrintStream stream = new PrintStream(new OutputStream() {
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(); // guarded by this

    @Override
    public synchronized void write(int b) {
      if (b == '\n') {
        lines.add(line.toString(UTF_8).replace("\r", ""));
        line.reset();
      } else {
        line.write(b);
      }
    }
  }, true, UTF_8);

  PrintStream stream() {
    return stream;
  }

  /** Waits for a line containing {@code text}, skipping others; returns it. */
  String expect(String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (true) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError("no line containing \"" + text + "\"; saw " + seen);
      }
      seen.add(line);
      if (line.contains(text)) {
        return line;
      }
    }
  }

  /** Every line read by {@link #expect} so far. */
  List<String> seen() {
    return List.copyOf(seen);
  }
}
