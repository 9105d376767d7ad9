package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.startsWith;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.codec.Frame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A connection whose password request the engine refused as busy waits before its next request
 * runs (issue 12, the login flood): the wait is measured on the server's ticker, which the tests
 * move by hand, so nothing here waits on real time for the wait to pass.
 */
class PasswordTarpitTest {
  private static final String PASSWORD = "correct horse battery";

  private final AtomicLong clock = new AtomicLong();
  private ChatEngine real;
  private ChatEngine engine;
  private SocketChatServer server;
  private final RawConnections raws = new RawConnections();

  @BeforeEach
  void start() {
    real = TestServers.engine();
    engine = mock(ChatEngine.class, delegatesTo(real));
    // As the engine's password budget answers a flood: a future that has already failed.
    doReturn(CompletableFuture.failedFuture(new ChatException(ErrorCode.RESOURCE_EXHAUSTED,
        "server busy: too many password checks in progress from this address (4 of 4); retry later")))
        .when(engine).loginAsync(startsWith("flood"), anyString(), any());
    doReturn(CompletableFuture.failedFuture(new ChatException(ErrorCode.UNAUTHENTICATED, "wrong username or password")))
        .when(engine).loginAsync(startsWith("nobody"), anyString(), any());
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(1).workerThreads(2)
        .ticker(clock::get).build();
    server.start();
  }

  @AfterEach
  void stop() throws IOException {
    raws.close();
    server.close();
    real.close();
  }

  private RawConnection raw() throws IOException {
    return raws.handshaken(server.port());
  }

  private void advanceMillis(long millis) {
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  private static void pipelineLogins(RawConnection r, int firstId, String... usernames) throws IOException {
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    for (int i = 0; i < usernames.length; i++) {
      frames.writeBytes(RawConnection.bytes(new Frame.Login(firstId + i, usernames[i], "guess")));
    }
    r.sendBytes(frames.toByteArray());
  }

  private static String[] floods(int n) {
    String[] names = new String[n];
    for (int i = 0; i < n; i++) {
      names[i] = "flood-" + i;
    }
    return names;
  }

  private static void expectError(Frame f, int requestId, ErrorCode code) {
    Frame.ErrorFrame e = assertInstanceOf(Frame.ErrorFrame.class, f);
    assertEquals(requestId, e.requestId(), e.message());
    assertEquals(code, e.code(), e.message());
  }

  /** PING is answered by the I/O thread at once: a PONG next proves that no request ran meanwhile. */
  private static void expectNothingRanBeforePong(RawConnection r, int pingId) throws IOException {
    r.send(new Frame.Ping(pingId));
    assertEquals(new Frame.Pong(pingId), r.next(), "a request ran before the wait was over");
  }

  @Test
  void pipelinedLoginsRefusedAsBusyWaitWhileAnotherConnectionIsServedAtOnce() throws Exception {
    real.createAccount("bob", PASSWORD);
    RawConnection flooder = raw();
    pipelineLogins(flooder, 10, floods(200));
    flooder.send(new Frame.Ping(1000));
    // All 200 were read before the PONG; only the first may run until the ticker moves.
    List<Frame> beforePong = new ArrayList<>();
    for (Frame f = flooder.next(); !f.equals(new Frame.Pong(1000)); f = flooder.next()) {
      beforePong.add(f);
    }
    if (beforePong.isEmpty()) {
      beforePong.add(flooder.next());
    }
    assertEquals(1, beforePong.size(), "answers before the ticker moved: " + beforePong);
    expectError(beforePong.get(0), 10, ErrorCode.RESOURCE_EXHAUSTED);
    expectNothingRanBeforePong(flooder, 1001);

    RawConnection other = raw();
    other.send(new Frame.Ping(2));
    assertEquals(new Frame.Pong(2), other.next());
    other.send(new Frame.Login(3, "bob", PASSWORD));
    assertEquals("bob", assertInstanceOf(Frame.SessionResult.class, other.next()).session().username());
    other.send(new Frame.Send(4, "bob", "not held up", null));
    assertEquals("not held up", assertInstanceOf(Frame.MessageResult.class, other.next()).message().text());

    expectNothingRanBeforePong(flooder, 1002);
    verify(engine, times(1)).loginAsync(startsWith("flood"), anyString(), any());
  }

  @Test
  void theWaitDoublesWithEachConsecutiveRefusalUpToTwoSeconds() throws Exception {
    RawConnection flooder = raw();
    pipelineLogins(flooder, 10, floods(9));
    expectError(flooder.next(), 10, ErrorCode.RESOURCE_EXHAUSTED);
    long[] waitsMillis = {100, 200, 400, 800, 1600, 2000, 2000};
    for (int i = 0; i < waitsMillis.length; i++) {
      advanceMillis(waitsMillis[i] - 1);
      expectNothingRanBeforePong(flooder, 100 + i);
      advanceMillis(1);
      expectError(flooder.next(), 11 + i, ErrorCode.RESOURCE_EXHAUSTED);
    }
    // Over the first second of the ticker, 4 refusals; at most one per 2 s after that.
    verify(engine, times(8)).loginAsync(startsWith("flood"), anyString(), any());
  }

  @Test
  void aPasswordRequestThatIsNotRefusedEndsTheWait() throws Exception {
    RawConnection r = raw();
    pipelineLogins(r, 10, "flood-a", "flood-b", "nobody", "flood-c", "flood-d");
    expectError(r.next(), 10, ErrorCode.RESOURCE_EXHAUSTED);
    advanceMillis(100);
    expectError(r.next(), 11, ErrorCode.RESOURCE_EXHAUSTED);
    advanceMillis(200);
    // A wrong password is not "busy": the next request runs at once, and its refusal waits 100 ms again.
    expectError(r.next(), 12, ErrorCode.UNAUTHENTICATED);
    expectError(r.next(), 13, ErrorCode.RESOURCE_EXHAUSTED);
    advanceMillis(99);
    expectNothingRanBeforePong(r, 100);
    advanceMillis(1);
    expectError(r.next(), 14, ErrorCode.RESOURCE_EXHAUSTED);
  }

  @Test
  void shutdownEndsTheWaitAndAnswersTheRequestsBehindItAsUnavailable() throws Exception {
    RawConnection r = raw();
    pipelineLogins(r, 10, floods(3));
    expectError(r.next(), 10, ErrorCode.RESOURCE_EXHAUSTED);
    expectNothingRanBeforePong(r, 100);
    server.close(); // the ticker stands still: only the shutdown can end the wait
    expectError(r.next(), 11, ErrorCode.UNAVAILABLE);
    expectError(r.next(), 12, ErrorCode.UNAVAILABLE);
    expectError(r.next(), 0, ErrorCode.UNAVAILABLE);
    r.expectClosed();
  }

  @Test
  void aRefusedCreateAccountMakesTheNextRequestWaitToo() throws Exception {
    doReturn(CompletableFuture.failedFuture(new ChatException(ErrorCode.RESOURCE_EXHAUSTED, "server busy, retry")))
        .when(engine).createAccountAsync(startsWith("flood"), anyString(), any());
    RawConnection r = raw();
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    frames.writeBytes(RawConnection.bytes(new Frame.CreateAccount(10, "flood-x", PASSWORD)));
    frames.writeBytes(RawConnection.bytes(new Frame.Send(11, "bob", "no session yet", null)));
    r.sendBytes(frames.toByteArray());
    expectError(r.next(), 10, ErrorCode.RESOURCE_EXHAUSTED);
    expectNothingRanBeforePong(r, 100);
    advanceMillis(100);
    expectError(r.next(), 11, ErrorCode.UNAUTHENTICATED);
  }
}
