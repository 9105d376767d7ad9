package io.chatapp.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.Typing;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.InProcessChatClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Types into {@link ChatCli}'s interactive mode through a JLine terminal on pipes (as a person at
 * an xterm would, keys and all) against a real socket server on 127.0.0.1, and reads the screen.
 */
class ChatCliTerminalTest {
  private static final long TIMEOUT_SECONDS = 30;
  private static final String CTRL_C = "\u0003";
  // What the editor writes when it starts reading a line on an xterm (bracketed paste on), before
  // its prompt. Keys typed before it would be echoed by the terminal, and Ctrl-C lost.
  private static final String READING = "\u001b[?2004h";
  private static final String CTRL_P = "\u0010"; // previous history line, as the up arrow

  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build();
  private Transport.RunningServer server;
  private final Screen screen = new Screen();
  private final Keys keys = new Keys();
  private Terminal terminal;

  /**
   * The keyboard: bytes the test types, read by the terminal's input thread. A read returns what
   * has been typed so far rather than waiting to fill its buffer. Thread-safe.
   */
  private static final class Keys extends InputStream {
    private static final int END = -1;
    private final BlockingQueue<Integer> typed = new LinkedBlockingQueue<>();

    void type(String text) {
      for (byte b : text.getBytes(UTF_8)) {
        typed.add(b & 0xff);
      }
    }

    @Override
    public void close() {
      typed.add(END);
    }

    @Override
    public int read() throws IOException {
      try {
        int b = typed.take();
        if (b == END) {
          typed.add(END);
        }
        return b;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException();
      }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      int first = read();
      if (first == END) {
        return END;
      }
      buffer[offset] = (byte) first;
      int n = 1;
      Integer next;
      while (n < length && (next = typed.peek()) != null && next != END) {
        buffer[offset + n++] = (byte) (int) typed.poll();
      }
      return n;
    }
  }

  /** What the terminal shows, as one growing text the test waits on. Thread-safe. */
  private static final class Screen extends OutputStream {
    private final StringBuilder text = new StringBuilder(); // guarded by this

    @Override
    public synchronized void write(int b) {
      text.append((char) b);
      notifyAll();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      text.append(new String(b, off, len, UTF_8));
      notifyAll();
    }

    /** Waits until {@code needle} has appeared {@code times} times in all. */
    synchronized void await(String needle, int times) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
      while (count(needle) < times) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new AssertionError("\"" + needle + "\" not shown " + times + " times; screen: "
              + visible(text.toString()));
        }
        wait(left);
      }
    }

    /** The text with control characters spelled out, for a failure message. */
    private static String visible(String text) {
      StringBuilder shown = new StringBuilder();
      text.chars().forEach(c -> shown.append(c < 0x20 ? "^" + (char) (c + '@') : String.valueOf((char) c)));
      return shown.toString();
    }

    synchronized String text() {
      return text.toString();
    }

    private int count(String needle) { // under this
      int n = 0;
      for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
        n++;
      }
      return n;
    }
  }

  @BeforeEach
  void start() throws Exception {
    server = Transport.SOCKET.start(engine, "127.0.0.1", 0);
    engine.createAccount("alice", "password1");
    terminal = new ExternalTerminal("test", "xterm", keys, screen, UTF_8);
  }

  @AfterEach
  void stop() throws Exception {
    keys.close();
    terminal.close();
    server.close();
    engine.close();
  }

  private CompletableFuture<Integer> runClient() {
    ChatCli cli = new ChatCli(null, null, true, Map.of("TERM", "xterm"));
    ChatCli.commandLine(cli).parseArgs("--port", String.valueOf(server.port()));
    return CompletableFuture.supplyAsync(() -> {
      try {
        return cli.runOn(terminal, server.port());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
  }

  private void type(String text) {
    keys.type(text);
  }

  @Test
  void aPasswordLeftOutIsAskedUnechoedAndNeverRecalled() throws Exception {
    CompletableFuture<Integer> status = runClient();
    screen.await(READING, 1);
    type("/login alice\r");
    screen.await("Password for alice: ", 1);
    type("password1\r");
    screen.await("Logged in as alice.", 1);
    screen.await(READING, 3);
    // The previous line is "/login alice", not the password: recalling it asks again.
    type(CTRL_P + "\r");
    screen.await("Password for alice: ", 2);
    type("password1\r");
    screen.await("Logged in as alice.", 2);
    screen.await(READING, 5);
    type("/quit\r");
    assertEquals(0, status.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    assertFalse(screen.text().contains("password1"), screen.text());
  }

  @Test
  void ctrlCClearsAHalfTypedLineAndKeepsGoing() throws Exception {
    CompletableFuture<Integer> status = runClient();
    screen.await(READING, 1);
    type("/users half-typ");
    screen.await("half-typ", 1);
    type(CTRL_C);
    screen.await("half-typ^C", 1);
    screen.await(READING, 2);
    type("/help\r");
    screen.await("Commands:", 1);
    screen.await(READING, 3);
    assertFalse(screen.text().contains("No account matches"), "the cleared line did not run");
    type(CTRL_C); // on an empty line: leave
    assertEquals(0, status.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
  }

  @Test
  void typingInAnOpenConversationTellsThePeer() throws Exception {
    engine.createAccount("bob", "password2");
    engine.send(engine.login("alice", "password1").token(), "bob", "hi", null); // a conversation to type in
    BlockingQueue<Typing> typing = new LinkedBlockingQueue<>();
    try (InProcessChatClient bob = InProcessChatClient.connect(engine, new ChatClientListener() {
      @Override
      public void onTyping(Typing t) {
        typing.add(t);
      }
    })) {
      bob.login("bob", "password2");
      bob.subscribe(ChatEngine.LATEST);
      CompletableFuture<Integer> status = runClient();
      screen.await(READING, 1);
      type("/login alice password1\r");
      screen.await("Logged in as alice.", 1);
      screen.await(READING, 2);
      type("/open bob\r");
      screen.await("Talking to bob", 1);
      screen.await(READING, 3);
      type("are y");
      Typing seen = typing.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertEquals("alice", seen == null ? null : seen.username(), "bob heard alice typing");
      type(CTRL_C); // clears the half-typed line
      screen.await(READING, 4);
      type("/quit\r");
      assertEquals(0, status.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }
  }
}
