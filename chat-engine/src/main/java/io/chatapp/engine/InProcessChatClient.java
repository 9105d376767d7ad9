package io.chatapp.engine;

import io.chatapp.api.ChatFutures;
import io.chatapp.api.AccountInfo;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import io.chatapp.api.Subscription;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * A {@link ChatClient} that calls a {@link ChatEngine} in the same JVM, for applications that
 * embed everything in one process and for tests.
 *
 * <pre>{@code
 * ChatEngine engine = DefaultChatEngine.builder().build();
 * try (ChatClient chat = InProcessChatClient.connect(engine, listener)) {
 *   chat.login("alice", "correct horse");
 * }
 * }</pre>
 *
 * <p>Thread-safe. Calls run on the given executor, or on a cached pool of the client's own that
 * {@link #close()} shuts down, so that their futures behave as a remote client's (the common pool
 * would be wrong: calls block on the engine and its store, and it has one thread on two cores);
 * pushed messages reach the listener on the engine's delivery thread, one at a time.
 */
public final class InProcessChatClient implements ChatClient {
  private final ChatEngine engine;
  private final ChatClientListener listener;
  private final Executor executor;
  private final ExecutorService ownedExecutor; // null when the application lent the executor
  private final Object lock = new Object();
  private String token; // guarded by lock
  private Subscription subscription; // guarded by lock
  private boolean closed; // guarded by lock

  private InProcessChatClient(ChatEngine engine, ChatClientListener listener, Executor executor,
      ExecutorService ownedExecutor) {
    this.engine = engine;
    this.listener = listener;
    this.executor = executor;
    this.ownedExecutor = ownedExecutor;
  }

  /**
   * Connects a client to an engine in this JVM; its calls run on daemon threads of its own,
   * created as needed and stopped by {@link #close()}.
   *
   * @param engine the engine
   * @param listener hears pushed messages; may be {@code null} for none
   * @return the client
   * @throws IllegalArgumentException if {@code engine} is null
   */
  public static InProcessChatClient connect(ChatEngine engine, ChatClientListener listener) {
    if (engine == null) {
      throw new IllegalArgumentException("engine must not be null");
    }
    ExecutorService own = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "chatapp-inprocess-call");
      t.setDaemon(true);
      return t;
    });
    return new InProcessChatClient(engine, orNone(listener), own, own);
  }

  /**
   * Connects a client to an engine in this JVM; its calls run on {@code executor}.
   *
   * @param engine the engine
   * @param listener hears pushed messages; may be {@code null} for none
   * @param executor runs the calls
   * @return the client
   * @throws IllegalArgumentException if {@code engine} or {@code executor} is null
   */
  public static InProcessChatClient connect(ChatEngine engine, ChatClientListener listener, Executor executor) {
    if (engine == null || executor == null) {
      throw new IllegalArgumentException("engine and executor must not be null");
    }
    return new InProcessChatClient(engine, orNone(listener), executor, null);
  }

  private static ChatClientListener orNone(ChatClientListener listener) {
    return listener == null ? new ChatClientListener() {} : listener;
  }

  @Override
  public CompletableFuture<Void> createAccountAsync(String username, String password) {
    return run(() -> {
      engine.createAccount(username, password);
      return null;
    });
  }

  @Override
  public CompletableFuture<Session> loginAsync(String username, String password) {
    return run(() -> adopt(engine.login(username, password)));
  }

  @Override
  public CompletableFuture<Session> resumeAsync(String token) {
    return run(() -> adopt(engine.resume(token)));
  }

  @Override
  public CompletableFuture<Void> logoutAsync() {
    return run(() -> {
      engine.logout(token());
      forget();
      return null;
    });
  }

  @Override
  public CompletableFuture<Page<AccountInfo>> listAccountsAsync(String pattern, String pageToken, int limit) {
    return run(() -> engine.listAccounts(token(), pattern, pageToken, limit));
  }

  @Override
  public CompletableFuture<Message> sendAsync(String recipient, String text, String clientMessageId) {
    return run(() -> engine.send(token(), recipient, text, clientMessageId));
  }

  @Override
  public CompletableFuture<Void> subscribeAsync(long afterSeq) {
    return run(() -> {
      // Close the old one first, so the listener never hears two subscriptions at once.
      closeSubscription();
      Subscription next = engine.subscribe(token(), afterSeq, new Forwarder());
      synchronized (lock) {
        subscription = next;
      }
      return null;
    });
  }

  @Override
  public CompletableFuture<Void> unsubscribeAsync() {
    return run(() -> {
      closeSubscription();
      return null;
    });
  }

  @Override
  public CompletableFuture<List<Message>> fetchAsync(long afterSeq, int limit) {
    return run(() -> engine.fetch(token(), afterSeq, limit));
  }

  @Override
  public CompletableFuture<Long> ackAsync(long uptoSeq) {
    return run(() -> engine.ack(token(), uptoSeq));
  }

  @Override
  public CompletableFuture<Integer> deleteMessagesAsync(Collection<Long> messageIds) {
    return run(() -> engine.deleteMessages(token(), messageIds));
  }

  @Override
  public CompletableFuture<Void> deleteAccountAsync(String password) {
    return run(() -> {
      engine.deleteAccount(token(), password);
      forget();
      return null;
    });
  }

  @Override
  public CompletableFuture<Integer> logoutOtherSessionsAsync(String username, String password) {
    return run(() -> ChatFutures.await(engine.logoutOtherSessionsAsync(username, password, token(), null)));
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
    }
    closeSubscription();
    if (ownedExecutor != null) {
      ownedExecutor.shutdown(); // calls under way finish; their futures complete as usual
    }
  }

  private <T> CompletableFuture<T> run(Supplier<T> call) {
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(new ChatException(ErrorCode.UNAVAILABLE, "the client is closed"));
      }
    }
    try {
      return CompletableFuture.supplyAsync(call, executor);
    } catch (RejectedExecutionException e) {
      // close() ran between the check above and here.
      return CompletableFuture.failedFuture(new ChatException(ErrorCode.UNAVAILABLE, "the client is closed"));
    }
  }

  private Session adopt(Session session) {
    synchronized (lock) {
      token = session.token();
    }
    return session;
  }

  private String token() {
    synchronized (lock) {
      return token;
    }
  }

  private void forget() {
    synchronized (lock) {
      token = null;
    }
    closeSubscription();
  }

  private void closeSubscription() {
    Subscription current;
    synchronized (lock) {
      current = subscription;
      subscription = null;
    }
    if (current != null) {
      current.close();
    }
  }

  /** Forwards one engine subscription to the client's listener, on the engine's delivery thread. */
  private final class Forwarder implements MessageListener {
    @Override
    public void onMessage(Message message) {
      listener.onMessage(message);
    }

    @Override
    public void onEnd(ChatException reason) {
      listener.onSubscriptionEnded(reason);
    }
  }
}
