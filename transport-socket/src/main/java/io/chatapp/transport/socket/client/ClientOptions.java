package io.chatapp.transport.socket.client;

import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How a client connects and reconnects, checked by {@code SocketChatClient.Builder}. Immutable.
 *
 * @param host the server's host
 * @param port the server's port
 * @param callTimeoutMillis how long a call waits for its answer
 * @param connectTimeoutMillis how long connecting and the handshake may take
 * @param maxFrameBytes the largest frame accepted from the server
 * @param reconnect whether the client reconnects by itself after losing the connection
 * @param initialBackoffMillis the pause before the first reconnect attempt, before jitter
 * @param maxBackoffMillis the longest pause between attempts, before jitter
 * @param waitForConnection whether a call made while disconnected waits (up to the call timeout)
 *     for the reconnect instead of failing at once
 * @param sslContext the TLS context that trusts the server, or {@code null} for plain TCP
 */
public record ClientOptions(
    String host,
    int port,
    long callTimeoutMillis,
    long connectTimeoutMillis,
    int maxFrameBytes,
    boolean reconnect,
    long initialBackoffMillis,
    long maxBackoffMillis,
    boolean waitForConnection,
    SSLContext sslContext) {
  /** Checks the references and the backoff. */
  public ClientOptions {
    Objects.requireNonNull(host, "host");
    if (initialBackoffMillis < 1 || maxBackoffMillis < initialBackoffMillis) {
      throw new IllegalArgumentException("backoff must be 1 ms <= initial <= max, was " + initialBackoffMillis
          + " ms and " + maxBackoffMillis + " ms");
    }
  }

  /**
   * Returns {@code host:port}, for messages.
   *
   * @return the server's address
   */
  public String peer() {
    return host + ":" + port;
  }

  /**
   * Returns the pause before a reconnect attempt: exponential in the failures so far, capped,
   * with "equal jitter" (a random point in the upper half) so that clients dropped together by
   * a server restart do not all come back at the same instant.
   *
   * @param failures attempts that failed since the connection was lost
   * @param random a number in [0, 1)
   * @return the pause in milliseconds, at least 1
   */
  long backoffMillis(int failures, double random) {
    long ceiling = initialBackoffMillis << Math.min(failures, 30);
    if (ceiling <= 0 || ceiling > maxBackoffMillis) {
      ceiling = maxBackoffMillis;
    }
    long half = ceiling / 2;
    return Math.max(1, ceiling - half + (long) (random * (half + 1)));
  }
}
