package io.chatapp.examples.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback that forwards every connection to a server and counts the bytes in
 * each direction, so that both transports are measured the same way, on the wire.
 *
 * <p>Thread-safe. One acceptor thread, and two pump threads per relayed connection: meant for a
 * benchmark's few dozen connections, not for thousands.
 */
public final class ByteCountingRelay implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final AtomicLong clientToServer = new AtomicLong();
  private final AtomicLong serverToClient = new AtomicLong();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  /**
   * Starts relaying from a new loopback port to {@code target}.
   *
   * @param target the server's address
   * @throws IOException if the port cannot be opened
   */
  public ByteCountingRelay(InetSocketAddress target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "relay-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Returns the loopback port clients connect to. */
  public int port() {
    return listener.getLocalPort();
  }

  /** Returns the bytes sent by clients so far. */
  public long clientToServerBytes() {
    return clientToServer.get();
  }

  /** Returns the bytes sent by the server so far. */
  public long serverToClientBytes() {
    return serverToClient.get();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket();
        server.connect(target, 5000);
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(server);
        pump(client, server, clientToServer);
        pump(server, client, serverToClient);
      } catch (IOException e) {
        if (!closed) {
          System.getLogger(ByteCountingRelay.class.getName()).log(System.Logger.Level.WARNING, "relay accept failed", e);
        }
      }
    }
  }

  private static void pump(Socket from, Socket to, AtomicLong counter) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          out.write(buffer, 0, n);
          counter.addAndGet(n);
        }
      } catch (IOException e) {
        // One side closed: the other pump sees it too.
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "relay-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    sockets.forEach(ByteCountingRelay::closeQuietly);
  }
}
