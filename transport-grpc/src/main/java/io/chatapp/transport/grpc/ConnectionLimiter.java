package io.chatapp.transport.grpc;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts a server's open connections, in total and per remote IP address, against their limits,
 * so that one host cannot take all of the server's connections and no number of hosts can take
 * more than the server can hold. The same limits, and defaults, as the socket transport's.
 *
 * <p>Thread-safe: the accepting event loop acquires, any event loop releases; the counts are
 * guarded by {@code lock}. The map holds only addresses with a connection open, so it is bounded
 * by the total limit.
 */
final class ConnectionLimiter {
  private final int maxConnections;
  private final int maxPerAddress;
  private final Object lock = new Object();
  private final Map<InetAddress, Integer> perAddress = new HashMap<>(); // guarded by lock
  private int total; // guarded by lock

  ConnectionLimiter(int maxConnections, int maxPerAddress) {
    if (maxConnections < 1 || maxPerAddress < 1) {
      throw new IllegalArgumentException("limits must be at least 1, were " + maxConnections + " and " + maxPerAddress);
    }
    this.maxConnections = maxConnections;
    this.maxPerAddress = maxPerAddress;
  }

  /**
   * Counts a new connection, unless a limit is reached.
   *
   * @param remote the peer's IP address; {@code null} (unknown) counts only against the total
   * @return {@code null} if the connection is counted, else why it is refused
   */
  String tryAcquire(InetAddress remote) {
    synchronized (lock) {
      if (total >= maxConnections) {
        return "the server has reached its limit of " + maxConnections + " connections";
      }
      if (remote != null) {
        int n = perAddress.getOrDefault(remote, 0);
        if (n >= maxPerAddress) {
          return "the server has reached its limit of " + maxPerAddress + " connections from one address";
        }
        perAddress.put(remote, n + 1);
      }
      total++;
      return null;
    }
  }

  /**
   * Uncounts a closed connection that {@link #tryAcquire} counted; call it once per connection.
   *
   * @param remote the address given to {@code tryAcquire}
   */
  void release(InetAddress remote) {
    synchronized (lock) {
      total--;
      if (remote != null) {
        perAddress.computeIfPresent(remote, (k, n) -> n > 1 ? n - 1 : null);
      }
    }
  }

  /**
   * Returns the connections counted now, for tests.
   *
   * @return the total
   */
  int open() {
    synchronized (lock) {
      return total;
    }
  }
}
