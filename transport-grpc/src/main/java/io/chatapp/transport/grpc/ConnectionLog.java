package io.chatapp.transport.grpc;

import java.net.InetAddress;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * What a {@link GrpcChatServer} logs about connections that break a per-connection limit: one
 * line per connection, without a stack trace (the condition is expected, not a bug), and at most
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
    LOG.log(System.Logger.Level.WARNING, "a connection from " + (remote == null ? "an unknown address" : remote.getHostAddress())
        + " opened more than " + maxConcurrentCallsPerConnection + " calls at once, the limit per connection;"
        + " its extra streams are refused (REFUSED_STREAM) and not logged again"
        + (skipped > 0 ? " (" + skipped + " more connections did the same, not logged)" : ""));
  }
}
