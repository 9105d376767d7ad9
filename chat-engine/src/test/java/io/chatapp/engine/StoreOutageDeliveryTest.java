package io.chatapp.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A store that fails with a code of its own while a subscription catches up (a database outage:
 * UNAVAILABLE) ends the subscription with that code, so the client knows to subscribe again,
 * instead of INTERNAL, which tells it not to retry.
 */
class StoreOutageDeliveryTest {
  private static final String PASSWORD = "correct horse battery";

  /** An in-memory store whose fetch fails as a database outage does, once told to. */
  private static final class FailingFetchStore extends ForwardingChatStore {
    volatile boolean down;

    FailingFetchStore() {
      super(new InMemoryChatStore());
    }

    @Override
    public List<Message> fetch(String userKey, long afterSeq, int limit) {
      if (down) {
        throw new ChatException(ErrorCode.UNAVAILABLE, "the database is unavailable; retry");
      }
      return super.fetch(userKey, afterSeq, limit);
    }
  }

  @Test
  void anOutageDuringCatchUpEndsTheSubscriptionWithTheStoresCode() throws Exception {
    FailingFetchStore failingFetch = new FailingFetchStore();
    try (DefaultChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).store(failingFetch).build()) {
      engine.createAccount("alice", PASSWORD);
      engine.createAccount("bob", PASSWORD);
      String alice = engine.login("alice", PASSWORD).token();
      String bob = engine.login("bob", PASSWORD).token();
      engine.send(alice, "bob", "one", null);
      engine.send(alice, "bob", "two", null);
      failingFetch.down = true; // the database goes down
      BlockingQueue<ChatException> ended = new ArrayBlockingQueue<>(1);
      engine.subscribe(bob, 0, new MessageListener() {
        @Override
        public void onMessage(Message message) {
        }

        @Override
        public void onEnd(ChatException reason) {
          ended.add(reason);
        }
      });
      ChatException reason = ended.poll(30, TimeUnit.SECONDS);
      assertNotNull(reason, "the subscription did not end");
      assertEquals(ErrorCode.UNAVAILABLE, reason.code(), reason.getMessage());
    }
  }
}
