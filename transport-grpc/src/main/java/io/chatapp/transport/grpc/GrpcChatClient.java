package io.chatapp.transport.grpc;

import static io.chatapp.transport.grpc.BuilderChecks.checkNotSet;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import io.chatapp.transport.grpc.proto.AckRequest;
import io.chatapp.transport.grpc.proto.AckResponse;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.CreateAccountRequest;
import io.chatapp.transport.grpc.proto.CreateAccountResponse;
import io.chatapp.transport.grpc.proto.DeleteAccountRequest;
import io.chatapp.transport.grpc.proto.DeleteAccountResponse;
import io.chatapp.transport.grpc.proto.DeleteMessagesRequest;
import io.chatapp.transport.grpc.proto.DeleteMessagesResponse;
import io.chatapp.transport.grpc.proto.FetchRequest;
import io.chatapp.transport.grpc.proto.FetchResponse;
import io.chatapp.transport.grpc.proto.ListAccountsRequest;
import io.chatapp.transport.grpc.proto.ListAccountsResponse;
import io.chatapp.transport.grpc.proto.LoginRequest;
import io.chatapp.transport.grpc.proto.LogoutOtherSessionsRequest;
import io.chatapp.transport.grpc.proto.LogoutOtherSessionsResponse;
import io.chatapp.transport.grpc.proto.LogoutRequest;
import io.chatapp.transport.grpc.proto.LogoutResponse;
import io.chatapp.transport.grpc.proto.ResumeRequest;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A {@link ChatClient} over gRPC: one {@link ManagedChannel} to a {@link GrpcChatServer}.
 *
 * <pre>{@code
 * try (ChatClient chat = GrpcChatClient.builder().host("chat.example").port(7071)
 *         .trustedCertificates(Path.of("ca.pem"))     // TLS; omit for plaintext on loopback
 *         .listener(listener)                         // also hears onDisconnected / onReconnected
 *         .build()) {
 *   chat.login("alice", "correct horse");
 *   chat.subscribe(ChatEngine.LATEST);       // pushes go to listener.onMessage
 *   chat.send("bob", "hello", null);
 * }
 * }</pre>
 *
 * <p>Every call has a deadline of the call timeout (10 seconds by default); a call that gets no
 * answer in time, or is cut by a broken connection, fails with {@link ErrorCode#UNAVAILABLE}, and
 * so does every call while the server is away, at once (or at its deadline if it waits for the
 * server with {@link Builder#waitForReady}). Failures from the server keep their
 * {@link ErrorCode}. After a login or resume the client sends the session token as
 * {@code authorization: Bearer <token>} metadata; it never logs it. Sends of a logged-in client
 * travel on one {@code SendStream} call per session, sends made at the same moment sharing a
 * request; see {@link #sendAsync}.
 *
 * <p>The listener hears pushes, the end of the subscription and a lost connection on one thread
 * of this client's ({@code chatapp-grpc-client-N}), never a gRPC thread, one call at a time and
 * in order. When the server ends the subscription (logout, account deleted, the client fell
 * behind) it hears {@code onSubscriptionEnded}. When the connection breaks, or the server shuts
 * down, it hears {@code onDisconnected} once; the client then reconnects on its own, with
 * exponential backoff and jitter ({@link Builder#reconnectBackoff}), keeps its session token and
 * subscribes again after the last message the listener was given, so that the listener hears
 * every message once; the listener then hears {@code onReconnected}. A
 * subscription from {@code LATEST} that has delivered nothing yet is restored from
 * {@code LATEST}: messages stored while the connection was down are not replayed to it, so
 * subscribe from a seq (such as {@code Session.lastReadSeq()}) to be sure of them. Futures
 * complete on a thread of the client's ({@code chatapp-grpc-client-N-callbacks}), never on a
 * Netty event loop.
 *
 * <p>Thread-safe.
 */
public final class GrpcChatClient implements ChatClient {
  /** Default initial wait of {@link Builder#reconnectBackoff}: 100 ms. */
  public static final Duration DEFAULT_RECONNECT_BACKOFF_INITIAL = Duration.ofMillis(100);
  /** Default longest wait of {@link Builder#reconnectBackoff}: 5 seconds. */
  public static final Duration DEFAULT_RECONNECT_BACKOFF_MAX = Duration.ofSeconds(5);
  private static final ReconnectBackoff DEFAULT_RECONNECT_BACKOFF = new ReconnectBackoff(
      DEFAULT_RECONNECT_BACKOFF_INITIAL, DEFAULT_RECONNECT_BACKOFF_MAX, () -> ThreadLocalRandom.current().nextDouble());

  /** Default {@link Builder#callTimeout}: 10 seconds. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);

  private static final System.Logger LOG = System.getLogger(GrpcChatClient.class.getName());
  /** Default {@link Builder#maxInboundMessageBytes}: 16 MiB. */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 16 * 1024 * 1024;

  private static final Duration CHANNEL_CLOSE_TIMEOUT = Duration.ofSeconds(5);
  // Above the server's default permitted minimum, GrpcChatServer.DEFAULT_PERMIT_KEEP_ALIVE_TIME.
  private static final Duration KEEP_ALIVE_TIME = Duration.ofSeconds(30);
  private static final Duration KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(10);
  // gRPC disables idle mode for an idle timeout of 30 days or more.
  private static final long IDLE_MODE_DISABLED_DAYS = 30;
  // How often streamed sends are checked against their deadline: a tenth of the call timeout,
  // within these bounds.
  private static final Duration MIN_SWEEP = Duration.ofMillis(10);
  private static final Duration MAX_SWEEP = Duration.ofSeconds(1);

  private final ManagedChannel channel;
  private final ChatServiceGrpc.ChatServiceStub stub;
  private final Duration callTimeout;
  private final String target;
  private final ListenerDispatcher dispatcher;
  private final DeliveryOwner deliveryOwner = new DeliveryOwner();
  private final FutureCompleter completer = new FutureCompleter();
  private final ReconnectBackoff reconnectBackoff;

  private final Object lock = new Object();
  private String token; // guarded by lock
  private ClientDelivery delivery; // guarded by lock
  private SendPipeline sendPipeline; // guarded by lock; the current session's, if any
  // The application wants a subscription: set by subscribeAsync, cleared by unsubscribe, close
  // and an end the server decided. While set, a subscription lost with the connection is
  // restored.
  private boolean subscriptionWanted; // guarded by lock
  private long subscribedAfterSeq; // guarded by lock; the afterSeq the application asked for
  private ClientDelivery restoreAttempt; // guarded by lock; the delivery that is a restore, if any
  private int reconnectAttempts; // guarded by lock; failed attempts since the connection was lost
  private boolean reconnectScheduled; // guarded by lock
  // Every pipeline not yet ended, the current one and older ones still waiting for results.
  private final Set<SendPipeline> pipelines = ConcurrentHashMap.newKeySet();
  private boolean closed; // guarded by lock

  /**
   * Creates a client over a channel, which it owns and shuts down on {@link #close()}; used by
   * the builder and by tests over the in-process transport.
   *
   * @param channel the channel to the server
   * @param target the server's address, for messages
   * @param listener the listener, or {@code null} for none
   * @param callTimeout the deadline of each call
   */
  GrpcChatClient(ManagedChannel channel, String target, ChatClientListener listener, Duration callTimeout) {
    this(channel, target, listener, callTimeout, false, DEFAULT_RECONNECT_BACKOFF);
  }

  /**
   * Creates a client over a channel, which it owns and shuts down on {@link #close()}.
   *
   * @param channel the channel to the server
   * @param target the server's address, for messages
   * @param listener the listener, or {@code null} for none
   * @param callTimeout the deadline of each call
   * @param waitForReady whether calls wait for an unreachable server up to their deadline
   * @param reconnectBackoff the waits between reconnect attempts
   */
  GrpcChatClient(ManagedChannel channel, String target, ChatClientListener listener, Duration callTimeout,
      boolean waitForReady, ReconnectBackoff reconnectBackoff) {
    this.channel = channel;
    this.reconnectBackoff = reconnectBackoff;
    this.target = target;
    ChatServiceGrpc.ChatServiceStub base =
        ChatServiceGrpc.newStub(ClientInterceptors.intercept(channel, new BearerTokenInterceptor()));
    this.stub = waitForReady ? base.withWaitForReady() : base;
    this.callTimeout = callTimeout;
    this.dispatcher = new ListenerDispatcher(listener);
    dispatcher.watch(channel, target, () -> scheduleReconnect(false));
    Duration sweep = callTimeout.dividedBy(10);
    dispatcher.repeat(this::expireSends,
        sweep.compareTo(MIN_SWEEP) < 0 ? MIN_SWEEP : sweep.compareTo(MAX_SWEEP) > 0 ? MAX_SWEEP : sweep);
  }

  /**
   * Connects a client to a server with the default settings.
   *
   * @param host the server's host name or address
   * @param port the server's port
   * @param listener hears pushes and connection loss; {@code null} for none
   * @return the client; the connection is made in the background and failures show on calls
   * @throws IllegalArgumentException if {@code host} is blank or {@code port} out of range
   */
  public static GrpcChatClient connect(String host, int port, ChatClientListener listener) {
    Builder builder = builder().host(host).port(port);
    if (listener != null) {
      builder.listener(listener);
    }
    return builder.build();
  }

  /**
   * Starts a builder: host {@code 127.0.0.1}, port 7071, no listener, a call timeout of 10 s.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public CompletableFuture<Void> createAccountAsync(String username, String password) {
    CreateAccountRequest request = ChatRequests.createAccount(username, password);
    return this.<CreateAccountResponse, Void>unary(null, (s, o) -> s.createAccount(request, o), r -> null);
  }

  @Override
  public CompletableFuture<Session> loginAsync(String username, String password) {
    LoginRequest request = ChatRequests.login(username, password);
    return this.<io.chatapp.transport.grpc.proto.Session, Session>unary(null, (s, o) -> s.login(request, o),
        r -> adopt(ProtoRecords.fromProto(r)));
  }

  @Override
  public CompletableFuture<Session> resumeAsync(String token) {
    if (!BearerToken.isWellFormed(token)) {
      return CompletableFuture.failedFuture(new ChatException(ErrorCode.UNAUTHENTICATED,
          "malformed session token: expected 1 to " + BearerToken.MAX_TOKEN_CHARS
              + " characters of A-Z a-z 0-9 - _ . ~ + / ="));
    }
    return this.<io.chatapp.transport.grpc.proto.Session, Session>unary(token,
        (s, o) -> s.resume(ResumeRequest.getDefaultInstance(), o), r -> adopt(ProtoRecords.fromProto(r)));
  }

  @Override
  public CompletableFuture<Void> logoutAsync() {
    String current = sessionToken();
    return this.<LogoutResponse, Void>unary(current, (s, o) -> s.logout(LogoutRequest.getDefaultInstance(), o),
        r -> forget(current));
  }

  @Override
  public CompletableFuture<Page<AccountInfo>> listAccountsAsync(String pattern, String pageToken, int limit) {
    ListAccountsRequest request = ChatRequests.listAccounts(pattern, pageToken, limit);
    CompletableFuture<Page<AccountInfo>> future = new CompletableFuture<>();
    if (!startCall(future)) {
      return future;
    }
    {
      // Chunks arrive in listing order; the last one carries the next page's token.
      stub(sessionToken()).listAccounts(request, AnswerObserver.<ListAccountsResponse, ListAccountsResponse.Builder,
          Page<AccountInfo>>streaming(future, ListAccountsResponse.newBuilder(),
          (page, chunk) -> page.mergeFrom(chunk),
          page -> new Page<>(page.getAccountsList().stream().map(ProtoRecords::fromProto).toList(),
              page.hasNextPageToken() ? page.getNextPageToken() : null)));
    }
    return completer.handOff(future);
  }

  /**
   * Sends a message. After a login or resume the send travels on the session's
   * {@code SendStream} call, with sends made at the same moment sharing one request, and is
   * stored after every send made before it by this client for the same session; without a
   * session it is a unary {@code Send}, which the server refuses with
   * {@link ErrorCode#UNAUTHENTICATED}. Either way the future completes with the stored message or
   * fails with the same {@link ChatException}, and fails with {@link ErrorCode#UNAVAILABLE} if
   * no answer comes within the call timeout.
   */
  @Override
  public CompletableFuture<Message> sendAsync(String recipient, String text, String clientMessageId) {
    SendRequest request = ChatRequests.send(recipient, text, clientMessageId);
    SendPipeline pipeline = sendPipeline();
    if (pipeline != null) {
      return pipeline.send(request, System.nanoTime() + callTimeout.toNanos());
    }
    return this.<io.chatapp.transport.grpc.proto.Message, Message>unary(sessionToken(),
        (s, o) -> s.send(request, o), ProtoRecords::fromProto);
  }

  /**
   * Returns the pipeline of the current session, starting one if there is none or the last one
   * ended; {@code null} without a session or once closed. A pipeline of an older token is
   * finished: what it holds is still sent, with the token it was made with.
   */
  private SendPipeline sendPipeline() {
    SendPipeline created;
    SendPipeline previous;
    synchronized (lock) {
      if (closed || token == null) {
        return null;
      }
      if (sendPipeline != null && sendPipeline.token().equals(token) && !sendPipeline.isClosedForSends()) {
        return sendPipeline;
      }
      previous = sendPipeline;
      created = new SendPipeline(token, completer);
      sendPipeline = created;
      pipelines.add(created);
    }
    if (previous != null) {
      previous.finish();
    }
    created.start(stubWithToken(created.token()));
    return created;
  }

  /** Fails the streamed sends whose deadline passed; runs on the listener thread. */
  private void expireSends() {
    long now = System.nanoTime();
    for (SendPipeline pipeline : pipelines) {
      pipeline.expire(now, callTimeout.toMillis());
      if (pipeline.isEnded()) {
        pipelines.remove(pipeline);
      }
    }
  }

  /**
   * Opens the subscription's server-streaming call, replacing the one before, if any. The call
   * itself has no deadline; its registration must come within the call timeout.
   *
   * @param afterSeq deliver messages above this seq, or {@link io.chatapp.api.ChatEngine#LATEST}
   * @return completes once the server has accepted the subscription
   */
  @Override
  public CompletableFuture<Void> subscribeAsync(long afterSeq) {
    ClientDelivery next = new ClientDelivery(deliveryOwner, dispatcher);
    ClientDelivery previous;
    String current;
    synchronized (lock) {
      if (closed) {
        return closedFailure();
      }
      previous = delivery;
      delivery = next;
      current = token;
      subscriptionWanted = true;
      subscribedAfterSeq = afterSeq;
      restoreAttempt = null;
    }
    dispatcher.restoring(false);
    dispatcher.startDelivery(afterSeq);
    // The old delivery stops before the new call starts, so the listener never hears two.
    if (previous != null) {
      previous.stop("replaced by a new subscription");
    }
    CompletableFuture<Void> registered = next.registered();
    // The stream itself has no deadline, it lives until cancelled; its registration has one.
    try {
      ScheduledFuture<?> timeout = dispatcher.schedule(() -> {
        if (!registered.isDone()) {
          next.stop("no answer from the server within the call timeout of " + callTimeout.toMillis() + " ms");
        }
      }, callTimeout);
      registered.whenComplete((v, e) -> timeout.cancel(false));
    } catch (RejectedExecutionException e) {
      next.stop("the client is closed");
      return registered.copy();
    }
    stubWithToken(current).subscribe(SubscribeRequest.newBuilder().setAfterSeq(afterSeq).build(), next);
    return completer.handOff(registered);
  }

  /**
   * Stops delivery by cancelling the subscription's call. Once the future completes the listener
   * hears no more messages of it; the server closes the engine subscription as the cancellation
   * reaches it, a moment later.
   *
   * @return completes once the listener has handled every push handed to it before
   */
  @Override
  public CompletableFuture<Void> unsubscribeAsync() {
    ClientDelivery current;
    synchronized (lock) {
      if (closed) {
        return closedFailure();
      }
      current = delivery;
      delivery = null;
      subscriptionWanted = false;
      restoreAttempt = null;
    }
    dispatcher.restoring(false);
    if (current == null) {
      return CompletableFuture.completedFuture(null);
    }
    current.stop("unsubscribed");
    // Completes on the listener thread behind every push already handed to it, which the stop
    // made it drop: once the future completes the listener hears nothing more.
    return dispatcher.barrier();
  }

  @Override
  public CompletableFuture<List<Message>> fetchAsync(long afterSeq, int limit) {
    FetchRequest request = FetchRequest.newBuilder().setAfterSeq(afterSeq).setLimit(limit).build();
    return this.<FetchResponse, List<Message>>unary(sessionToken(), (s, o) -> s.fetch(request, o),
        r -> r.getMessagesList().stream().map(ProtoRecords::fromProto).toList());
  }

  @Override
  public CompletableFuture<Long> ackAsync(long uptoSeq) {
    AckRequest request = AckRequest.newBuilder().setUptoSeq(uptoSeq).build();
    return this.<AckResponse, Long>unary(sessionToken(), (s, o) -> s.ack(request, o), AckResponse::getUnreadCount);
  }

  @Override
  public CompletableFuture<Integer> deleteMessagesAsync(Collection<Long> messageIds) {
    DeleteMessagesRequest request;
    try {
      request = ChatRequests.deleteMessages(messageIds);
    } catch (ChatException e) {
      return CompletableFuture.failedFuture(e);
    }
    return this.<DeleteMessagesResponse, Integer>unary(sessionToken(), (s, o) -> s.deleteMessages(request, o),
        DeleteMessagesResponse::getDeletedCount);
  }

  @Override
  public CompletableFuture<Void> deleteAccountAsync(String password) {
    DeleteAccountRequest request = ChatRequests.deleteAccount(password);
    String current = sessionToken();
    return this.<DeleteAccountResponse, Void>unary(current, (s, o) -> s.deleteAccount(request, o),
        r -> forget(current));
  }

  /**
   * Ends the user's other sessions with {@code LogoutOtherSessions}; the call carries this
   * client's session token, if it is logged in, as the session to keep.
   */
  @Override
  public CompletableFuture<Integer> logoutOtherSessionsAsync(String username, String password) {
    LogoutOtherSessionsRequest request = ChatRequests.logoutOtherSessions(username, password);
    return this.<LogoutOtherSessionsResponse, Integer>unary(sessionToken(),
        (s, o) -> s.logoutOtherSessions(request, o), LogoutOtherSessionsResponse::getEnded);
  }

  /**
   * Closes the channel: calls in flight fail with {@link ErrorCode#UNAVAILABLE}, the subscription
   * is cancelled, and the listener hears nothing more, not even {@code onDisconnected}. The
   * session stays valid on the server. Calling it again does nothing.
   */
  @Override
  public void close() {
    ClientDelivery current;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      current = delivery;
      delivery = null;
      token = null;
      sendPipeline = null;
      subscriptionWanted = false;
      restoreAttempt = null;
    }
    if (current != null) {
      current.stop("the client is closed");
    }
    ChatException closing = new ChatException(ErrorCode.UNAVAILABLE, "the client is closed");
    for (SendPipeline pipeline : pipelines) {
      pipeline.cancel(closing);
    }
    pipelines.clear();
    completer.shutdown();
    // Before the channel goes down, so that its shutdown is not reported as a lost connection.
    dispatcher.shutdown();
    channel.shutdownNow();
    try {
      if (!channel.awaitTermination(CHANNEL_CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.log(System.Logger.Level.WARNING, "channel to " + target + " did not terminate within "
            + CHANNEL_CLOSE_TIMEOUT.toMillis() + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until the listener thread has finished after {@link #close()}, for tests that check
   * the listener hears nothing more.
   *
   * @param timeout how long to wait
   * @return {@code true} if it finished in time
   * @throws InterruptedException if interrupted while waiting
   */
  boolean awaitListenerTermination(Duration timeout) throws InterruptedException {
    return dispatcher.awaitTermination(timeout);
  }

  private <R, T> CompletableFuture<T> unary(String sessionToken,
      BiConsumer<ChatServiceGrpc.ChatServiceStub, StreamObserver<R>> rpc, Function<? super R, ? extends T> convert) {
    CompletableFuture<T> future = new CompletableFuture<>();
    if (!startCall(future)) {
      return future;
    }
    rpc.accept(stub(sessionToken), AnswerObserver.unary(future, convert));
    // The answer arrives on the channel's event loop; the application's callbacks must not.
    return completer.handOff(future);
  }

  private boolean startCall(CompletableFuture<?> future) {
    synchronized (lock) {
      if (!closed) {
        return true;
      }
    }
    future.completeExceptionally(new ChatException(ErrorCode.UNAVAILABLE, "the client is closed"));
    return false;
  }

  private ChatServiceGrpc.ChatServiceStub stub(String sessionToken) {
    return stubWithToken(sessionToken).withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private ChatServiceGrpc.ChatServiceStub stubWithToken(String sessionToken) {
    return sessionToken == null ? stub : stub.withOption(BearerTokenInterceptor.SESSION_TOKEN, sessionToken);
  }

  private String sessionToken() {
    synchronized (lock) {
      return token;
    }
  }

  private Session adopt(Session session) {
    if (!BearerToken.isWellFormed(session.token())) {
      throw new IllegalArgumentException("the session token from the server is not well-formed");
    }
    synchronized (lock) {
      token = session.token();
    }
    return session;
  }

  private Void forget(String ended) {
    SendPipeline finished = null;
    synchronized (lock) {
      if (ended != null && ended.equals(token)) {
        token = null;
        finished = sendPipeline;
        sendPipeline = null;
      }
    }
    if (finished != null) {
      finished.finish();
    }
    return null;
  }

  private static <T> CompletableFuture<T> closedFailure() {
    return CompletableFuture.failedFuture(new ChatException(ErrorCode.UNAVAILABLE, "the client is closed"));
  }

  /** Hears how deliveries end; runs on gRPC threads. */
  private final class DeliveryOwner implements ClientDelivery.Owner {
    @Override
    public void deliveryEnded(ClientDelivery ended, ChatException reason, boolean connectionLost) {
      // A server that shuts down ends the stream with UNAVAILABLE itself: for the application
      // that is the connection going away, and the subscription comes back with it.
      boolean lost = connectionLost || reason.code() == ErrorCode.UNAVAILABLE;
      boolean wasRestore;
      boolean restore;
      synchronized (lock) {
        boolean current = delivery == ended;
        if (current) {
          delivery = null;
        }
        wasRestore = restoreAttempt == ended;
        if (wasRestore) {
          restoreAttempt = null;
        }
        restore = current && lost && subscriptionWanted && !closed;
        if (current && !lost) {
          subscriptionWanted = false; // the server ended it for good: the application decides
        }
      }
      if (wasRestore) {
        if (lost) {
          scheduleReconnect(true);
        } else {
          // The server answered and refused (the session ended meanwhile): the connection is
          // back, the subscription is not.
          dispatcher.reconnected();
          dispatcher.subscriptionEnded(reason, ended::isStopped);
        }
        return;
      }
      if (ended.registered().isCompletedExceptionally()) {
        // Never registered: the application's subscribe future carries the failure.
        synchronized (lock) {
          if (restore) {
            subscriptionWanted = false;
          }
        }
        return;
      }
      if (lost) {
        if (restore) {
          dispatcher.restoring(true);
        }
        dispatcher.connectionLost(reason);
        scheduleReconnect(false);
      } else {
        dispatcher.subscriptionEnded(reason, ended::isStopped);
      }
    }
  }

  /**
   * Plans the next reconnect attempt after an exponential backoff with jitter. The first comes
   * after the initial backoff; each failed one doubles the wait, up to the maximum.
   *
   * @param failedAttempt whether this follows a failed attempt rather than a fresh loss
   */
  private void scheduleReconnect(boolean failedAttempt) {
    long delayNanos;
    synchronized (lock) {
      if (closed || reconnectScheduled) {
        return;
      }
      reconnectAttempts = failedAttempt ? reconnectAttempts + 1 : 0;
      reconnectScheduled = true;
      delayNanos = reconnectBackoff.delayNanos(reconnectAttempts);
    }
    try {
      // On the listener thread, after every message the lost delivery handed over: the restored
      // subscription starts after the last of them.
      dispatcher.schedule(this::reconnect, Duration.ofNanos(delayNanos));
    } catch (RejectedExecutionException e) {
      // closed meanwhile: nothing to restore
    }
  }

  /** One reconnect attempt; runs on the listener thread. */
  private void reconnect() {
    ClientDelivery attempt = null;
    String current;
    long afterSeq;
    boolean resubscribe;
    boolean awaitOldDelivery;
    synchronized (lock) {
      reconnectScheduled = false;
      if (closed) {
        return;
      }
      resubscribe = subscriptionWanted && delivery == null && token != null;
      // The channel noticed the loss before the subscription's call did: wait for its end, so
      // that the restored one starts after its last message.
      awaitOldDelivery = subscriptionWanted && delivery != null && restoreAttempt == null;
      current = token;
      afterSeq = dispatcher.lastDeliveredSeq(subscribedAfterSeq);
      if (resubscribe) {
        attempt = new ClientDelivery(deliveryOwner, dispatcher);
        delivery = attempt;
        restoreAttempt = attempt;
      }
    }
    // Skip the channel's own backoff, which grows to minutes: ours decides when to try.
    channel.resetConnectBackoff();
    if (!resubscribe) {
      if (!dispatcher.isDisconnected()) {
        return;
      }
      if (channel.getState(true) == io.grpc.ConnectivityState.READY && !awaitOldDelivery) {
        dispatcher.connectionUp();
        dispatcher.reconnected();
      } else {
        scheduleReconnect(true); // the channel watcher reports READY as soon as it comes
      }
      return;
    }
    ClientDelivery restoring = attempt;
    restoring.registered().whenComplete((v, e) -> {
      if (e == null) {
        synchronized (lock) {
          if (restoreAttempt == restoring) {
            restoreAttempt = null;
          }
          reconnectAttempts = 0;
        }
        dispatcher.reconnected();
      }
    });
    try {
      ScheduledFuture<?> timeout = dispatcher.schedule(() -> {
        if (!restoring.registered().isDone()) {
          restoring.abandon("no answer from the server within the call timeout of " + callTimeout.toMillis() + " ms");
        }
      }, callTimeout);
      restoring.registered().whenComplete((v, e) -> timeout.cancel(false));
    } catch (RejectedExecutionException e) {
      return; // closed meanwhile
    }
    stubWithToken(current).subscribe(SubscribeRequest.newBuilder().setAfterSeq(afterSeq).build(), restoring);
  }

  /**
   * Settings of a {@link GrpcChatClient}. Each value is checked when set and may be set once.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private String host = "127.0.0.1";
    private boolean hostSet;
    private int port = 7071;
    private boolean portSet;
    private ChatClientListener listener;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
    private boolean callTimeoutSet;
    private int maxInboundMessageBytes = DEFAULT_MAX_INBOUND_MESSAGE_BYTES;
    private boolean maxInboundMessageBytesSet;
    private SslContext sslContext;
    private Path trustedCertificates;
    private boolean waitForReady;
    private boolean waitForReadySet;
    private ReconnectBackoff reconnectBackoff = DEFAULT_RECONNECT_BACKOFF;
    private boolean reconnectBackoffSet;

    /**
     * Sets the waits between attempts to reconnect after a lost connection: the first after
     * {@code initial}, each next one twice as long up to {@code max}, each with ±20% jitter.
     * Default 100 ms up to 5 s.
     *
     * @param initial the first wait, more than zero
     * @param max the longest wait, at least {@code initial}
     * @return this builder
     * @throws IllegalArgumentException if a wait is {@code null}, not positive, or
     *     {@code max < initial}
     * @throws IllegalStateException if the backoff was set before
     */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      checkNotSet(reconnectBackoffSet, "reconnectBackoff", reconnectBackoff.initial() + ".." + reconnectBackoff.max());
      this.reconnectBackoff = new ReconnectBackoff(initial, max, () -> ThreadLocalRandom.current().nextDouble());
      reconnectBackoffSet = true;
      return this;
    }

    private Builder() {}

    /**
     * Connects over TLS (1.2 or 1.3), trusting the certificates in a PEM file: the server's own
     * self-signed certificate, or the authority that signed it. The server's certificate must
     * name the host connected to (a DNS or IP subject alternative name). Default: plaintext.
     *
     * @param caPem one or more {@code BEGIN CERTIFICATE} blocks
     * @return this builder
     * @throws IllegalArgumentException if {@code caPem} is {@code null} or holds no readable
     *     certificate
     * @throws IllegalStateException if the trusted certificates were set before
     */
    public Builder trustedCertificates(Path caPem) {
      checkNotSet(trustedCertificates != null, "trustedCertificates", trustedCertificates);
      if (caPem == null || !Files.isRegularFile(caPem) || !Files.isReadable(caPem)) {
        throw new IllegalArgumentException("trustedCertificates must be a readable PEM file, was " + caPem);
      }
      try {
        this.sslContext = GrpcSslContexts.forClient()
            .trustManager(caPem.toFile())
            .protocols("TLSv1.3", "TLSv1.2")
            .build();
      } catch (SSLException | IllegalArgumentException e) {
        throw new IllegalArgumentException("cannot read trusted certificates from " + caPem + ": " + e.getMessage(), e);
      }
      this.trustedCertificates = caPem;
      return this;
    }

    /**
     * Sets whether calls made while the server cannot be reached wait for it, up to their
     * deadline (the call timeout), instead of failing at once with {@link ErrorCode#UNAVAILABLE}.
     * Default {@code false}: fail fast.
     *
     * @param wait whether to wait
     * @return this builder
     * @throws IllegalStateException if it was set before
     */
    public Builder waitForReady(boolean wait) {
      checkNotSet(waitForReadySet, "waitForReady", waitForReady);
      this.waitForReady = wait;
      waitForReadySet = true;
      return this;
    }

    /**
     * Sets the server's host. Default {@code 127.0.0.1}.
     *
     * @param host a host name or IP address
     * @return this builder
     * @throws IllegalArgumentException if {@code host} is {@code null} or blank
     * @throws IllegalStateException if the host was set before
     */
    public Builder host(String host) {
      checkNotSet(hostSet, "host", this.host);
      this.host = BuilderChecks.host(host);
      hostSet = true;
      return this;
    }

    /**
     * Sets the server's port. Default 7071.
     *
     * @param port 1 to 65535
     * @return this builder
     * @throws IllegalArgumentException if {@code port} is out of range
     * @throws IllegalStateException if the port was set before
     */
    public Builder port(int port) {
      checkNotSet(portSet, "port", this.port);
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be 1 to 65535, was " + port);
      }
      this.port = port;
      portSet = true;
      return this;
    }

    /**
     * Sets the listener that hears pushes, the end of the subscription and a lost connection.
     * Default: none.
     *
     * @param listener the listener
     * @return this builder
     * @throws IllegalArgumentException if {@code listener} is {@code null}
     * @throws IllegalStateException if the listener was set before
     */
    public Builder listener(ChatClientListener listener) {
      checkNotSet(this.listener != null, "listener", this.listener);
      if (listener == null) {
        throw new IllegalArgumentException("listener must not be null");
      }
      this.listener = listener;
      return this;
    }

    /**
     * Sets the deadline of every call, and how long a subscribe waits to be registered. Default
     * 10 seconds.
     *
     * @param timeout more than zero
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is {@code null}, zero or negative
     * @throws IllegalStateException if the timeout was set before
     */
    public Builder callTimeout(Duration timeout) {
      checkNotSet(callTimeoutSet, "callTimeout", callTimeout);
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("callTimeout must be more than zero, was " + timeout);
      }
      this.callTimeout = timeout;
      callTimeoutSet = true;
      return this;
    }

    /**
     * Sets the largest answer the client reads. Default 16 MiB, enough for a fetch of 1000
     * messages of the longest text.
     *
     * @param bytes 1024 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1024
     * @throws IllegalStateException if the size was set before
     */
    public Builder maxInboundMessageBytes(int bytes) {
      checkNotSet(maxInboundMessageBytesSet, "maxInboundMessageBytes", maxInboundMessageBytes);
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxInboundMessageBytes must be at least 1024, was " + bytes);
      }
      this.maxInboundMessageBytes = bytes;
      maxInboundMessageBytesSet = true;
      return this;
    }

    /**
     * Builds the client; it starts connecting in the background.
     *
     * @return the client
     */
    public GrpcChatClient build() {
      NettyChannelBuilder builder = NettyChannelBuilder.forAddress(host, port);
      if (sslContext != null) {
        builder.sslContext(sslContext).useTransportSecurity();
      } else {
        builder.usePlaintext();
      }
      ManagedChannel channel = builder
          // Callbacks run on the event loop that read the answer: each is short and hands
          // application work to the listener thread or the FutureCompleter, one hand-off per
          // answer instead of one per gRPC callback.
          .directExecutor()
          .maxInboundMessageSize(maxInboundMessageBytes)
          .keepAliveTime(KEEP_ALIVE_TIME.toSeconds(), TimeUnit.SECONDS)
          .keepAliveTimeout(KEEP_ALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
          // Idle mode would drop the connection of a quiet client and report it as lost.
          .idleTimeout(IDLE_MODE_DISABLED_DAYS, TimeUnit.DAYS)
          .build();
      return new GrpcChatClient(channel, host + ":" + port, listener, callTimeout, waitForReady, reconnectBackoff);
    }
  }
}
