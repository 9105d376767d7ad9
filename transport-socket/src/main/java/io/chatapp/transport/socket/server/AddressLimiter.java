package io.chatapp.transport.socket.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts the open connections of each remote IP address against a limit, so that one host cannot
 * take all of the server's connections.
 *
 * <p>Thread-safe: the accepting loop thread acquires, any loop thread releases; the counts are
 * guarded by {@code lock}.
 */
final class AddressLimiter {
  private final int maxPerAddress;
  private final Object lock = new Object();
  private final Map<InetAddress, Integer> open = new HashMap<>(); // guarded by lock

  AddressLimiter(int maxPerAddress) {
    this.maxPerAddress = maxPerAddress;
  }

  /**
   * Counts a new connection from an address, unless the address is at its limit.
   *
   * @param remote the peer's address; {@code null} (unknown) is not counted and always allowed
   * @return {@code false} if the address already has its maximum of connections
   */
  boolean tryAcquire(SocketAddress remote) {
    InetAddress a = addressOf(remote);
    if (a == null) {
      return true;
    }
    synchronized (lock) {
      int n = open.getOrDefault(a, 0);
      if (n >= maxPerAddress) {
        return false;
      }
      open.put(a, n + 1);
      return true;
    }
  }

  /**
   * Uncounts a closed connection acquired with {@link #tryAcquire}.
   *
   * @param remote the peer's address, as given to {@code tryAcquire}
   */
  void release(SocketAddress remote) {
    InetAddress a = addressOf(remote);
    if (a == null) {
      return;
    }
    synchronized (lock) {
      open.computeIfPresent(a, (k, n) -> n > 1 ? n - 1 : null);
    }
  }

  private static InetAddress addressOf(SocketAddress remote) {
    return remote instanceof InetSocketAddress isa ? isa.getAddress() : null;
  }
}
