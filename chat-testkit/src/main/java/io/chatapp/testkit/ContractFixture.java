package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import io.chatapp.engine.DefaultChatEngine;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.InMemoryChatStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the {@link ChatClient} contract suite runs on: a fresh engine and server for each test,
 * clients closed after it, and the helpers its cases share. The cases live in the subclasses
 * ({@link HostileClientCases}, {@link ChatClientContract}), one theme a file; transports extend
 * {@link ChatClientContract}.
 *
 * <p>Asynchronous events are awaited with {@link RecordingListener} queues, bounded by
 * {@link RecordingListener#TIMEOUT_MS}.
 */
public abstract class ContractFixture {
  protected static final String PASSWORD = "correct horse battery";
  /** The engine's send allowance per session; the clock stands still unless a test moves it. */
  protected static final int SENDS_PER_SECOND = 100;
  protected static final int SEND_BURST = 1000;
  protected static final int MAX_SESSIONS = 8;
  protected static final int MAX_UNREAD = 5000;
  protected static final int MAX_UNREAD_PER_SENDER = 500;

  private final List<ChatClient> clients = Collections.synchronizedList(new ArrayList<>());
  private ChatEngine engine;

  /** Starts a server that serves {@code engine}; called before each test. */
  protected abstract void startServer(ChatEngine engine) throws Exception;

  /** Connects a new client to the server started by {@link #startServer}. */
  protected abstract ChatClient connect(ChatClientListener listener) throws Exception;

  /** Stops the server; called after each test, after every client was closed. */
  protected abstract void stopServer() throws Exception;

  /**
   * Stops the server, runs {@code whileStopped}, and starts the server again on the same address
   * over the same engine, for a transport whose clients reconnect on their own. The default
   * skips the test that uses it.
   */
  protected void restartServer(Runnable whileStopped) throws Exception {
    Assumptions.abort("this transport has no connection to lose");
  }

  /** Restarts the server at once; see {@link #restartServer(Runnable)}. */
  protected final void restartServer() throws Exception {
    restartServer(() -> {});
  }

  /**
   * Tells whether the clients {@link #connect} makes run their listener where it may block: on a
   * thread of the client's own, as by default. A suite whose clients run it on the transport's
   * thread ({@code callbackExecutor(Runnable::run)}) says {@code false}, and the cases of a
   * blocking listener are skipped: there a listener must not block.
   */
  protected boolean listenerMayBlock() {
    return true;
  }

  /**
   * Connects a new client that knows two servers over this test's engine: the one
   * {@link #startServer} started, first, and a second one, started now if it is not running yet,
   * as its {@linkplain io.chatapp.client.ClientBuilder#failoverServer failover server}; for a
   * transport whose clients fail over. The default skips the test that uses it. The second
   * server stops with the first, in {@link #stopServer}.
   */
  protected ChatClient connectWithFailover(ChatClientListener listener) throws Exception {
    Assumptions.abort("this transport's clients have no failover servers");
    return null;
  }

  /**
   * Stops the server {@link #startServer} started for good, after starting the second server
   * of {@link #connectWithFailover} if it is not running yet. The default skips the test.
   */
  protected void stopFirstServer() throws Exception {
    Assumptions.abort("this transport's clients have no failover servers");
  }

  /**
   * Waits until what the clients changed through one server has reached every other server over
   * the same data, for a fixture whose clients talk to several (nodes on one database): marks,
   * sessions ended elsewhere. Cases call it where a client reads what another client changed
   * through another server. With one server there is nothing to wait for, the default.
   */
  protected void awaitNodesAgree() throws Exception {}

  /** The engine the server serves, for acting on it while the server is down. */
  protected final ChatEngine engine() {
    return engine;
  }

  /** Creates the store of one test's engine: in memory unless a storage module says otherwise. */
  protected ChatStore newStore() throws Exception {
    return new InMemoryChatStore();
  }

  /** The engine's clock, which tests move forward to expire sessions and throttles. */
  protected final FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));

  /**
   * Builds an engine over {@code store} with the suite's clock and limits, as the fixture's own
   * engine is built: a server with a second engine (a cluster node) builds it here.
   */
  protected final ChatEngine newEngine(ChatStore store) {
    return DefaultChatEngine.builder().store(store).clock(clock).passwordIterations(1000)
        .sendRate(SENDS_PER_SECOND, SEND_BURST).maxSessionsPerUser(MAX_SESSIONS)
        .maxUnreadPerMailbox(MAX_UNREAD).maxUnreadPerSender(MAX_UNREAD_PER_SENDER).build();
  }

  @BeforeEach
  final void startContract() throws Exception {
    engine = newEngine(newStore());
    startServer(engine);
  }

  @AfterEach
  final void stopContract() throws Exception {
    synchronized (clients) {
      clients.forEach(ChatClient::close);
      clients.clear();
    }
    stopServer();
    engine.close();
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** A new connected client whose pushes go to {@code listener}; closed after the test. */
  protected final ChatClient client(ChatClientListener listener) throws Exception {
    ChatClient client = connect(listener);
    clients.add(client);
    return client;
  }

  /** A new client of {@link #connectWithFailover}; closed after the test. */
  protected final ChatClient failoverClient(ChatClientListener listener) throws Exception {
    ChatClient client = connectWithFailover(listener);
    clients.add(client);
    return client;
  }

  protected final ChatClient client() throws Exception {
    return client(new RecordingListener());
  }

  /** Creates {@code username} and returns a client logged in as that user. */
  protected final ChatClient user(String username, RecordingListener listener) throws Exception {
    ChatClient client = client(listener);
    client.createAccount(username, PASSWORD);
    client.login(username, PASSWORD);
    return client;
  }

  protected final ChatClient user(String username) throws Exception {
    return user(username, new RecordingListener());
  }

  /** Creates {@code username}, logs in and subscribes for new messages. */
  protected final ChatClient onlineUser(String username, RecordingListener listener) throws Exception {
    ChatClient client = user(username, listener);
    client.subscribe(ChatEngine.LATEST);
    return client;
  }

  protected static ChatException failsWith(ErrorCode code, Executable call) {
    ChatException e = assertThrows(ChatException.class, call);
    assertEquals(code, e.code(), () -> "message was: " + e.getMessage());
    assertFalse(e.getMessage().isBlank(), "an error must say what was wrong");
    return e;
  }

  protected static List<String> names(Page<AccountInfo> page) {
    return page.items().stream().map(AccountInfo::username).toList();
  }
}
