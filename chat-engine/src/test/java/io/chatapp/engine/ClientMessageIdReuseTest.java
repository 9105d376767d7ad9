package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import io.chatapp.engine.store.SentRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client message id reused by its sender for another message is refused wherever the duplicate
 * is found: by the engine's look-up before storing, or by the store's own dedupe when the look-up
 * missed it; a record without a fingerprint (from before stores kept one) is trusted as before.
 */
class ClientMessageIdReuseTest {
  private static final String PASSWORD = "correct horse battery";

  /** Changes what the engine's look-up of a record finds; the store itself keeps the real record. */
  private volatile UnaryOperator<Optional<SentRecord>> lookUp = UnaryOperator.identity();
  private final DefaultChatEngine engine = DefaultChatEngine.builder()
      .store(new ForwardingChatStore(new InMemoryChatStore()) {
        @Override
        public Optional<SentRecord> findSent(String senderKey, String clientMessageId, Instant notBefore) {
          return lookUp.apply(super.findSent(senderKey, clientMessageId, notBefore));
        }
      })
      .passwordIterations(1000)
      .build();
  private final String alice = login("alice");
  private final String bob = login("bob");

  @AfterEach
  void close() {
    engine.close();
  }

  private String login(String username) {
    engine.createAccount(username, PASSWORD);
    return engine.login(username, PASSWORD).token();
  }

  private static void refused(String expectedMessage, Runnable send) {
    ChatException e = assertThrows(ChatException.class, send::run);
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("IDEMPOTENCY_KEY_REUSED", e.reason());
    assertEquals(expectedMessage, e.getMessage());
  }

  private List<String> textsOf(String token) {
    return engine.fetch(token, 0, 100).stream().map(Message::text).toList();
  }

  @Test
  void theLookUpRefusesAnotherTextAndAnotherRecipientWithoutEchoingTheText() {
    login("carol");
    engine.send(alice, "bob", "the first text", "c-1");
    refused("client_message_id \"c-1\" was used for another message (to bob); use a new id for a new message",
        () -> engine.send(alice, "bob", "a secret second text", "c-1"));
    refused("client_message_id \"c-1\" was used for another message (to bob); use a new id for a new message",
        () -> engine.send(alice, "carol", "the first text", "c-1"));
    assertEquals(List.of("the first text"), textsOf(bob));
  }

  @Test
  void aRetryWithTheRecipientInAnotherLetterCaseIsARetry() {
    Message first = engine.send(alice, "bob", "hi", "c-1");
    assertEquals(first, engine.send(alice, "BOB", "hi", "c-1"));
  }

  @Test
  void theStoresDedupeRefusesAnotherTextWhenTheLookUpMissedIt() {
    engine.send(alice, "bob", "the first text", "c-1");
    // As if the first attempt's outcome had not reached this engine's look-up: only the store's
    // own check by sender and id sees it.
    lookUp = new UnaryOperator<>() {
      private boolean hidden;

      @Override
      public Optional<SentRecord> apply(Optional<SentRecord> found) {
        if (hidden) {
          return found;
        }
        hidden = true;
        return Optional.empty();
      }
    };
    refused("client_message_id \"c-1\" was used for another message (to bob); use a new id for a new message",
        () -> engine.send(alice, "bob", "another text", "c-1"));
    assertEquals(List.of("the first text"), textsOf(bob));
    assertEquals(2, engine.send(alice, "bob", "next", null).seq(), "the refused send took no seq");
  }

  @Test
  void aRecordWithoutAFingerprintAnswersWithTheFirstMessageAsBefore() {
    Message first = engine.send(alice, "bob", "the first text", "c-1");
    lookUp = found -> found.map(r -> new SentRecord(r.messageId(), r.recipient(), r.seq(), r.sentAt()));
    assertEquals(first, engine.send(alice, "bob", "another text", "c-1"));
    assertEquals(List.of("the first text"), textsOf(bob));
  }
}
