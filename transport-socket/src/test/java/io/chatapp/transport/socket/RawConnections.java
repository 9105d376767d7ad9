package io.chatapp.transport.socket;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The raw connections a test opened, in order, closed together when it ends. Not thread-safe;
 * used by one test thread.
 */
final class RawConnections implements Iterable<RawConnection>, AutoCloseable {
  private final List<RawConnection> opened = new ArrayList<>();

  /** Connects to the server on {@code port} and completes the HELLO handshake. */
  RawConnection handshaken(int port) throws IOException {
    RawConnection r = new RawConnection(port);
    opened.add(r);
    r.handshake();
    return r;
  }

  @Override
  public Iterator<RawConnection> iterator() {
    return opened.iterator();
  }

  @Override
  public void close() throws IOException {
    for (RawConnection r : opened) {
      r.close();
    }
    opened.clear();
  }
}
