package io.chatapp.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A test peer on a plain (or TLS) {@link Socket} that speaks HTTP/1.1 and RFC 6455 by hand, as an
 * outsider would: it writes whatever bytes a test wants and reads answers with a deadline. Not
 * thread-safe; used by one test thread.
 */
public final class RawWebSocket implements AutoCloseable {
  static final int TIMEOUT_MS = 20_000;
  static final int OP_CONTINUATION = 0x0;
  static final int OP_TEXT = 0x1;
  static final int OP_BINARY = 0x2;
  static final int OP_CLOSE = 0x8;
  static final int OP_PING = 0x9;
  static final int OP_PONG = 0xA;
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  /** An HTTP answer: status, headers (names in lower case) and body. */
  record HttpAnswer(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** A WebSocket frame from the server. */
  record WsFrame(boolean fin, int opcode, byte[] payload) {
    /** The status code of a close frame, or -1 if it has none. */
    int closeStatus() {
      return payload.length >= 2 ? (payload[0] & 0xFF) << 8 | payload[1] & 0xFF : -1;
    }

    String closeReason() {
      return payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawWebSocket(int port) throws IOException {
    this(new Socket(), port);
  }

  /** Connects over TLS with a context that trusts the server's certificate. */
  RawWebSocket(int port, SSLContext tls) throws IOException {
    this(tls.getSocketFactory().createSocket(), port);
    ((SSLSocket) socket).startHandshake();
  }

  private RawWebSocket(Socket s, int port) throws IOException {
    socket = s;
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MS);
    socket.setSoTimeout(TIMEOUT_MS);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  void sendBytes(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void sendText(String s) throws IOException {
    sendBytes(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Sends a GET (or other method) request with no body; extra header lines end in CRLF. */
  HttpAnswer request(String method, String path, String extraHeaders) throws IOException {
    sendText(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + socket.getPort() + "\r\n" + extraHeaders + "\r\n");
    return readAnswer(method.equals("HEAD"));
  }

  /**
   * Asks for a WebSocket upgrade on {@code path}; checks the accept key when the answer is 101.
   *
   * @param extraHeaders header lines, each ending in CRLF (an Origin, say)
   */
  HttpAnswer upgrade(String path, String extraHeaders) throws IOException {
    byte[] nonce = new byte[16];
    ThreadLocalRandom.current().nextBytes(nonce);
    String key = Base64.getEncoder().encodeToString(nonce);
    sendText("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + socket.getPort() + "\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n");
    HttpAnswer answer = readAnswer(false);
    if (answer.status() == 101) {
      assertEquals(accept(key), answer.headers().get("sec-websocket-accept"), "Sec-WebSocket-Accept");
    }
    return answer;
  }

  /** Upgrades on /chat with no Origin, as a non-browser client, and checks the 101. */
  RawWebSocket open() throws IOException {
    HttpAnswer answer = upgrade("/chat", "");
    assertEquals(101, answer.status(), "upgrade answer: " + answer.text());
    return this;
  }

  /**
   * The Sec-WebSocket-Accept that answers a Sec-WebSocket-Key (RFC 6455 section 4.2.2).
   *
   * @param key the client's key
   * @return the server's answer to it
   */
  public static String accept(String key) {
    try {
      byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(sha1);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** Reads one HTTP answer; its body by Content-Length (none for HEAD, 101 and 304). */
  HttpAnswer readAnswer(boolean head) throws IOException {
    String statusLine = readLine();
    if (statusLine == null) {
      throw new AssertionError("the server closed the connection instead of answering");
    }
    String[] parts = statusLine.split(" ", 3);
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    int length = head || status == 101 || status == 304 ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
    return new HttpAnswer(status, headers, readExactly(length));
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = read();
      if (b < 0) {
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
      }
      if (b == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
  }

  /** Sends one masked frame, as a client must. */
  void sendFrame(boolean fin, int opcode, byte[] payload) throws IOException {
    sendBytes(frame(fin, opcode, payload, payload.length));
  }

  /** Sends a whole binary message holding {@code payload}. */
  void sendBinary(byte[] payload) throws IOException {
    sendFrame(true, OP_BINARY, payload);
  }

  /** Sends a binary message given as hex (spaces and {@code #} comments allowed, as PROTOCOL.md). */
  void sendBinaryHex(String hex) throws IOException {
    sendBinary(hex(hex));
  }

  /**
   * Encodes a masked client frame whose header announces {@code announced} payload bytes; only
   * {@code payload} follows it (a test may send the rest later, or never).
   */
  static byte[] frame(boolean fin, int opcode, byte[] payload, long announced) {
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write((fin ? 0x80 : 0) | opcode);
    if (announced <= 125) {
      f.write(0x80 | (int) announced);
    } else if (announced <= 0xFFFF) {
      f.write(0x80 | 126);
      f.write((int) (announced >> 8));
      f.write((int) announced);
    } else {
      f.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        f.write((int) (announced >> (8 * i)));
      }
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    f.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      f.write(payload[i] ^ mask[i & 3]);
    }
    return f.toByteArray();
  }

  /** Reads the next frame from the server, which must not be masked. */
  WsFrame readFrame() throws IOException {
    int b0 = read();
    if (b0 < 0) {
      throw new AssertionError("the server closed the connection instead of sending a frame");
    }
    int b1 = read();
    if ((b1 & 0x80) != 0) {
      throw new AssertionError("the server masked a frame");
    }
    long length = b1 & 0x7F;
    if (length == 126) {
      length = (read() << 8) | read();
    } else if (length == 127) {
      length = 0;
      for (int i = 0; i < 8; i++) {
        length = length << 8 | read();
      }
    }
    return new WsFrame((b0 & 0x80) != 0, b0 & 0x0F, readExactly((int) length));
  }

  /** Reads the next binary message, which must be one whole frame, and returns it as hex. */
  String readBinaryHex() throws IOException {
    WsFrame f = readFrame();
    assertEquals(OP_BINARY, f.opcode(), "opcode of " + f + " " + HexFormat.of().formatHex(f.payload()));
    assertEquals(true, f.fin(), "one frame per message");
    return HexFormat.of().formatHex(f.payload());
  }

  /** Reads frames up to the server's close frame, skipping binary ones, and returns it. */
  WsFrame readUntilClose() throws IOException {
    for (int i = 0; i < 1000; i++) {
      WsFrame f = readFrame();
      if (f.opcode() == OP_CLOSE) {
        return f;
      }
    }
    throw new AssertionError("no close frame in 1000 frames");
  }

  /** Checks that the server closes the TCP connection next, skipping nothing. */
  void expectEof() throws IOException {
    int b = read();
    if (b >= 0) {
      throw new AssertionError("expected the server to close the connection, got byte " + b);
    }
  }

  /** Reads until the server closes the connection; returns whether it did (rather than reset). */
  boolean drainToEof() throws IOException {
    byte[] buf = new byte[8192];
    try {
      while (in.read(buf) >= 0) {
        // discard
      }
      return true;
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server did not close the connection within " + TIMEOUT_MS + " ms", e);
    } catch (IOException e) {
      return false;
    }
  }

  private int read() throws IOException {
    try {
      return in.read();
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no answer within " + TIMEOUT_MS + " ms", e);
    }
  }

  private byte[] readExactly(int n) throws IOException {
    byte[] b = new byte[n];
    int have = 0;
    while (have < n) {
      int r;
      try {
        r = in.read(b, have, n - have);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no answer within " + TIMEOUT_MS + " ms", e);
      }
      if (r < 0) {
        throw new AssertionError("the server closed the connection after " + have + " of " + n + " bytes");
      }
      have += r;
    }
    return b;
  }

  /** Parses hex as PROTOCOL.md writes it: pairs of digits, spaces, {@code #} comments to the end of a line. */
  static byte[] hex(String text) {
    StringBuilder digits = new StringBuilder();
    for (String line : text.split("\n")) {
      int hash = line.indexOf('#');
      digits.append((hash < 0 ? line : line.substring(0, hash)).replaceAll("\\s", ""));
    }
    return HexFormat.of().parseHex(digits.toString());
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
