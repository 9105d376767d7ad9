package io.chatapp.transport.socket;

import io.chatapp.transport.socket.client.ClientIoLoops;
import java.util.concurrent.TimeUnit;

/**
 * Threads that many {@link SocketChatClient}s share for their connections, instead of a reader
 * and a writer thread of each connection's own: for an application that holds many connections
 * in one JVM (a gateway, a bot host, a load generator). Each thread serves its connections with
 * one selector: it reads whatever any of them received in one wake-up, and writes what their
 * callers could not write at once.
 *
 * <pre>{@code
 * try (SocketIoGroup io = SocketIoGroup.create(1)) {
 *   ChatClient alice = SocketChatClient.builder().port(7070).ioGroup(io).build();
 *   ChatClient bob = SocketChatClient.builder().port(7070).ioGroup(io).build();
 *   ...
 * }
 * }</pre>
 *
 * <p>The price of sharing: whatever runs on a group's thread delays every connection on it. That
 * is where answers complete, and so where callbacks chained to a client's futures run, and the
 * listener too with {@code callbackExecutor(Runnable::run)}: keep them short and non-blocking, or
 * hand the work to a thread of your own. With the default callback executor the listener runs on
 * each client's own listener thread, as without a group. Plain TCP only: a client with
 * {@link SocketChatClient.Builder#trustedCertificates TLS} cannot use a group.
 *
 * <p>Closing the group stops its threads: the connections still on them are lost, and their
 * clients' attempts to reconnect fail with {@code UNAVAILABLE} until they are closed. Close the
 * clients first.
 *
 * <p>Thread-safe.
 */
public final class SocketIoGroup implements AutoCloseable {
  /** The most threads a group may have. */
  public static final int MAX_THREADS = 256;

  private final ClientIoLoops loops;

  private SocketIoGroup(int threads) {
    this.loops = new ClientIoLoops(threads, "chatapp-socket-client-io");
  }

  /**
   * Starts a group; its threads are daemons named {@code chatapp-socket-client-io-N}.
   *
   * @param threads how many; new connections take them in turn. One serves tens of thousands
   *     of messages a second; more than the machine's cores gains nothing
   * @return the group
   * @throws IllegalArgumentException if {@code threads} is not 1 to {@value #MAX_THREADS}
   */
  public static SocketIoGroup create(int threads) {
    if (threads < 1 || threads > MAX_THREADS) {
      throw new IllegalArgumentException("threads must be 1 to " + MAX_THREADS + ", was " + threads);
    }
    return new SocketIoGroup(threads);
  }

  /** Stops the threads without waiting; the connections still on them are lost. Idempotent. */
  @Override
  public void close() {
    loops.close();
  }

  /**
   * Waits for the threads to end after {@link #close}.
   *
   * @param timeout how long to wait
   * @param unit its unit
   * @return {@code true} if every thread ended
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return loops.awaitTermination(timeout, unit);
  }

  ClientIoLoops loops() {
    return loops;
  }
}
