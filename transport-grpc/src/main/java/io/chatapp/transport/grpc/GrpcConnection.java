package io.chatapp.transport.grpc;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import io.chatapp.client.spi.CallContext;
import io.chatapp.client.spi.Connection;
import io.chatapp.client.spi.Connector;
import io.chatapp.client.spi.Request;
import io.chatapp.transport.grpc.proto.AckRequest;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.CreateAccountRequest;
import io.chatapp.transport.grpc.proto.DeleteAccountRequest;
import io.chatapp.transport.grpc.proto.DeleteMessagesRequest;
import io.chatapp.transport.grpc.proto.FetchRequest;
import io.chatapp.transport.grpc.proto.GetHistoryRequest;
import io.chatapp.transport.grpc.proto.GetSettingsRequest;
import io.chatapp.transport.grpc.proto.ListConversationsRequest;
import io.chatapp.transport.grpc.proto.ListAccountsRequest;
import io.chatapp.transport.grpc.proto.ListAccountsResponse;
import io.chatapp.transport.grpc.proto.LoginRequest;
import io.chatapp.transport.grpc.proto.LogoutOtherSessionsRequest;
import io.chatapp.transport.grpc.proto.LogoutRequest;
import io.chatapp.transport.grpc.proto.ResumeRequest;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.chatapp.transport.grpc.proto.SendTypingRequest;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import io.chatapp.transport.grpc.proto.UnsubscribeRequest;
import io.chatapp.transport.grpc.proto.UpdateSettingsRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One connection of a {@link GrpcChatClient}: one {@link ManagedChannel} of its own, connected
 * when this is made, and never reconnected by gRPC: once the channel leaves {@code READY}, or a
 * stream breaks with the transport's UNAVAILABLE, the connection reports itself lost once and
 * shuts its channel down, and the client core opens a new one.
 *
 * <p>Each {@link Request} is one RPC with the call's deadline and the session token as bearer
 * metadata; sends of a session share one {@code SendStream} call ({@link SendPipeline}); the
 * subscription is one {@code Subscribe} call under manual flow control ({@link SubscriptionStream}).
 * Answers complete on the connector's completer: its own thread, never the event loop, unless the
 * application gave a callback executor (a direct one completes them on the event loop).
 *
 * <p>Thread-safe: the core calls it from any thread; gRPC calls back on the channel's event loop.
 */
final class GrpcConnection implements Connection {
  private static final System.Logger LOG = System.getLogger(GrpcConnection.class.getName());
  private static final long CLOSE_WAIT_SECONDS = 5;

  private final ManagedChannel managed;
  private final Channel channel;
  private final Executor completer;
  private final Executor ownThread;
  private final String target;
  private final Connector.LossListener onLost;
  private final AtomicBoolean over = new AtomicBoolean(); // closed or lost: report nothing more

  private final Object lock = new Object();
  private SendPipeline sends; // guarded by lock; the pipeline of the last token sent with
  private SubscriptionStream subscription; // guarded by lock
  private boolean paused; // guarded by lock

  /**
   * @param completer completes answers
   * @param ownThread a thread of the connector's own, never the event loop: shuts the channel down
   */
  GrpcConnection(ManagedChannel managed, Executor completer, Executor ownThread, String target,
      Connector.LossListener onLost) {
    this.managed = managed;
    this.channel = ClientInterceptors.intercept(managed, new BearerTokenInterceptor());
    this.completer = completer;
    this.ownThread = ownThread;
    this.target = target;
    this.onLost = onLost;
    watch();
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> call(Request<T> request, CallContext context) {
    return (CompletableFuture<T>) answer(request, context);
  }

  private CompletableFuture<?> answer(Request<?> request, CallContext ctx) {
    String token = ctx.sessionToken();
    if (request instanceof Request.Send s) {
      SendRequest send = SendRequest.newBuilder().setRecipient(s.recipient()).setText(s.text())
          .setClientMessageId(s.clientMessageId()).build();
      // Without a session the server refuses it, with the same words as any call without one.
      return token != null ? pipeline(token).send(send)
          : unary(ChatServiceGrpc.getSendMethod(), send, null, ctx, ProtoRecords::fromProto);
    } else if (request instanceof Request.Subscribe s) {
      return subscribe(s, token);
    } else if (request instanceof Request.Unsubscribe) {
      stopSubscription();
      if (token == null) {
        return CompletableFuture.completedFuture(null);
      }
      // The cancellation ends the server's subscription once it arrives; Unsubscribe answers once
      // it has ended, so that the user is offline when unsubscribe() returns. Any failure (an
      // older server without the RPC, a lost connection) leaves the cancellation to do it.
      return unary(ChatServiceGrpc.getUnsubscribeMethod(), UnsubscribeRequest.getDefaultInstance(), token, ctx,
          r -> null).handle((v, e) -> null);
    } else if (request instanceof Request.Login l) {
      return unary(ChatServiceGrpc.getLoginMethod(),
          LoginRequest.newBuilder().setUsername(l.username()).setPassword(l.password()).build(), null, ctx,
          GrpcConnection::session);
    } else if (request instanceof Request.Resume r) {
      if (!BearerToken.isWellFormed(r.token())) {
        return CompletableFuture.failedFuture(new ChatException(ErrorCode.UNAUTHENTICATED,
            "malformed session token: expected 1 to " + BearerToken.MAX_TOKEN_CHARS
                + " characters of A-Z a-z 0-9 - _ . ~ + / ="));
      }
      return unary(ChatServiceGrpc.getResumeMethod(), ResumeRequest.getDefaultInstance(), r.token(), ctx,
          GrpcConnection::session);
    } else if (request instanceof Request.Fetch f) {
      return unary(ChatServiceGrpc.getFetchMethod(),
          FetchRequest.newBuilder().setAfterSeq(f.afterSeq()).setLimit(f.limit()).build(), token, ctx,
          r -> r.getMessagesList().stream().map(ProtoRecords::fromProto).toList());
    } else if (request instanceof Request.Ack a) {
      return unary(ChatServiceGrpc.getAckMethod(), AckRequest.newBuilder().setUptoSeq(a.uptoSeq()).build(), token,
          ctx, r -> r.getUnreadCount());
    } else if (request instanceof Request.CreateAccount c) {
      return unary(ChatServiceGrpc.getCreateAccountMethod(),
          CreateAccountRequest.newBuilder().setUsername(c.username()).setPassword(c.password()).build(), token, ctx,
          r -> null);
    } else if (request instanceof Request.Logout) {
      return unary(ChatServiceGrpc.getLogoutMethod(), LogoutRequest.getDefaultInstance(), token, ctx, r -> null);
    } else if (request instanceof Request.ListAccounts l) {
      ListAccountsRequest.Builder list = ListAccountsRequest.newBuilder().setLimit(l.limit());
      if (l.pattern() != null) {
        list.setPattern(l.pattern());
      }
      if (l.pageToken() != null) {
        list.setPageToken(l.pageToken());
      }
      // Chunks arrive in listing order; the last one carries the next page's token.
      var answer = AnswerObserver.<ListAccountsRequest, ListAccountsResponse, ListAccountsResponse.Builder,
          Page<AccountInfo>>streaming(completer, ListAccountsResponse.newBuilder(), (page, chunk) -> page.mergeFrom(chunk),
          page -> new Page<>(page.getAccountsList().stream().map(ProtoRecords::fromProto).toList(),
              page.hasNextPageToken() ? page.getNextPageToken() : null));
      ClientCalls.asyncServerStreamingCall(newCall(ChatServiceGrpc.getListAccountsMethod(), token, ctx), list.build(),
          answer);
      return answer.future();
    } else if (request instanceof Request.DeleteMessages d) {
      return unary(ChatServiceGrpc.getDeleteMessagesMethod(),
          DeleteMessagesRequest.newBuilder().addAllMessageIds(d.messageIds()).build(), token, ctx,
          r -> r.getDeletedCount());
    } else if (request instanceof Request.DeleteAccount d) {
      return unary(ChatServiceGrpc.getDeleteAccountMethod(),
          DeleteAccountRequest.newBuilder().setPassword(d.password()).build(), token, ctx, r -> null);
    } else if (request instanceof Request.LogoutOthers l) {
      return unary(ChatServiceGrpc.getLogoutOtherSessionsMethod(),
          LogoutOtherSessionsRequest.newBuilder().setUsername(l.username()).setPassword(l.password()).build(), token,
          ctx, r -> r.getEnded());
    } else if (request instanceof Request.ListConversations l) {
      ListConversationsRequest.Builder list = ListConversationsRequest.newBuilder().setPageSize(l.limit());
      if (l.pageToken() != null) {
        list.setPageToken(l.pageToken());
      }
      return unary(ChatServiceGrpc.getListConversationsMethod(), list.build(), token, ctx,
          r -> new Page<>(r.getConversationsList().stream().map(ProtoRecords::fromProto).toList(),
              r.getNextPageToken().isEmpty() ? null : r.getNextPageToken()));
    } else if (request instanceof Request.History h) {
      // The wire pages by an opaque token; this client's is made from the message id it pages by.
      return unary(ChatServiceGrpc.getGetHistoryMethod(), GetHistoryRequest.newBuilder().setPeer(h.peer())
              .setPageSize(h.limit()).setPageToken(HistoryPageToken.of(h.beforeId())).build(), token, ctx,
          r -> r.getEntriesList().stream().map(ProtoRecords::fromProto).toList());
    } else if (request instanceof Request.Typing t) {
      return unary(ChatServiceGrpc.getSendTypingMethod(), SendTypingRequest.newBuilder().setPeer(t.peer()).build(),
          token, ctx, r -> null);
    } else if (request instanceof Request.GetSettings) {
      return unary(ChatServiceGrpc.getGetSettingsMethod(), GetSettingsRequest.getDefaultInstance(), token, ctx,
          r -> ProtoRecords.fromProto(r.getSettings()));
    } else if (request instanceof Request.UpdateSettings u) {
      return unary(ChatServiceGrpc.getUpdateSettingsMethod(),
          UpdateSettingsRequest.newBuilder().setSettings(ProtoRecords.toProto(u.settings())).build(), token, ctx,
          r -> ProtoRecords.fromProto(r.getSettings()));
    }
    throw new IllegalArgumentException("no RPC for " + request.name());
  }

  private <Q, R, T> CompletableFuture<T> unary(MethodDescriptor<Q, R> method, Q request, String token,
      CallContext ctx, Function<? super R, ? extends T> convert) {
    AnswerObserver<Q, R, R, T> answer = AnswerObserver.unary(completer, convert);
    ClientCalls.asyncUnaryCall(newCall(method, token, ctx), request, answer);
    return answer.future();
  }

  /** A call with the deadline of {@code ctx} and {@code token} as bearer metadata. */
  private <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, String token, CallContext ctx) {
    return channel.newCall(method, withToken(token).withDeadlineAfter(ctx.deadlineNanos() - System.nanoTime(),
        TimeUnit.NANOSECONDS));
  }

  private CallOptions withToken(String token) {
    return token == null ? CallOptions.DEFAULT : CallOptions.DEFAULT.withOption(BearerTokenInterceptor.SESSION_TOKEN, token);
  }

  private void stopSubscription() {
    SubscriptionStream current;
    synchronized (lock) {
      current = subscription;
      subscription = null;
    }
    if (current != null) {
      current.stop();
    }
  }

  /** Replaces the subscription; the stream has no deadline, its registration has the core's. */
  private CompletableFuture<Void> subscribe(Request.Subscribe s, String token) {
    SubscriptionStream next;
    SubscriptionStream previous;
    synchronized (lock) {
      next = new SubscriptionStream(s.sink(), paused, this::lost, completer);
      previous = subscription;
      subscription = next;
    }
    // The old one stops before the new call starts, so its sink hears nothing more.
    if (previous != null) {
      previous.stop();
    }
    ClientCalls.asyncServerStreamingCall(channel.newCall(ChatServiceGrpc.getSubscribeMethod(), withToken(token)),
        SubscribeRequest.newBuilder().setAfterSeq(s.afterSeq()).setIncludeEvents(true).setLeanMessages(true).build(),
        next);
    return next.registered();
  }

  /**
   * Returns the pipeline of {@code token}, starting one if the last was of another token or has
   * ended. A pipeline of an older token is finished: what it holds is still sent, with its token.
   */
  private SendPipeline pipeline(String token) {
    SendPipeline created;
    SendPipeline previous;
    synchronized (lock) {
      if (sends != null && sends.token().equals(token) && !sends.isClosedForSends()) {
        return sends;
      }
      previous = sends;
      created = new SendPipeline(token, completer);
      sends = created;
    }
    if (previous != null) {
      previous.finish();
    }
    created.start(channel.newCall(ChatServiceGrpc.getSendStreamMethod(), withToken(token)));
    return created;
  }

  private static Session session(io.chatapp.transport.grpc.proto.Session s) {
    if (!BearerToken.isWellFormed(s.getToken())) {
      throw new IllegalArgumentException("the session token from the server is not well-formed");
    }
    return ProtoRecords.fromProto(s);
  }

  @Override
  public void pauseDelivery() {
    setPaused(true);
  }

  @Override
  public void resumeDelivery() {
    setPaused(false);
  }

  private void setPaused(boolean pause) {
    SubscriptionStream s;
    synchronized (lock) {
      paused = pause;
      s = subscription;
    }
    if (s != null) {
      s.setPaused(pause);
    }
  }

  @Override
  public void close() {
    over.set(true);
    managed.shutdownNow();
    try {
      if (!managed.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
        LOG.log(Level.WARNING, "channel to " + target + " did not terminate within " + CLOSE_WAIT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Reports the loss once, then shuts the channel down: gRPC must not reconnect it on its own. */
  private void lost(ChatException reason) {
    if (!over.compareAndSet(false, true)) {
      return;
    }
    onLost.lost(this, reason);
    ownThread.execute(managed::shutdownNow);
  }

  /** Watches the channel until it leaves READY. */
  private void watch() {
    managed.notifyWhenStateChanged(ConnectivityState.READY, () -> {
      ConnectivityState now = managed.getState(false);
      if (now == ConnectivityState.READY) {
        watch();
      } else if (now != ConnectivityState.SHUTDOWN) {
        lost(new ChatException(ErrorCode.UNAVAILABLE, "lost the connection to " + target + " (grpc)"));
      }
    });
  }
}
