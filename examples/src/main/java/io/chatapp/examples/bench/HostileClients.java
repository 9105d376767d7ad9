package io.chatapp.examples.bench;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.ProtocolException;
import io.chatapp.transport.socket.codec.WireWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Hostile neighbours for a socket server, all on one selector thread and written from
 * docs/PROTOCOL.md with the codec's {@link Frame} records:
 *
 * <ul>
 *   <li><b>login flood</b>: connections that send HELLO and then keep {@code loginsInFlight}
 *       LOGINs for unknown names pipelined, one more for each answer, as fast as the server
 *       answers;
 *   <li><b>slow prefix</b>: connections that send (after a HELLO, unless told not to) the 4-byte
 *       length prefix of a large frame and then nothing, reading whatever the server says;
 *   <li><b>non-readers</b>: connections of one user that resume a session (one logged in before
 *       the flood, so that no password check stands between them and the server; or each logs
 *       in itself), pipeline FETCHes of a full mailbox and never read the answers; one more FETCH
 *       a second keeps the pressure on and finds out when the server has closed them.
 * </ul>
 *
 * <p>A connection the server closes or refuses is counted and opened again a second later, for as
 * long as the neighbours run, so the pressure stays. Loopback only; {@link #close} stops the
 * thread and closes every connection.
 *
 * <p>Thread-safe: {@link #start}, {@link #counts} and {@link #close} may be called from any
 * thread; every channel is touched only by the {@code hostile-clients} thread while it runs.
 */
public final class HostileClients implements AutoCloseable {
  /** The three kinds of neighbour. */
  public enum Kind {
    LOGIN_FLOOD, SLOW_PREFIX, NON_READER
  }

  /**
   * How many of each and how they behave.
   *
   * @param loginFlooders connections flooding LOGINs, 0 for none
   * @param loginsInFlight LOGINs each of them keeps unanswered
   * @param slowPrefixes connections that send only a length prefix, 0 for none
   * @param announcedFrameBytes the frame length their prefix announces
   * @param helloBeforePrefix whether they complete HELLO first (passing any limit on frames
   *     before HELLO) or send the prefix as their first bytes
   * @param nonReaders connections of {@code user} that never read, 0 for none
   * @param fetchesInFlight FETCHes each non-reader pipelines at first
   * @param user the non-readers' account, whose mailbox should hold large messages
   * @param password its password
   */
  public record Settings(int loginFlooders, int loginsInFlight, int slowPrefixes, int announcedFrameBytes,
      boolean helloBeforePrefix, int nonReaders, int fetchesInFlight, String user, String password) {
    /** Checks the settings. */
    public Settings {
      if (loginFlooders < 0 || slowPrefixes < 0 || nonReaders < 0) {
        throw new IllegalArgumentException("connection counts must not be negative, were "
            + loginFlooders + ", " + slowPrefixes + " and " + nonReaders);
      }
      if (loginsInFlight < 1 || fetchesInFlight < 1) {
        throw new IllegalArgumentException("requests in flight must be at least 1, were " + loginsInFlight
            + " and " + fetchesInFlight);
      }
      if (announcedFrameBytes < FrameDecoder.HEADER_BYTES) {
        throw new IllegalArgumentException("announced frame must be at least " + FrameDecoder.HEADER_BYTES
            + " bytes, was " + announcedFrameBytes);
      }
    }
  }

  /**
   * What the neighbours saw so far, per kind.
   *
   * @param opened connections opened (reopened ones included)
   * @param refused connections the server refused: connect failed, or closed or answered with an
   *     error before the connection was set up (HELLO answered; for non-readers, logged in)
   * @param closed connections the server closed after they were set up
   * @param loginAnswers answers to the flood's LOGINs
   * @param loginsBusy those that were {@code RESOURCE_EXHAUSTED} ("busy, retry")
   * @param fetchesSent FETCHes the non-readers wrote
   */
  public record Counts(Map<Kind, Long> opened, Map<Kind, Long> refused, Map<Kind, Long> closed,
      long loginAnswers, long loginsBusy, long fetchesSent) {
    /** Returns the connections of every kind that the server refused or closed. */
    public long refusedOrClosed() {
      return opened.keySet().stream().mapToLong(k -> refused.get(k) + closed.get(k)).sum();
    }
  }

  private static final System.Logger LOG = System.getLogger(HostileClients.class.getName());
  private static final long REOPEN_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long TOP_UP_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int HELLO_ID = 1;
  private static final int LOGIN_ID = 2;
  private static final int FIRST_REQUEST_ID = 3;
  private static final int MAX_ANSWER_BYTES = 64 * 1024; // HELLO_OK, ERROR, SESSION_RESULT: small

  private final InetSocketAddress server;
  private final Settings settings;
  private final String sessionToken; // the non-readers' shared session, or null
  private final Selector selector;
  private final List<Slot> slots = new ArrayList<>(); // hostile-clients thread only, once started
  private final ByteBuffer readBuffer = ByteBuffer.allocate(MAX_ANSWER_BYTES); // hostile-clients thread only
  private final WireWriter writer = new WireWriter(256); // hostile-clients thread only
  private final AtomicLongArray opened = new AtomicLongArray(Kind.values().length);
  private final AtomicLongArray refused = new AtomicLongArray(Kind.values().length);
  private final AtomicLongArray closed = new AtomicLongArray(Kind.values().length);
  private final AtomicLongArray events = new AtomicLongArray(3); // login answers, busy, fetches
  private final Object lock = new Object();
  private Thread thread; // guarded by lock
  private volatile boolean stopping;

  /** One connection's place: reopened in the same slot when the server drops it. */
  private final class Slot {
    final Kind kind;
    final int index;
    SocketChannel channel;
    final ByteBuffer in = ByteBuffer.allocate(MAX_ANSWER_BYTES);
    final FrameDecoder decoder = new FrameDecoder(MAX_ANSWER_BYTES - FrameDecoder.LENGTH_BYTES);
    ByteBuffer out = ByteBuffer.allocate(0); // bytes not yet written, in read mode
    boolean setUp; // HELLO answered (non-readers: logged in)
    long reopenAt; // System.nanoTime() to reconnect at, or 0
    long nextTopUp; // non-readers: when to pipeline one more FETCH
    int nextRequestId = FIRST_REQUEST_ID;
    String token; // non-readers: the session to resume after a reconnect

    Slot(Kind kind, int index) {
      this.kind = kind;
      this.index = index;
    }
  }

  /**
   * Prepares neighbours of a server; nothing connects before {@link #start}.
   *
   * @param server the socket server's address, which must be a loopback one
   * @param settings how many of each kind
   * @param sessionToken a session of the non-readers' user that they all resume, or null for
   *     each to log in with the password
   * @throws IOException if no selector can be opened
   * @throws IllegalArgumentException if the address is not a loopback one
   */
  public HostileClients(InetSocketAddress server, Settings settings, String sessionToken) throws IOException {
    if (server.getAddress() == null || !server.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("hostile clients connect to loopback only, not to " + server);
    }
    this.server = server;
    this.settings = settings;
    this.sessionToken = sessionToken;
    this.selector = Selector.open();
    for (int i = 0; i < settings.loginFlooders(); i++) {
      slots.add(new Slot(Kind.LOGIN_FLOOD, i));
    }
    for (int i = 0; i < settings.slowPrefixes(); i++) {
      slots.add(new Slot(Kind.SLOW_PREFIX, i));
    }
    for (int i = 0; i < settings.nonReaders(); i++) {
      Slot s = new Slot(Kind.NON_READER, i);
      s.token = sessionToken;
      slots.add(s);
    }
  }

  /**
   * Starts the thread that opens every connection and keeps them busy.
   *
   * @throws IllegalStateException if started before
   */
  public void start() {
    synchronized (lock) {
      if (thread != null) {
        throw new IllegalStateException("already started");
      }
      thread = new Thread(this::loop, "hostile-clients");
      thread.setDaemon(true);
      thread.start();
    }
  }

  /** Returns the counts so far. */
  public Counts counts() {
    Map<Kind, Long> o = new EnumMap<>(Kind.class);
    Map<Kind, Long> r = new EnumMap<>(Kind.class);
    Map<Kind, Long> c = new EnumMap<>(Kind.class);
    for (Kind k : Kind.values()) {
      o.put(k, opened.get(k.ordinal()));
      r.put(k, refused.get(k.ordinal()));
      c.put(k, closed.get(k.ordinal()));
    }
    return new Counts(o, r, c, events.get(0), events.get(1), events.get(2));
  }

  private void loop() {
    long now = System.nanoTime();
    for (Slot s : slots) {
      s.reopenAt = now; // the first pass opens them all
    }
    try {
      while (!stopping) {
        now = System.nanoTime();
        for (Slot s : slots) {
          if (stopping) {
            break;
          }
          if (s.channel == null && s.reopenAt != 0 && now >= s.reopenAt) {
            connect(s);
          } else if (s.kind == Kind.NON_READER && s.setUp && now >= s.nextTopUp) {
            s.nextTopUp = now + TOP_UP_NANOS;
            if (!s.out.hasRemaining()) {
              queue(s, new Frame.Fetch(s.nextRequestId++, 0, ChatEngine.MAX_FETCH_LIMIT));
              events.incrementAndGet(2);
            }
            flush(s);
          }
        }
        selector.select(100);
        for (SelectionKey key : selector.selectedKeys()) {
          Slot s = (Slot) key.attachment();
          try {
            if (key.isValid() && key.isConnectable()) {
              s.channel.finishConnect();
              connected(s);
            }
            if (key.isValid() && key.isWritable()) {
              flush(s);
            }
            if (key.isValid() && key.isReadable()) {
              read(s);
            }
          } catch (IOException | ProtocolException e) {
            dropped(s); // the server closed, reset or refused it
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "hostile clients stopped early", e);
    }
  }

  private void connect(Slot s) {
    s.reopenAt = 0;
    s.setUp = false;
    s.in.clear();
    s.out = ByteBuffer.allocate(0);
    opened.incrementAndGet(s.kind.ordinal());
    s.channel = null;
    try {
      s.channel = SocketChannel.open();
      s.channel.configureBlocking(false);
      s.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      if (s.channel.connect(server)) {
        s.channel.register(selector, 0, s);
        connected(s);
      } else {
        s.channel.register(selector, SelectionKey.OP_CONNECT, s);
      }
    } catch (IOException e) {
      if (s.channel == null) {
        refused.incrementAndGet(s.kind.ordinal()); // no socket at all, such as out of file descriptors
        s.reopenAt = System.nanoTime() + REOPEN_DELAY_NANOS;
      }
      dropped(s);
    }
  }

  private void connected(Slot s) throws IOException {
    boolean hello = s.kind != Kind.SLOW_PREFIX || settings.helloBeforePrefix();
    if (hello) {
      queue(s, new Frame.Hello(HELLO_ID, Frame.BASE_VERSION));
    }
    switch (s.kind) {
      case LOGIN_FLOOD -> {
        for (int i = 0; i < settings.loginsInFlight(); i++) {
          queueLogin(s);
        }
      }
      case SLOW_PREFIX -> append(s, ByteBuffer.allocate(4).putInt(0, settings.announcedFrameBytes()));
      case NON_READER -> queue(s, s.token != null ? new Frame.Resume(LOGIN_ID, s.token)
          : new Frame.Login(LOGIN_ID, settings.user(), settings.password()));
    }
    flush(s);
  }

  private void queueLogin(Slot s) {
    int id = s.nextRequestId++;
    // A fresh unknown name each time: nothing the server caches or throttles per name helps it.
    queue(s, new Frame.Login(id, "nobody-" + s.index + "-" + id, "not-a-password"));
  }

  private void read(Slot s) throws IOException, ProtocolException {
    readBuffer.clear();
    if (s.channel.read(readBuffer) < 0) {
      throw new IOException("closed by the server");
    }
    readBuffer.flip();
    if (readBuffer.remaining() > s.in.remaining()) {
      throw new IOException("an answer larger than " + MAX_ANSWER_BYTES + " bytes");
    }
    s.in.put(readBuffer).flip();
    try {
      Frame f;
      while (s.channel != null && (f = s.decoder.decode(s.in)) != null) {
        answered(s, f);
      }
    } finally {
      s.in.compact();
    }
  }

  private void answered(Slot s, Frame f) throws IOException {
    if (f instanceof Frame.HelloOk) {
      s.setUp |= s.kind != Kind.NON_READER;
      return;
    }
    if (s.kind == Kind.LOGIN_FLOOD && f.requestId() >= FIRST_REQUEST_ID) {
      events.incrementAndGet(0);
      if (f instanceof Frame.ErrorFrame e && e.code() == ErrorCode.RESOURCE_EXHAUSTED) {
        events.incrementAndGet(1);
      }
      queueLogin(s);
      flush(s);
    } else if (s.kind == Kind.NON_READER && f instanceof Frame.SessionResult r) {
      s.token = r.session().token();
      s.setUp = true;
      for (int i = 0; i < settings.fetchesInFlight(); i++) {
        queue(s, new Frame.Fetch(s.nextRequestId++, 0, ChatEngine.MAX_FETCH_LIMIT));
      }
      events.addAndGet(2, settings.fetchesInFlight());
      s.nextTopUp = System.nanoTime() + TOP_UP_NANOS;
      s.channel.keyFor(selector).interestOps(0); // from now on it never reads
      flush(s);
    } else if (f instanceof Frame.ErrorFrame && !s.setUp) {
      if (s.kind == Kind.NON_READER && s.token != null && !s.token.equals(sessionToken)) {
        s.token = null; // its own session may have ended: log in afresh next time
      }
      throw new IOException("refused: " + f);
    }
  }

  private void queue(Slot s, Frame f) {
    writer.clear();
    writer.write(f);
    append(s, writer.view());
  }

  private static void append(Slot s, ByteBuffer bytes) {
    ByteBuffer joined = ByteBuffer.allocate(s.out.remaining() + bytes.remaining());
    joined.put(s.out).put(bytes).flip();
    s.out = joined;
  }

  private void flush(Slot s) {
    if (s.channel == null || !s.channel.isConnected()) {
      return;
    }
    try {
      s.channel.write(s.out);
      SelectionKey key = s.channel.keyFor(selector);
      int reading = s.kind == Kind.NON_READER && s.setUp ? 0 : SelectionKey.OP_READ;
      key.interestOps(reading | (s.out.hasRemaining() ? SelectionKey.OP_WRITE : 0));
    } catch (IOException e) {
      dropped(s);
    }
  }

  private void dropped(Slot s) {
    if (s.channel == null) {
      return;
    }
    (s.setUp ? closed : refused).incrementAndGet(s.kind.ordinal());
    closeQuietly(s.channel);
    s.channel = null;
    s.setUp = false;
    s.reopenAt = System.nanoTime() + REOPEN_DELAY_NANOS;
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** Stops the thread and closes every connection. Harmless twice. */
  @Override
  public void close() throws InterruptedException {
    stopping = true;
    Thread t;
    synchronized (lock) {
      t = thread;
    }
    selector.wakeup();
    if (t != null) {
      t.join(TimeUnit.SECONDS.toMillis(10));
    }
    for (Slot s : slots) {
      if (s.channel != null) {
        closeQuietly(s.channel);
        s.channel = null;
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
