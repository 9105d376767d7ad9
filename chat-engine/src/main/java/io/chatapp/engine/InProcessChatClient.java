package io.chatapp.engine;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.client.ClientBuilder;
import io.chatapp.client.ClientSettings;
import io.chatapp.client.CoreChatClient;
import io.chatapp.client.spi.Connection;
import io.chatapp.client.spi.Connector;
import io.chatapp.client.spi.Request;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A {@link ChatClient} that calls a {@link ChatEngine} in the same JVM, for applications that
 * embed everything in one process and for tests. It is the client core ({@link CoreChatClient})
 * over a "connection" that calls the engine, so it behaves as the remote clients do: the same
 * deadlines, call order, listener thread and backpressure.
 *
 * <pre>{@code
 * ChatEngine engine = DefaultChatEngine.builder().build();
 * try (ChatClient chat = InProcessChatClient.connect(engine, listener)) {
 *   chat.login("alice", "correct horse");
 * }
 * }</pre>
 *
 * <p>Thread-safe. Calls run on the given executor, or on a cached pool of the client's own that
 * {@link #close()} shuts down (the common pool would be wrong: calls block on the engine and its
 * store, and it has one thread on two cores).
 */
public final class InProcessChatClient extends CoreChatClient {
  private final ExecutorService ownedExecutor; // null when the application lent the executor

  private InProcessChatClient(ChatEngine engine, ChatClientListener listener, Executor executor,
      ExecutorService ownedExecutor) {
    super(new ClientSettings(listener, Duration.ofSeconds(30), false, Duration.ofMillis(100),
        Duration.ofMillis(100), false, 1024, ClientBuilder.DEFAULT_MAX_CALLS_IN_FLIGHT, null),
        new EngineConnector(engine, executor), true);
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
  public void close() {
    super.close();
    if (ownedExecutor != null) {
      ownedExecutor.shutdown(); // calls under way finish; their futures complete as usual
    }
  }

  /** The one "connection" to an engine: it never breaks. */
  private record EngineConnector(ChatEngine engine, Executor executor) implements Connector {
    @Override
    public Connection open(LossListener onLost) {
      return new EngineConnection(engine, executor);
    }

    /** Never: each call runs on its own pool thread, so the next waits for the answer. */
    @Override
    public boolean keepsOrder(Request<?> previous, Request<?> next) {
      return false;
    }

    @Override
    public String describe() {
      return "in-process engine";
    }
  }
}
