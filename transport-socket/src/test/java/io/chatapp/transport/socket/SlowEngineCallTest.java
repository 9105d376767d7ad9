package io.chatapp.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Session;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Engine calls run off the I/O threads: a login stuck in the engine stalls nobody else. */
class SlowEngineCallTest {
  private static final long TIMEOUT_MS = RawConnection.TIMEOUT_MS;
  private static final String PASSWORD = "correct horse battery";

  private final CountDownLatch loginEntered = new CountDownLatch(1);
  private final CompletableFuture<Session> checked = new CompletableFuture<>();
  private ChatEngine real;
  private SocketChatServer server;

  @BeforeEach
  void start() {
    real = TestServers.engine();
    ChatEngine slow = mock(ChatEngine.class, delegatesTo(real));
    // The login's password check never ends until the test completes the engine's future.
    doAnswer(inv -> {
      loginEntered.countDown();
      return checked;
    }).when(slow).loginAsync(anyString(), anyString(), any());
    // One I/O thread, so that a blocked I/O thread would stall every connection.
    server = SocketChatServer.builder(slow).ioThreads(1).build();
    server.start();
  }

  @AfterEach
  void stop() {
    checked.completeExceptionally(new ChatException(ErrorCode.UNAVAILABLE, "test over"));
    server.close();
    real.close();
  }

  @Test
  void loginStuckInTheEngineDoesNotStallOtherConnections() throws Exception {
    real.createAccount("alice", PASSWORD);
    try (ChatClient stuck = SocketChatClient.connect("127.0.0.1", server.port(), null);
        ChatClient other = SocketChatClient.connect("127.0.0.1", server.port(), null)) {
      CompletableFuture<Session> login = stuck.loginAsync("alice", PASSWORD);
      assertTrue(loginEntered.await(TIMEOUT_MS, TimeUnit.MILLISECONDS));
      // Calls that need no session complete on another connection while the login is stuck.
      other.createAccount("bob", PASSWORD);
      other.createAccount("carol", PASSWORD);
      assertFalse(login.isDone());
      checked.complete(real.login("alice", PASSWORD));
      assertEquals("alice", login.get(TIMEOUT_MS, TimeUnit.MILLISECONDS).username());
    }
  }
}
