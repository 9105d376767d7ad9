package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.InProcessChatClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The in-process client hands the engine's exception through the client core unchanged: its
 * reason and retry wait reach the application, through the synchronous calls too.
 */
class InProcessErrorReasonsTest {
  private static final String PASSWORD = "correct horse battery";

  // The clock stands still, so the send allowance of one never refills during the test.
  private final ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).sendRate(1, 1)
      .clock(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC)).build();
  private final ChatClient client = InProcessChatClient.connect(engine, new ChatClientListener() {});

  @AfterEach
  void close() {
    client.close();
    engine.close();
  }

  @Test
  void reasonAndRetryWaitReachTheApplication() {
    client.createAccount("alice", PASSWORD);
    client.login("alice", PASSWORD);
    assertEquals("NO_SUCH_USER", assertThrows(ChatException.class, () -> client.send("bob", "hi", null)).reason());
    ChatException e = assertThrows(ChatException.class, () -> client.send("alice", "too fast", null));
    assertEquals("SEND_RATE", e.reason(), e.getMessage());
    assertEquals(Optional.of(Duration.ofSeconds(1)), e.retryAfter());
  }
}
