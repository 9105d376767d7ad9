package io.chatapp.transport.websocket.client;

import io.chatapp.transport.socket.client.ClientCarrier;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The socket protocol's frames over a JDK {@link WebSocket}: one binary message per frame out; in,
 * the payloads of binary messages (whole or in parts) are handed to the reader as one stream, in
 * order, so that the one decoder of the socket connection reads them.
 *
 * <p>Flow control: the WebSocket delivers a message (or part) only when one is requested, and
 * this carrier requests the next only while less than {@value #HELD_BYTES} bytes wait for the
 * reader. A reader that stops reading (delivery paused) so stops the WebSocket reading its TCP
 * connection, and TCP's flow control holds the server's pushes back, as on the socket transport.
 *
 * <p>A text message from the server breaks the protocol and ends the connection; a close from the
 * server ends it with the server's status and reason.
 *
 * <p>The JDK's WebSocket (17 at least) loses the end of a connection that it reads while nothing
 * is requested: its receiver counts the end as a delivery, finds no request to count it against,
 * and stops with an {@code InternalError} that reaches no listener, so neither {@code onClose}
 * nor {@code onError} ever comes and the connection would wait for ever. That can only happen
 * while this carrier holds back, so once it requests again it watches: if nothing at all arrives
 * within {@value #PROBE_MILLIS} ms it sends a ping, which a live server answers, and if nothing
 * arrives within as long again the connection is over.
 *
 * <p>Threads: the WebSocket's listener methods run on the HTTP client's selector thread (or on a
 * thread that calls {@link WebSocket#request}), one at a time, and must not block;
 * {@link #read} on the connection's reader thread, {@link #write} on its writer thread (and the
 * opening thread for the HELLO), {@link #close} on any thread. Thread-safe.
 */
final class WebSocketCarrier implements ClientCarrier, WebSocket.Listener {
  /** Received bytes that may wait for the reader before no more are requested. */
  static final int HELD_BYTES = 64 * 1024;
  /** How long a request made after holding back may go unanswered before a ping asks whether the server is there. */
  static final int PROBE_MILLIS = 3000;
  /** Longest part of a close reason or an error kept for a message. */
  private static final int MAX_REASON_CHARS = 200;
  private static final ByteBuffer NO_BYTES = ByteBuffer.allocate(0);

  private final String peer;
  private final long probeNanos;
  private volatile WebSocket webSocket; // set by onOpen or opened, whichever comes first

  private final Object lock = new Object();
  private final ArrayDeque<ByteBuffer> received = new ArrayDeque<>(); // guarded by lock
  private int heldBytes; // guarded by lock
  private int requested; // guarded by lock; receive calls requested and not yet made
  private IOException ended; // guarded by lock; why no more will arrive, once known
  private boolean closed; // guarded by lock
  private String closeReason = ""; // guarded by lock
  // When the request made after holding back was made, or the ping after it sent; 0 once
  // anything arrived since. Written under lock; volatile so that a read checks it without.
  private volatile long silentSinceNanos;
  private boolean probed; // guarded by lock; the ping for the current silence was sent

  /**
   * Creates a carrier for one WebSocket, not yet open.
   *
   * @param peer the server's URI, for messages
   */
  WebSocketCarrier(String peer) {
    this(peer, PROBE_MILLIS);
  }

  /** A carrier whose silence after holding back is probed after {@code probeMillis}; for tests. */
  WebSocketCarrier(String peer, long probeMillis) {
    this.peer = peer;
    this.probeNanos = TimeUnit.MILLISECONDS.toNanos(probeMillis);
  }

  // ---- The WebSocket's side: the HTTP client's threads. ----

  /**
   * Takes the WebSocket the opening completed with: the HTTP client may call {@link #onOpen}
   * after that, and the HELLO is written before. Opening thread.
   */
  void opened(WebSocket ws) {
    webSocket = ws;
  }

  @Override
  public void onOpen(WebSocket ws) {
    webSocket = ws;
    synchronized (lock) {
      requested = 1;
    }
    ws.request(1);
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
    int n = data.remaining();
    ByteBuffer copy = ByteBuffer.allocate(n);
    copy.put(data).flip();
    boolean more;
    synchronized (lock) {
      requested--;
      silentSinceNanos = 0;
      if (n > 0) {
        received.add(copy);
        heldBytes += n;
        lock.notifyAll();
      }
      more = wantMore();
    }
    if (more) {
      ws.request(1);
    }
    return null; // the bytes were copied: the WebSocket may reuse its buffer
  }

  @Override
  public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
    heard();
    ws.request(1); // the pong took the request made for a message: make it again
    return null;
  }

  @Override
  public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
    heard(); // the WebSocket answers it by itself
    ws.request(1);
    return null;
  }

  private void heard() {
    synchronized (lock) {
      silentSinceNanos = 0;
    }
  }

  @Override
  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
    synchronized (lock) {
      // The connection closes the carrier once it reads the failure: the close says why.
      closeReason = "binary messages only";
    }
    end(new ProtocolException("a text message came; the protocol's frames travel in binary WebSocket messages"
        + " only"));
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
    String why = reason == null || reason.isEmpty() ? "" : ": " + printable(reason);
    end(new EOFException("server closed the WebSocket with status " + statusCode + why));
    return null; // the WebSocket answers the close at once
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    end(error instanceof IOException io && io.getMessage() != null
        ? new IOException(printable(io.getMessage()), io)
        : new IOException("WebSocket failed: " + printable(String.valueOf(error)), error));
  }

  /** Whether to request another receive call; called under lock, counts it as requested. */
  private boolean wantMore() {
    if (requested == 0 && heldBytes < HELD_BYTES && ended == null && !closed) {
      requested = 1;
      return true;
    }
    return false;
  }

  private void end(IOException why) {
    synchronized (lock) {
      if (ended == null) {
        ended = why;
      }
      lock.notifyAll();
    }
  }

  // ---- The connection's side. ----

  @Override
  public int read(ByteBuffer into, int timeoutMillis) throws IOException {
    if (silentSinceNanos != 0 && probeDue()) {
      ping();
    }
    int n = 0;
    boolean more;
    synchronized (lock) {
      long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
      while (received.isEmpty() && ended == null && !closed) {
        long leftNanos = deadlineNanos - System.nanoTime();
        if (leftNanos <= 0) {
          return 0;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, leftNanos);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while reading from " + peer);
        }
      }
      // What arrived before the end is read first: the server's last ERROR, say.
      while (into.hasRemaining() && !received.isEmpty()) {
        ByteBuffer head = received.peek();
        int take = Math.min(into.remaining(), head.remaining());
        into.put(into.position(), head, head.position(), take);
        into.position(into.position() + take);
        head.position(head.position() + take);
        if (!head.hasRemaining()) {
          received.poll();
        }
        n += take;
      }
      heldBytes -= n;
      if (n == 0) {
        throw ended != null ? ended : new EOFException("the WebSocket to " + peer + " is closed");
      }
      more = wantMore();
      if (more) {
        // Only the reader requests after a hold: watch that something answers.
        silentSinceNanos = System.nanoTime();
        probed = false;
      }
    }
    if (more) {
      webSocket.request(1);
    }
    return n;
  }

  /**
   * Whether the silence since the request made after a hold calls for a ping now; once the ping
   * went unanswered as long, ends the connection instead. Reader thread.
   */
  private boolean probeDue() {
    synchronized (lock) {
      long now = System.nanoTime();
      if (silentSinceNanos == 0 || !received.isEmpty() || ended != null || closed || now - silentSinceNanos < probeNanos) {
        return false;
      }
      if (probed) {
        ended = new EOFException("the WebSocket to " + peer + " went silent: nothing came, not even the answer to a"
            + " ping, within " + TimeUnit.NANOSECONDS.toMillis(2 * probeNanos) + " ms of asking for more");
        return false;
      }
      probed = true;
      silentSinceNanos = now;
      return true;
    }
  }

  /** Returns the received bytes that wait for the reader; for tests. */
  int heldBytes() {
    synchronized (lock) {
      return heldBytes;
    }
  }

  /** Asks the server for a pong; a failed send ends the connection. Reader thread, not under lock. */
  private void ping() {
    try {
      webSocket.sendPing(NO_BYTES.duplicate()).whenComplete((w, e) -> {
        if (e != null) {
          end(new IOException("the WebSocket to " + peer + " failed: " + printable(String.valueOf(e.getMessage()))));
        }
      });
    } catch (IllegalStateException e) {
      // A ping is on its way already: its answer will do.
    }
  }

  @Override
  public void write(byte[] bytes, int[] frameEnds, int frameCount) throws IOException {
    WebSocket ws = webSocket;
    int start = 0;
    for (int i = 0; i < frameCount; i++) {
      int end = frameEnds[i];
      try {
        // One send at a time (the WebSocket allows no more), and the bytes are reused after it.
        ws.sendBinary(ByteBuffer.wrap(bytes, start, end - start), true).get();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        throw new IOException("sending to " + peer + " failed: " + cause, cause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while sending to " + peer);
      }
      start = end;
    }
  }

  /**
   * Sends a close (1000, with a reason after a text message: the JDK's WebSocket sends no other
   * status) and then drops the connection, without waiting. Idempotent.
   */
  @Override
  public void close() {
    String reason;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      reason = closeReason;
      received.clear();
      heldBytes = 0;
      lock.notifyAll();
    }
    WebSocket ws = webSocket;
    if (ws != null) {
      // The close goes out unless a send is under way (then it fails at once); either way the
      // TCP connection ends then, as the server need not answer it.
      ws.sendClose(WebSocket.NORMAL_CLOSURE, reason).whenComplete((w, e) -> ws.abort());
    }
  }

  /** Keeps what a server wrote into a reason or error short and free of control characters. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_REASON_CHARS));
    for (int i = 0; i < s.length() && b.length() < MAX_REASON_CHARS; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    return b.toString();
  }
}
