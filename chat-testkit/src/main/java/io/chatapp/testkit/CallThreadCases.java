package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatEngineListener;
import io.chatapp.api.Message;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Which thread of a server runs a request: the I/O thread that read it when the engine never
 * waits for I/O (the in-memory store), saving the hand-offs to a worker and back; a worker when it
 * may (a store that waits for a disk), so that a slow store never stalls an I/O thread and the
 * other connections it serves. A transport's test extends this and sends one message through its
 * server.
 *
 * <p>Not thread-safe; JUnit runs each case on one thread.
 */
public abstract class CallThreadCases {
  /** The password of the account the cases create. */
  protected static final String PASSWORD = "correct horse";

  /** A store that says it may wait, as a database would. */
  private static final class WaitingStore extends ForwardingChatStore {
    WaitingStore(ChatStore delegate) {
      super(delegate);
    }
  }

  /**
   * Serves the engine, logs in as {@code alice} (already created, password {@link #PASSWORD})
   * through the transport and sends her one message.
   *
   * @param engine the engine to serve
   * @throws Exception if the transport fails
   */
  protected abstract void sendOneMessage(ChatEngine engine) throws Exception;

  /**
   * Returns a pattern of the names of the server's I/O threads.
   *
   * @return a regular expression
   */
  protected abstract String ioThreadNames();

  /**
   * Returns a pattern of the names of the server's worker threads.
   *
   * @return a regular expression
   */
  protected abstract String workerThreadNames();

  private String threadOfASend(ChatEngine engine) throws Exception {
    engine.createAccount("alice", PASSWORD);
    CompletableFuture<String> thread = new CompletableFuture<>();
    engine.addListener(new ChatEngineListener() {
      @Override
      public void onMessageStored(Message message) {
        thread.complete(Thread.currentThread().getName());
      }
    });
    sendOneMessage(engine);
    return thread.get(30, TimeUnit.SECONDS);
  }

  @Test
  void anEngineThatNeverWaitsRunsRequestsOnTheIoThreadThatReadThem() throws Exception {
    try (ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000).build()) {
      assertFalse(engine.mayBlock(), "the in-memory store never waits");
      String thread = threadOfASend(engine);
      assertTrue(thread.matches(ioThreadNames()), "ran on an I/O thread, not " + thread);
    }
  }

  @Test
  void anEngineThatMayWaitRunsRequestsOnAWorker() throws Exception {
    try (ChatEngine engine = DefaultChatEngine.builder().passwordIterations(1000)
        .store(new WaitingStore(new InMemoryChatStore())).build()) {
      assertTrue(engine.mayBlock(), "a decorated store may wait");
      String thread = threadOfASend(engine);
      assertTrue(thread.matches(workerThreadNames()), "ran on a worker, not " + thread);
    }
  }
}
