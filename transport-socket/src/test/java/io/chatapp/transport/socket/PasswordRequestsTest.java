package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.startsWith;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Session;
import io.chatapp.testkit.RecordingListener;
import io.chatapp.transport.socket.codec.Frame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests that check a password (issue 12, section 2) hold no worker while the engine hashes,
 * carry the client's address as origin, and keep a connection's requests in order; and
 * LOGOUT_OTHERS ends a user's other sessions with only the password.
 */
class PasswordRequestsTest {
  private static final String PASSWORD = "correct horse battery";
  private static final long TIMEOUT_MS = RawConnection.TIMEOUT_MS;

  private ChatEngine real;
  private ChatEngine engine;
  private SocketChatServer server;
  // The password checks of names that start with "slow": open until a test completes them.
  private final List<CompletableFuture<Session>> hashing = new ArrayList<>();
  private final RawConnections raws = new RawConnections();

  @BeforeEach
  void start() {
    real = TestServers.engine();
    engine = mock(ChatEngine.class, delegatesTo(real));
    doAnswer(inv -> {
      CompletableFuture<Session> check = new CompletableFuture<>();
      synchronized (hashing) {
        hashing.add(check);
        hashing.notifyAll();
      }
      return check;
    }).when(engine).loginAsync(startsWith("slow"), anyString(), any());
    // One worker: a login that held it while hashing would stall every other connection.
    server = SocketChatServer.builder(engine).host("127.0.0.1").port(0).ioThreads(1).workerThreads(1).build();
    server.start();
  }

  @AfterEach
  void stop() throws IOException {
    synchronized (hashing) {
      hashing.forEach(f -> f.completeExceptionally(new ChatException(ErrorCode.UNAVAILABLE, "test over")));
    }
    raws.close();
    server.close();
    real.close();
  }

  private RawConnection raw() throws IOException {
    return raws.handshaken(server.port());
  }

  /**
   * The i-th password check. Mockito counts a call (what verify(timeout) waits for) before its
   * answer runs, so the check may not be in the list yet: wait for it, bounded.
   */
  private CompletableFuture<Session> hashing(int i) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
    synchronized (hashing) {
      while (hashing.size() <= i) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new AssertionError("password check " + i + " never started");
        }
        hashing.wait(left);
      }
      return hashing.get(i);
    }
  }

  @Test
  void fourConnectionsPipeliningLoginsForUnknownNamesDoNotStallAWellBehavedPair() throws Exception {
    RecordingListener bobHears = new RecordingListener();
    try (ChatClient alice = TestServers.loggedInClient(server, "alice");
        ChatClient bob = SocketChatClient.connect("127.0.0.1", server.port(), bobHears)) {
      bob.createAccount("bob", PASSWORD);
      bob.login("bob", PASSWORD);
      bob.subscribe(ChatEngine.LATEST);
      for (int c = 0; c < 4; c++) {
        ByteArrayOutputStream logins = new ByteArrayOutputStream();
        for (int i = 0; i < 4; i++) {
          logins.writeBytes(RawConnection.bytes(new Frame.Login(10 + i, "slow-" + c + "-" + i, "guess")));
        }
        raw().sendBytes(logins.toByteArray());
      }
      // Each connection's first login is being hashed; the three behind it wait their turn.
      verify(engine, timeout(TIMEOUT_MS).times(4)).loginAsync(startsWith("slow"), anyString(), any());
      alice.sendAsync("bob", "not stalled", null).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      assertEquals("not stalled", bobHears.nextMessage().text());
      for (int i = 0; i < 4; i++) {
        assertFalse(hashing(i).isDone(), "the logins are still being hashed");
      }
    }
    // Each check that ends answers its request and starts the next one of that connection.
    for (int round = 0; round < 4; round++) {
      verify(engine, timeout(TIMEOUT_MS).times(4 * (round + 1))).loginAsync(startsWith("slow"), anyString(), any());
      for (int i = 4 * round; i < 4 * (round + 1); i++) {
        hashing(i).completeExceptionally(new ChatException(ErrorCode.UNAUTHENTICATED, "wrong username or password"));
      }
      for (RawConnection r : raws) {
        Frame.ErrorFrame e = assertInstanceOf(Frame.ErrorFrame.class, r.next());
        assertEquals(10 + round, e.requestId());
        assertEquals(ErrorCode.UNAUTHENTICATED, e.code());
      }
    }
  }

  @Test
  void pipelinedLoginThenSendRunsInOrderWhileTheLoginIsHashed() throws Exception {
    real.createAccount("slowpoke", PASSWORD);
    RawConnection r = raw();
    r.send(new Frame.Login(2, "slowpoke", PASSWORD));
    r.send(new Frame.Send(3, "slowpoke", "after the login", null));
    r.send(new Frame.Ping(4));
    assertEquals(new Frame.Pong(4), r.next()); // both requests were read
    verify(engine, timeout(TIMEOUT_MS)).loginAsync(eq("slowpoke"), eq(PASSWORD), eq("127.0.0.1"));
    hashing(0).complete(real.login("slowpoke", PASSWORD));
    assertEquals("slowpoke", assertInstanceOf(Frame.SessionResult.class, r.next()).session().username());
    assertEquals("after the login", assertInstanceOf(Frame.MessageResult.class, r.next()).message().text());
  }

  @Test
  void passwordRequestsCarryTheClientsAddressAsOrigin() {
    try (ChatClient c = SocketChatClient.connect("127.0.0.1", server.port(), null)) {
      c.createAccount("gus", PASSWORD);
      c.login("gus", PASSWORD);
      c.logoutOtherSessions("gus", PASSWORD);
      c.deleteAccount(PASSWORD);
    }
    verify(engine).createAccountAsync("gus", PASSWORD, "127.0.0.1");
    verify(engine).loginAsync("gus", PASSWORD, "127.0.0.1");
    verify(engine).logoutOtherSessionsAsync(eq("gus"), eq(PASSWORD), anyString(), eq("127.0.0.1"));
    verify(engine).deleteAccountAsync(anyString(), eq(PASSWORD), eq("127.0.0.1"));
  }

  @Test
  void logoutOthersEndsTheOtherSessionsAndKeepsTheConnectionsOwn() throws Exception {
    RecordingListener otherHears = new RecordingListener();
    try (ChatClient first = TestServers.loggedInClient(server, "erin");
        ChatClient other = SocketChatClient.connect("127.0.0.1", server.port(), otherHears)) {
      other.login("erin", "correct horse battery");
      other.subscribe(ChatEngine.LATEST);
      RawConnection r = raw();
      r.send(new Frame.Login(2, "erin", PASSWORD));
      assertInstanceOf(Frame.SessionResult.class, r.next());
      r.send(new Frame.LogoutOthers(3, "erin", PASSWORD));
      assertEquals(new Frame.SessionsEnded(3, 2), r.next());
      assertEquals(ErrorCode.UNAUTHENTICATED, otherHears.nextSubscriptionEnd().code());
      assertEquals(ErrorCode.UNAUTHENTICATED, assertThrows(ChatException.class, () -> first.fetch(0, 1)).code());
      r.send(new Frame.Send(4, "erin", "mine still works", null));
      assertEquals("mine still works", assertInstanceOf(Frame.MessageResult.class, r.next()).message().text());
    }
  }

  @Test
  void logoutOthersWithoutASessionEndsThemAllAndAWrongPasswordIsUnauthenticated() {
    try (ChatClient owner = TestServers.loggedInClient(server, "fay");
        ChatClient stranger = SocketChatClient.connect("127.0.0.1", server.port(), null)) {
      ChatException e = assertThrows(ChatException.class, () -> stranger.logoutOtherSessions("fay", "wrong"));
      assertEquals(ErrorCode.UNAUTHENTICATED, e.code());
      owner.fetch(0, 1);
      assertEquals(1, stranger.logoutOtherSessions("fay", PASSWORD));
      assertEquals(ErrorCode.UNAUTHENTICATED, assertThrows(ChatException.class, () -> owner.fetch(0, 1)).code());
    }
  }
}
