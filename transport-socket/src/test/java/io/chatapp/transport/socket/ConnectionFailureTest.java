package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.codec.Frame;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whatever one connection makes the server throw, an {@link Error} included, closes that
 * connection only: the I/O loop and the workers go on serving everyone else.
 */
class ConnectionFailureTest {
  private static final String PASSWORD = "correct horse battery";

  private final AtomicLong clock = new AtomicLong();
  // Armed by a test: the next read on an I/O thread that asks for the time gets a StackOverflowError.
  private final AtomicBoolean loopBomb = new AtomicBoolean();
  private ChatEngine real;
  private SocketChatServer server;
  private ChatClient carol;

  @BeforeEach
  void start() {
    real = TestServers.engine();
    ChatEngine engine = mock(ChatEngine.class, delegatesTo(real));
    doThrow(new OutOfMemoryError("test: the engine ran out of heap"))
        .when(engine).fetch(anyString(), eq(13L), anyInt());
    doThrow(new StackOverflowError("test: the engine recursed too deep"))
        .when(engine).sendAsync(anyString(), eq("abyss"), anyString(), isNull());
    // One I/O thread and one worker: a dead one would stall everybody.
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(1).workerThreads(1)
        .ticker(this::tick).build();
    server.start();
    carol = SocketChatClient.connect("127.0.0.1", server.port(), null);
    carol.createAccount("carol", PASSWORD);
    carol.login("carol", PASSWORD);
    real.createAccount("abyss", PASSWORD);
  }

  private long tick() {
    if (loopBomb.get() && StackWalker.getInstance().walk(s -> s.anyMatch(f -> f.getMethodName().equals("onReadable")))
        && loopBomb.getAndSet(false)) {
      throw new StackOverflowError("test: a read on the I/O thread recursed too deep");
    }
    return clock.get();
  }

  @AfterEach
  void stop() {
    // Carol, on another connection of the same threads, is served all the while.
    assertEquals("after", carol.send("carol", "after", null).text());
    carol.close();
    server.close();
    real.close();
  }

  private RawConnection loggedIn() throws IOException {
    RawConnection raw = new RawConnection(server.port());
    raw.handshake();
    raw.send(new Frame.Login(2, "carol", PASSWORD));
    assertInstanceOf(Frame.SessionResult.class, raw.next());
    return raw;
  }

  private static void assertInternalError(Frame f, int requestId, String message) {
    Frame.ErrorFrame e = assertInstanceOf(Frame.ErrorFrame.class, f);
    assertEquals(requestId, e.requestId());
    assertEquals(ErrorCode.INTERNAL, e.code());
    assertEquals(message, e.message());
  }

  @Test
  void outOfMemoryErrorInTheEngineClosesThatConnectionOnly() throws IOException {
    try (RawConnection raw = loggedIn()) {
      raw.send(new Frame.Fetch(3, 13, 10));
      assertInternalError(raw.next(), 3, "internal error in FETCH; closing the connection");
      raw.expectClosed();
    }
  }

  @Test
  void stackOverflowErrorInTheEngineClosesThatConnectionOnlyAndTheWorkerGoesOn() throws IOException {
    try (RawConnection raw = loggedIn()) {
      raw.send(new Frame.Send(3, "abyss", "hello", null));
      assertInternalError(raw.next(), 3, "internal error in SEND; closing the connection");
      raw.expectClosed();
    }
    // The only worker survived: it runs the next request of another connection.
    assertEquals("worker alive", carol.send("carol", "worker alive", null).text());
  }

  @Test
  void errorOnTheIoThreadClosesThatConnectionOnlyAndTheLoopGoesOn() throws IOException {
    try (RawConnection raw = loggedIn()) {
      loopBomb.set(true);
      raw.send(new Frame.Ping(3));
      raw.expectClosed();
    }
    try (RawConnection next = loggedIn()) {
      next.send(new Frame.Ping(4));
      assertEquals(new Frame.Pong(4), next.next());
    }
  }
}
