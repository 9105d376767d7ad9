package io.chatapp.transport.websocket.client;

import io.chatapp.transport.websocket.RawWebSocket;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * A WebSocket server of the test's own on a plain {@link ServerSocket} (TLS optional) on 127.0.0.1 port 0, that
 * the test drives step by step: accept, answer the upgrade, read each message the client sends as
 * it was framed on the wire, send binary, text or close messages. It proves what the client puts
 * on the wire without trusting a WebSocket library to reassemble it. Reads time out after 20 s.
 *
 * <p>Not thread-safe; one test thread drives it.
 */
final class TinyWebSocketServer implements AutoCloseable {
  private static final int TIMEOUT_MS = 20_000;
  static final int BINARY = 2;
  static final int TEXT = 1;
  static final int CLOSE = 8;
  static final int PING = 9;
  static final int PONG = 10;

  private final ServerSocket server;

  TinyWebSocketServer() throws IOException {
    this(null);
  }

  /** A server with TLS if {@code tls} is not {@code null}. */
  TinyWebSocketServer(SSLContext tls) throws IOException {
    server = tls == null ? new ServerSocket(0, 50, InetAddress.getLoopbackAddress())
        : tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    server.setSoTimeout(TIMEOUT_MS);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Accepts the next connection and reads its upgrade request. */
  Peer accept() throws IOException {
    Socket s = server.accept();
    s.setSoTimeout(TIMEOUT_MS);
    return new Peer(s);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  /** One message as it came: its opcode and payload (unmasked; fragments joined). */
  record Received(int opcode, byte[] payload, int fragments) {}

  /** One accepted connection. */
  static final class Peer implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    /** The upgrade request's headers, names in lower case. */
    final Map<String, String> headers = new LinkedHashMap<>();
    final String requestLine;

    Peer(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new DataInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
      this.requestLine = line();
      for (String l = line(); !l.isEmpty(); l = line()) {
        int colon = l.indexOf(':');
        headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
      }
    }

    private String line() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new IOException("connection ended in the upgrade request");
        }
        if (c != '\r') {
          b.write(c);
        }
      }
      return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Answers the upgrade with 101. */
    void acceptUpgrade() throws IOException {
      String accept = RawWebSocket.accept(headers.get("sec-websocket-key"));
      out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    /** Answers the upgrade with an HTTP error. */
    void refuseUpgrade(int status, String text) throws IOException {
      byte[] body = text.getBytes(StandardCharsets.UTF_8);
      out.write(("HTTP/1.1 " + status + " Refused\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
    }

    /** Reads the next message the client sent, checking it is masked as a client's must be. */
    Received next() throws IOException {
      ByteArrayOutputStream payload = new ByteArrayOutputStream();
      int opcode = -1;
      int fragments = 0;
      while (true) {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        if ((b1 & 0x80) == 0) {
          throw new IOException("client frame not masked");
        }
        long len = b1 & 0x7F;
        if (len == 126) {
          len = in.readUnsignedShort();
        } else if (len == 127) {
          len = in.readLong();
        }
        byte[] mask = in.readNBytes(4);
        byte[] data = in.readNBytes((int) len);
        for (int i = 0; i < data.length; i++) {
          data[i] ^= mask[i & 3];
        }
        int op = b0 & 0x0F;
        if (op >= 8) {
          return new Received(op, data, 1); // control frames are never fragmented
        }
        if (op != 0) {
          opcode = op;
        }
        fragments++;
        payload.write(data);
        if ((b0 & 0x80) != 0) {
          return new Received(opcode, payload.toByteArray(), fragments);
        }
      }
    }

    /** Sends one frame, unmasked, as a server does. */
    void sendFrame(boolean fin, int opcode, byte[] payload) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.write((fin ? 0x80 : 0) | opcode);
      if (payload.length < 126) {
        b.write(payload.length);
      } else if (payload.length < 65536) {
        b.write(126);
        b.write(payload.length >>> 8);
        b.write(payload.length);
      } else {
        b.write(127);
        for (int shift = 56; shift >= 0; shift -= 8) {
          b.write((int) ((long) payload.length >>> shift));
        }
      }
      b.write(payload);
      out.write(b.toByteArray());
      out.flush();
    }

    void sendBinary(byte[] payload) throws IOException {
      sendFrame(true, BINARY, payload);
    }

    void sendText(String text) throws IOException {
      sendFrame(true, TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    void sendClose(int status, String reason) throws IOException {
      byte[] r = reason.getBytes(StandardCharsets.UTF_8);
      byte[] p = new byte[2 + r.length];
      p[0] = (byte) (status >>> 8);
      p[1] = (byte) status;
      System.arraycopy(r, 0, p, 2, r.length);
      sendFrame(true, CLOSE, p);
    }

    /** Whether the client ended the TCP connection (after anything it still sends). */
    boolean readsToEnd() throws IOException {
      InputStream s = socket.getInputStream();
      while (s.read() >= 0) {
        // drain the client's last frames, a close among them
      }
      return true;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
