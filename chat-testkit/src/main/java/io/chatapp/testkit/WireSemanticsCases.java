package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rules that outside clients found loose: where a subscription may start, and error texts that
 * name the request's fields as the wire does ({@code after_seq}, not a Java parameter), so that a
 * client written from PROTOCOL.md or the proto knows what to change. Every transport runs them
 * through {@link ChatClientContract}.
 */
public abstract class WireSemanticsCases extends ClientCoreCases {
  // ---- where a subscription starts ----------------------------------------------------------

  @Test
  void subscribeAfterASeqBeyondTheLastFailsAndSaysWhereToStart() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    alice.send("bob", "one", null);
    alice.send("bob", "two", null);
    ChatException e = failsWith(ErrorCode.INVALID_ARGUMENT, () -> bob.subscribe(50));
    assertEquals("after_seq 50 is beyond the last seq of your mailbox, 2; subscribe after 2 or less, or LATEST (-1)",
        e.getMessage());
    failsWith(ErrorCode.INVALID_ARGUMENT, () -> bob.subscribe(3));
  }

  @Test
  void subscribeAfterTheLastSeqIsAcceptedAndDeliversTheNextMessage() throws Exception {
    ChatClient alice = user("alice");
    RecordingListener bobHears = new RecordingListener();
    ChatClient bob = user("bob", bobHears);
    bob.subscribe(0); // an empty mailbox: its last seq is 0
    bob.unsubscribe();
    alice.send("bob", "one", null);
    bob.subscribe(1);
    alice.send("bob", "two", null);
    assertEquals("two", bobHears.nextMessage().text());
  }

  @Test
  void fetchAfterASeqBeyondTheLastIsEmptyNotAnError() throws Exception {
    ChatClient alice = user("alice");
    ChatClient bob = user("bob");
    alice.send("bob", "one", null);
    assertEquals(List.of(), bob.fetch(50, 10), "a page after the end is empty, as paging past the last one is");
  }

  @Test
  void aSubscriptionFromASeqIsRestoredAfterTheLastSeqReceivedOnReconnect() throws Exception {
    ChatClient alice = user("alice");
    RecordingListener bobHears = new RecordingListener();
    ChatClient bob = user("bob", bobHears);
    alice.send("bob", "one", null);
    bob.subscribe(0);
    assertEquals("one", bobHears.nextMessage().text());
    alice.send("bob", "two", null);
    assertEquals("two", bobHears.nextMessage().text());
    restartServer();
    bobHears.nextReconnect();
    alice.send("bob", "three", null);
    // Only an accepted resubscription delivers it; a refused one would end the subscription.
    assertEquals(3, bobHears.nextMessage().seq(), "resubscribed after seq 2, the last received");
  }

  // ---- error texts name the wire's fields ---------------------------------------------------

  @Test
  void errorsNameTheFieldsAsTheWireDoes() throws Exception {
    ChatClient alice = user("alice");
    assertEquals("after_seq must be 0 or more, or LATEST (-1) for new messages only, was -2",
        failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.subscribe(-2)).getMessage());
    assertEquals("after_seq must be 0 or more, was -1",
        failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.fetch(-1, 10)).getMessage());
    assertEquals("upto_seq must be 0 or more, was -1",
        failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.ack(-1)).getMessage());
    assertEquals("client_message_id must be absent or 1 to 128 characters, had 129",
        failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.send("alice", "hi", "c".repeat(129))).getMessage());
  }

  @Test
  void aForeignPageTokenSaysHowToPageAsTheWireDoes() throws Exception {
    ChatClient alice = user("alice");
    String message = failsWith(ErrorCode.INVALID_ARGUMENT, () -> alice.listAccounts(null, "bm90IG91cnM", 10))
        .getMessage();
    assertEquals("invalid page token: it was not made for this pattern by this server (or the server restarted);"
        + " leave page_token out for the first page, or send the next_page_token of the last page", message);
  }
}
