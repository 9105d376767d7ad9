package io.chatapp.transport.grpc;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.AccountSettings;
import io.chatapp.api.Conversation;
import io.chatapp.api.HistoryEntry;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
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
import io.chatapp.transport.grpc.proto.GetHistoryRequest;
import io.chatapp.transport.grpc.proto.GetHistoryResponse;
import io.chatapp.transport.grpc.proto.GetSettingsRequest;
import io.chatapp.transport.grpc.proto.GetSettingsResponse;
import io.chatapp.transport.grpc.proto.ListConversationsRequest;
import io.chatapp.transport.grpc.proto.ListConversationsResponse;
import io.chatapp.transport.grpc.proto.ListAccountsRequest;
import io.chatapp.transport.grpc.proto.ListAccountsResponse;
import io.chatapp.transport.grpc.proto.LoginRequest;
import io.chatapp.transport.grpc.proto.LogoutOtherSessionsRequest;
import io.chatapp.transport.grpc.proto.LogoutOtherSessionsResponse;
import io.chatapp.transport.grpc.proto.LogoutRequest;
import io.chatapp.transport.grpc.proto.LogoutResponse;
import io.chatapp.transport.grpc.proto.ResumeRequest;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.chatapp.transport.grpc.proto.SendStreamRequest;
import io.chatapp.transport.grpc.proto.SendStreamResponse;
import io.chatapp.transport.grpc.proto.SendTypingRequest;
import io.chatapp.transport.grpc.proto.SendTypingResponse;
import io.chatapp.transport.grpc.proto.Session;
import io.chatapp.transport.grpc.proto.SubscribeRequest;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.chatapp.transport.grpc.proto.UnsubscribeRequest;
import io.chatapp.transport.grpc.proto.UnsubscribeResponse;
import io.chatapp.transport.grpc.proto.UpdateSettingsRequest;
import io.chatapp.transport.grpc.proto.UpdateSettingsResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@code chatapp.v1.ChatService} over a {@link ChatEngine}: it translates each RPC to one
 * engine call and each {@link ChatException} to a status through {@link StatusMapping}; all chat
 * rules live in the engine. The RPCs that check a password use the engine's asynchronous forms
 * with the client's address ({@link SessionInterceptor#ORIGIN}) and answer when the engine's
 * future completes, so no executor thread waits while a password is hashed.
 *
 * <p>Fields the proto marks optional reach the engine as {@code null} when unset, so a missing
 * argument gets the engine's own {@code INVALID_ARGUMENT}. The session token comes from
 * {@link SessionInterceptor#SESSION_TOKEN}, which must be installed in front of this service.
 *
 * <p>Thread-safe; gRPC calls it on the server's executor. The answers of the password RPCs are
 * written on the engine's password threads; delivery streams run as described in
 * {@link DeliveryStream}.
 */
final class EngineChatService extends ChatServiceGrpc.ChatServiceImplBase {
  /** Most accounts in one {@code ListAccountsResponse} chunk. */
  static final int ACCOUNTS_PER_CHUNK = 100;

  private static final System.Logger LOG = System.getLogger(EngineChatService.class.getName());

  private final ChatEngine engine;
  private final int maxBufferedMessagesPerStream;
  private final OutboundBudget outboundBudget;
  private final Set<DeliveryStream> streams = ConcurrentHashMap.newKeySet();
  // The open delivery streams by session token, so that an Unsubscribe costs the caller's own
  // streams rather than a scan of all. Each set is read and written only inside compute().
  private final ConcurrentHashMap<String, Set<DeliveryStream>> streamsByToken = new ConcurrentHashMap<>();
  private final Set<SendStreamCall> sendStreams = ConcurrentHashMap.newKeySet();
  private volatile boolean shuttingDown;

  /**
   * Creates the service.
   *
   * @param engine the engine to serve
   * @param maxBufferedMessagesPerStream most messages a delivery stream holds for a client that
   *     does not read, at least 1
   * @param outboundBudget the budget all delivery streams reserve their buffered messages from
   */
  EngineChatService(ChatEngine engine, int maxBufferedMessagesPerStream, OutboundBudget outboundBudget) {
    if (engine == null) {
      throw new IllegalArgumentException("engine must not be null");
    }
    if (maxBufferedMessagesPerStream < 1) {
      throw new IllegalArgumentException(
          "maxBufferedMessagesPerStream must be at least 1, was " + maxBufferedMessagesPerStream);
    }
    if (outboundBudget == null) {
      throw new IllegalArgumentException("outboundBudget must not be null");
    }
    this.engine = engine;
    this.maxBufferedMessagesPerStream = maxBufferedMessagesPerStream;
    this.outboundBudget = outboundBudget;
  }

  @Override
  public void createAccount(CreateAccountRequest request, StreamObserver<CreateAccountResponse> out) {
    unaryAsync("CreateAccount", out, () -> engine.createAccountAsync(
            request.hasUsername() ? request.getUsername() : null,
            request.hasPassword() ? request.getPassword() : null,
            origin()),
        done -> CreateAccountResponse.getDefaultInstance());
  }

  @Override
  public void login(LoginRequest request, StreamObserver<Session> out) {
    unaryAsync("Login", out, () -> engine.loginAsync(
            request.hasUsername() ? request.getUsername() : null,
            request.hasPassword() ? request.getPassword() : null,
            origin()),
        ProtoRecords::toProto);
  }

  @Override
  public void logoutOtherSessions(LogoutOtherSessionsRequest request, StreamObserver<LogoutOtherSessionsResponse> out) {
    unaryAsync("LogoutOtherSessions", out, () -> engine.logoutOtherSessionsAsync(
            request.hasUsername() ? request.getUsername() : null,
            request.hasPassword() ? request.getPassword() : null,
            token(),
            origin()),
        ended -> LogoutOtherSessionsResponse.newBuilder().setEnded(ended).build());
  }

  @Override
  public void resume(ResumeRequest request, StreamObserver<Session> out) {
    unary("Resume", out, () -> ProtoRecords.toProto(engine.resume(token())));
  }

  @Override
  public void logout(LogoutRequest request, StreamObserver<LogoutResponse> out) {
    unary("Logout", out, () -> {
      engine.logout(token());
      return LogoutResponse.getDefaultInstance();
    });
  }

  @Override
  public void listAccounts(ListAccountsRequest request, StreamObserver<ListAccountsResponse> out) {
    Page<AccountInfo> page;
    try {
      page = engine.listAccounts(token(),
          request.hasPattern() ? request.getPattern() : null,
          request.hasPageToken() ? request.getPageToken() : null,
          request.getLimit());
    } catch (RuntimeException e) {
      out.onError(toStatus("ListAccounts", e));
      return;
    }
    // A page holds at most ChatEngine.MAX_LIST_LIMIT entries, so it is written without waiting
    // for isReady(): the buffered bytes are bounded by one page.
    List<AccountInfo> items = page.items();
    int from = 0;
    do {
      int to = Math.min(items.size(), from + ACCOUNTS_PER_CHUNK);
      ListAccountsResponse.Builder chunk = ListAccountsResponse.newBuilder();
      for (AccountInfo account : items.subList(from, to)) {
        chunk.addAccounts(ProtoRecords.toProto(account));
      }
      if (to == items.size() && page.nextPageToken() != null) {
        chunk.setNextPageToken(page.nextPageToken());
      }
      out.onNext(chunk.build());
      from = to;
    } while (from < items.size());
    out.onCompleted();
  }

  @Override
  public void send(SendRequest request, StreamObserver<io.chatapp.transport.grpc.proto.Message> out) {
    unary("Send", out, () -> ProtoRecords.toProto(engine.send(token(),
        request.hasRecipient() ? request.getRecipient() : null,
        request.hasText() ? request.getText() : null,
        request.hasClientMessageId() ? request.getClientMessageId() : null)));
  }

  @Override
  public StreamObserver<SendStreamRequest> sendStream(StreamObserver<SendStreamResponse> out) {
    SendStreamCall call = new SendStreamCall(engine, token(),
        (ServerCallStreamObserver<SendStreamResponse>) out, sendStreams::remove);
    sendStreams.add(call);
    // Checked after registering, as for Subscribe.
    if (shuttingDown) {
      call.shutDown();
    } else {
      call.start();
    }
    return call;
  }

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<SubscribeResponse> out) {
    String token = token();
    DeliveryStream stream = new DeliveryStream(
        (ServerCallStreamObserver<SubscribeResponse>) out, maxBufferedMessagesPerStream, outboundBudget,
        finished -> forget(finished, token));
    // Indexed before it is visible to shutDownStreams(), so that its end always finds it there.
    streamsByToken.compute(token, (key, set) -> {
      Set<DeliveryStream> mine = set == null ? new HashSet<>() : set;
      mine.add(stream);
      return mine;
    });
    streams.add(stream);
    // Checked after registering, so that a stream racing with shutDownStreams() is ended by one
    // of the two.
    if (shuttingDown) {
      stream.shutDown();
      return;
    }
    stream.start(engine, token, request.getAfterSeq(), request.getIncludeEvents(), request.getLeanMessages());
  }

  private void forget(DeliveryStream stream, String token) {
    streams.remove(stream);
    streamsByToken.computeIfPresent(token, (key, set) -> {
      set.remove(stream);
      return set.isEmpty() ? null : set;
    });
  }

  @Override
  public void unsubscribe(UnsubscribeRequest request, StreamObserver<UnsubscribeResponse> out) {
    unary("Unsubscribe", out, () -> {
      String token = token();
      engine.resume(token); // a session check: an unknown or ended one fails as on every RPC
      List<DeliveryStream> mine = new ArrayList<>();
      streamsByToken.computeIfPresent(token, (key, set) -> {
        mine.addAll(set);
        return set;
      });
      mine.forEach(DeliveryStream::unsubscribe);
      return UnsubscribeResponse.getDefaultInstance();
    });
  }

  @Override
  public void fetch(FetchRequest request, StreamObserver<FetchResponse> out) {
    unary("Fetch", out, () -> {
      // The engine keeps an answer to about ChatEngine.MAX_FETCH_BYTES, whatever the limit.
      FetchResponse.Builder response = FetchResponse.newBuilder();
      for (Message m : engine.fetch(token(), request.getAfterSeq(), request.getLimit())) {
        response.addMessages(ProtoRecords.toProto(m));
      }
      return response.build();
    });
  }

  @Override
  public void ack(AckRequest request, StreamObserver<AckResponse> out) {
    unary("Ack", out, () -> AckResponse.newBuilder()
        .setUnreadCount(engine.ack(token(), request.getUptoSeq()))
        .build());
  }

  @Override
  public void deleteMessages(DeleteMessagesRequest request, StreamObserver<DeleteMessagesResponse> out) {
    unary("DeleteMessages", out, () -> DeleteMessagesResponse.newBuilder()
        .setDeletedCount(engine.deleteMessages(token(), new ArrayList<>(request.getMessageIdsList())))
        .build());
  }

  @Override
  public void listConversations(ListConversationsRequest request, StreamObserver<ListConversationsResponse> out) {
    unary("ListConversations", out, () -> {
      Page<Conversation> page = engine.listConversations(token(),
          request.getPageToken().isEmpty() ? null : request.getPageToken(), request.getPageSize());
      ListConversationsResponse.Builder response = ListConversationsResponse.newBuilder();
      page.items().forEach(c -> response.addConversations(ProtoRecords.toProto(c)));
      if (page.nextPageToken() != null) {
        response.setNextPageToken(page.nextPageToken());
      }
      return response.build();
    });
  }

  @Override
  public void getHistory(GetHistoryRequest request, StreamObserver<GetHistoryResponse> out) {
    unary("GetHistory", out, () -> {
      // The engine keeps an answer to about ChatEngine.MAX_FETCH_BYTES, whatever the page size.
      List<HistoryEntry> page = engine.history(token(), request.getPeer().isEmpty() ? null : request.getPeer(),
          HistoryPageToken.beforeId(request.getPageToken()), request.getPageSize());
      GetHistoryResponse.Builder response = GetHistoryResponse.newBuilder()
          .setNextPageToken(HistoryPageToken.next(page));
      page.forEach(e -> response.addEntries(ProtoRecords.toProto(e)));
      return response.build();
    });
  }

  @Override
  public void sendTyping(SendTypingRequest request, StreamObserver<SendTypingResponse> out) {
    unary("SendTyping", out, () -> {
      engine.typing(token(), request.getPeer().isEmpty() ? null : request.getPeer());
      return SendTypingResponse.getDefaultInstance();
    });
  }

  @Override
  public void getSettings(GetSettingsRequest request, StreamObserver<GetSettingsResponse> out) {
    unary("GetSettings", out, () -> GetSettingsResponse.newBuilder()
        .setSettings(ProtoRecords.toProto(engine.settings(token())))
        .build());
  }

  @Override
  public void updateSettings(UpdateSettingsRequest request, StreamObserver<UpdateSettingsResponse> out) {
    unary("UpdateSettings", out, () -> {
      io.chatapp.transport.grpc.proto.AccountSettings asked = request.getSettings();
      // Only a request that leaves a field unset reads the current settings first; the two steps
      // are not atomic, so two devices changing different fields at once may lose one change.
      AccountSettings current = asked.hasReadReceipts() && asked.hasShowPresence()
          ? AccountSettings.DEFAULTS : engine.settings(token());
      AccountSettings stored = engine.updateSettings(token(), ProtoRecords.fromProto(asked, current));
      return UpdateSettingsResponse.newBuilder().setSettings(ProtoRecords.toProto(stored)).build();
    });
  }

  @Override
  public void deleteAccount(DeleteAccountRequest request, StreamObserver<DeleteAccountResponse> out) {
    unaryAsync("DeleteAccount", out,
        () -> engine.deleteAccountAsync(token(), request.hasPassword() ? request.getPassword() : null, origin()),
        done -> DeleteAccountResponse.getDefaultInstance());
  }

  /**
   * Ends every open delivery stream and send stream with {@code UNAVAILABLE}, and every one
   * opened from now on, so that a graceful server shutdown does not wait for streams that never
   * end by themselves.
   */
  void shutDownStreams() {
    shuttingDown = true;
    for (DeliveryStream stream : List.copyOf(streams)) {
      stream.shutDown();
    }
    for (SendStreamCall call : List.copyOf(sendStreams)) {
      call.shutDown();
    }
  }

  /**
   * Returns the budget of buffered messages, for tests.
   *
   * @return the budget
   */
  OutboundBudget outboundBudget() {
    return outboundBudget;
  }

  /**
   * Returns how many sessions have delivery streams indexed for Unsubscribe, for tests.
   *
   * @return the number of tokens in the index
   */
  int indexedSessions() {
    return streamsByToken.size();
  }

  /**
   * Returns the delivery streams now open, for tests.
   *
   * @return a snapshot
   */
  List<DeliveryStream> openStreams() {
    return List.copyOf(streams);
  }

  private static String token() {
    return SessionInterceptor.SESSION_TOKEN.get();
  }

  private static String origin() {
    return SessionInterceptor.ORIGIN.get();
  }

  /**
   * Answers a unary call from an engine future, on the thread that completes it (the engine's
   * password threads), so that the server's executor thread is free while a password is hashed.
   * The engine call itself runs here, on the executor, and reads the call's context.
   */
  private static <T, R> void unaryAsync(String method, StreamObserver<R> out, Supplier<CompletableFuture<T>> call,
      Function<? super T, ? extends R> toResponse) {
    // A client may cancel while its password is checked; with a handler set, answering the
    // cancelled call later is a no-op instead of an exception.
    ((ServerCallStreamObserver<R>) out).setOnCancelHandler(() -> {});
    CompletableFuture<T> answer;
    try {
      answer = call.get();
    } catch (RuntimeException e) {
      out.onError(toStatus(method, e));
      return;
    }
    answer.whenComplete((value, failure) -> {
      R response;
      try {
        if (failure != null) {
          throw failure instanceof CompletionException ce && ce.getCause() instanceof RuntimeException cause
              ? cause : failure instanceof RuntimeException re ? re : new IllegalStateException(failure);
        }
        response = toResponse.apply(value);
      } catch (RuntimeException e) {
        out.onError(toStatus(method, e));
        return;
      }
      out.onNext(response);
      out.onCompleted();
    });
  }

  private static <T> void unary(String method, StreamObserver<T> out, Supplier<T> call) {
    T response;
    try {
      response = call.get();
    } catch (RuntimeException e) {
      out.onError(toStatus(method, e));
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  private static Throwable toStatus(String method, RuntimeException e) {
    if (e instanceof ChatException chat) {
      return StatusMapping.toStatusException(chat);
    }
    // Not a chat failure: a bug. The client learns only that it happened; the details stay in
    // the server's log. Engine exceptions never carry tokens or passwords.
    LOG.log(System.Logger.Level.ERROR, "unexpected failure in " + method, e);
    return StatusMapping.toStatusException(ErrorCode.INTERNAL,
        "unexpected failure on the server in " + method);
  }
}
