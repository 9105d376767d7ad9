package io.chatapp.transport.grpc;

import java.net.InetAddress;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * What a {@link GrpcChatServer} logs about connections that break a per-connection limit or the
 * protocol: one line per connection and event, without a stack trace (the condition is expected, not a bug), and at most
 * {@link #MAX_RECORDS_PER_WINDOW} lines per {@link #WINDOW} for the whole server, so that a
 * stranger opening connection after connection cannot fill the log either. Lines left out are
 * counted and the count goes with the next line written.
 *
 * <p>Thread-safe; any event loop calls it; the window is guarded by {@code lock}.
 */
final class ConnectionLog {
  /** Most lines written per window. */
  static final int MAX_RECORDS_PER_WINDOW = 10;
  /** The window. */
  static final Duration WINDOW = Duration.ofMinutes(1);
  /** Most characters of an error message quoted in a line. */
  static final int MAX_QUOTED_CHARS = 200;

  private static final System.Logger LOG = System.getLogger(ConnectionLog.class.getName());

  private final int maxConcurrentCallsPerConnection;
  private final LongSupplier nanoTime;
  private final Object lock = new Object();
  private long windowStartNanos; // guarded by lock
  private int writtenInWindow; // guarded by lock
  private long leftOut; // guarded by lock

  /**
   * Creates the log of one server.
   *
   * @param maxConcurrentCallsPerConnection the limit, named in each line
   * @param nanoTime the clock of the window, {@code System::nanoTime} in production
   */
  ConnectionLog(int maxConcurrentCallsPerConnection, LongSupplier nanoTime) {
    this.maxConcurrentCallsPerConnection = maxConcurrentCallsPerConnection;
    this.nanoTime = nanoTime;
    this.windowStartNanos = nanoTime.getAsLong();
  }

  /**
   * Logs that a connection opened a stream beyond the concurrent-call limit, which HTTP/2 refused;
   * called once per connection.
   *
   * @param remote the peer's address, or {@code null} if unknown
   */
  void firstStreamRefused(InetAddress remote) {
    write(System.Logger.Level.WARNING, remote, "opened more than " + maxConcurrentCallsPerConnection
        + " calls at once, the limit per connection; its extra streams are refused (REFUSED_STREAM)"
        + " and not logged again");
  }

  /**
   * Logs that a connection ended in an error, such as a protocol violation or too many stream
   * resets.
   *
   * @param remote the peer's address, or {@code null} if unknown
   * @param failure what ended it; its message may quote the client's bytes and is escaped
   */
  void connectionFailed(InetAddress remote, Throwable failure) {
    String message = failure.getMessage() == null ? "" : failure.getMessage();
    if (message.length() > MAX_QUOTED_CHARS) {
      message = message.substring(0, MAX_QUOTED_CHARS) + "...";
    }
    // INFO, as gRPC itself: scanners and broken clients send such bytes all day.
    write(System.Logger.Level.INFO, remote,
        "was closed after an error: " + failure.getClass().getSimpleName() + ": " + printable(message));
  }

  private void write(System.Logger.Level level, InetAddress remote, String what) {
    long skipped;
    synchronized (lock) {
      long now = nanoTime.getAsLong();
      if (now - windowStartNanos >= WINDOW.toNanos()) {
        windowStartNanos = now;
        writtenInWindow = 0;
      }
      if (writtenInWindow >= MAX_RECORDS_PER_WINDOW) {
        leftOut++;
        return;
      }
      writtenInWindow++;
      skipped = leftOut;
      leftOut = 0;
    }
    LOG.log(level, "a connection from "
        + (remote == null ? "an unknown address" : remote.getHostAddress()) + " " + what
        + (skipped > 0 ? " (" + skipped + " more lines about connections were left out)" : ""));
  }

  /** Escapes control, format (such as right-to-left override) and unassigned characters. */
  static String printable(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      int type = Character.getType(c);
      if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.UNASSIGNED
          || type == Character.SURROGATE || type == Character.PRIVATE_USE) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
