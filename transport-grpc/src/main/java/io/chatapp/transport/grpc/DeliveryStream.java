package io.chatapp.transport.grpc;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.api.Subscription;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import io.chatapp.transport.grpc.proto.Subscribed;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.function.Consumer;

/**
 * One {@code Subscribe} call on the server: an engine subscription whose messages it writes to the
 * call's stream, respecting gRPC flow control.
 *
 * <p>Stored messages (a subscription from {@code afterSeq >= 0}) are caught up first by fetching
 * them a page at a time, and only while the stream is ready, so a backlog of any size reaches a
 * client that reads at its own pace. Once a page comes back empty the engine subscription is
 * opened after the last message fetched; the engine then delivers the few stored since, and every
 * new one. A short page is not the end: the engine also cuts a page by its bytes, so a page of
 * large messages holds fewer than asked while thousands may follow.
 *
 * <p>A stream that asked for events ({@code include_events}) also carries the engine's live
 * events ({@link #onEvent}), each in a response of its own, in their place among the messages;
 * they share the buffer and its bounds with the messages. Other streams drop them.
 *
 * <p>While the stream is ready ({@link ServerCallStreamObserver#isReady()}) messages go out as
 * they come; while it is not, they wait in a buffer of at most {@code maxBufferedMessages}. One
 * more ends the stream with {@code RESOURCE_EXHAUSTED} and closes the engine subscription, so a
 * client that stops reading costs bounded memory. The buffered messages' bytes are also reserved
 * from the server-wide {@link OutboundBudget}; when it is spent, the stream that holds the most is
 * ended the same way, so that many stalled clients together stay within it too; it loses nothing, since the messages stay
 * stored and it subscribes again after the last seq it saw. The stream also ends when the engine
 * ends the subscription (logout, account deleted, shutdown), with the engine's code, and when
 * {@link #shutDown()} is called; when the client cancels, the subscription is closed.
 *
 * <p>Thread-safe. The engine calls {@link #onMessage} and {@link #onEnd} on its delivery thread
 * or on the thread that stored the message ({@link #handsOff()}),
 * gRPC calls the ready and cancel handlers on the server's executor (the event loop when the
 * engine never blocks), and the server calls
 * {@link #shutDown()} on the thread that closes it. Whichever thread finds work writes it, one
 * thread at a time (see {@link #drain()}), since a stream observer is not thread-safe.
 */
final class DeliveryStream implements MessageListener, OutboundBudget.Holder {
  /** Most messages packed into one {@code Delivery} response when several are waiting. */
  static final int MAX_MESSAGES_PER_RESPONSE = 64;
  /**
   * Most estimated bytes ({@link OutboundBudget#estimatedBytes}) in one {@code Delivery} response,
   * unless its one message is larger.
   */
  static final long MAX_RESPONSE_BYTES = 32 * 1024;
  /** Most stored messages fetched at once while catching up. */
  static final int CATCH_UP_PAGE = 256;

  private static final System.Logger LOG = System.getLogger(DeliveryStream.class.getName());
  private static final long NOT_CATCHING_UP = Long.MIN_VALUE;

  private static final SubscribeResponse SUBSCRIBED =
      SubscribeResponse.newBuilder().setSubscribed(Subscribed.getDefaultInstance()).build();

  private final ServerCallStreamObserver<SubscribeResponse> observer;
  private final int maxBufferedMessages;
  private final OutboundBudget budget;
  private final int catchUpPage;
  private final Consumer<DeliveryStream> onFinished;
  // Set by start() before the first drain and read only by draining threads after that.
  private volatile ChatEngine engine;
  private volatile String token;
  private volatile boolean includeEvents;
  private StreamNames names; // guarded by lock; null unless lean; changed only by the thread that drains

  private final Object lock = new Object();
  private final DeliveryQueue buffer = new DeliveryQueue(); // guarded by lock; its bytes are reserved
  private Subscription subscription; // guarded by lock
  private boolean started; // guarded by lock; the engine accepted the subscription: output may begin
  private boolean announced; // guarded by lock; the Subscribed event was taken for sending
  private long catchUpAfterSeq = NOT_CATCHING_UP; // guarded by lock; next stored page to fetch
  private StatusRuntimeException ending; // guarded by lock; the status to end the call with
  private boolean draining; // guarded by lock; a thread is writing to the observer
  private boolean finished; // guarded by lock; the call ended or was cancelled: write nothing more
  private int maxBufferedSeen; // guarded by lock

  /**
   * Creates the stream and installs its ready and cancel handlers; call it from the service
   * method, before it returns.
   *
   * @param observer the call's response observer
   * @param maxBufferedMessages most messages held while the client does not read, at least 1
   * @param budget the server-wide budget the buffered messages are reserved from
   * @param onFinished told once when the call has ended, whichever way
   */
  DeliveryStream(ServerCallStreamObserver<SubscribeResponse> observer, int maxBufferedMessages,
      OutboundBudget budget, Consumer<DeliveryStream> onFinished) {
    if (maxBufferedMessages < 1) {
      throw new IllegalArgumentException("maxBufferedMessages must be at least 1, was " + maxBufferedMessages);
    }
    this.observer = observer;
    this.maxBufferedMessages = maxBufferedMessages;
    this.budget = budget;
    this.catchUpPage = Math.min(CATCH_UP_PAGE, maxBufferedMessages);
    this.onFinished = onFinished;
    observer.setOnReadyHandler(this::drain);
    observer.setOnCancelHandler(this::onCancel);
    budget.register(this);
  }

  /**
   * Starts delivery: first the {@code Subscribed} event, then the stored messages above
   * {@code afterSeq}, then new ones. If the engine refuses (a bad token, or an {@code afterSeq}
   * below -1 or beyond the mailbox's last seq), the call ends with its code instead, without the
   * event.
   *
   * @param engine the engine
   * @param token the caller's session token
   * @param afterSeq where delivery starts, as {@link ChatEngine#subscribe}
   * @param includeEvents whether to send the engine's live events too
   */
  void start(ChatEngine engine, String token, long afterSeq, boolean includeEvents) {
    start(engine, token, afterSeq, includeEvents, false);
  }

  /**
   * Starts delivery as {@link #start(ChatEngine, String, long, boolean)} does, lean or not.
   *
   * @param engine the engine
   * @param token the caller's session token
   * @param afterSeq where delivery starts
   * @param includeEvents whether to send the engine's live events too
   * @param leanMessages whether to leave out of messages the names the stream told before
   *     ({@code SubscribeRequest.lean_messages})
   */
  void start(ChatEngine engine, String token, long afterSeq, boolean includeEvents, boolean leanMessages) {
    synchronized (lock) {
      names = leanMessages ? new StreamNames() : null;
    }
    this.engine = engine;
    this.token = token;
    this.includeEvents = includeEvents;
    if (afterSeq < 0) {
      // LATEST, or a value the engine rejects with its own message.
      subscribeAfter(afterSeq);
      drain();
      return;
    }
    // The first page is fetched here, so that a bad token fails the call before it is announced.
    List<Message> first;
    try {
      first = engine.fetch(token, afterSeq, catchUpPage);
    } catch (RuntimeException e) {
      endWith(toStatus(e), false);
      return;
    }
    if (first.isEmpty()) {
      // Nothing stored to catch up: the engine subscribes at once, and refuses an afterSeq beyond
      // the mailbox's last seq before the call is announced.
      subscribeAfter(afterSeq);
      drain();
      return;
    }
    long bytes = DeliveryQueue.estimatedBytes(first);
    if (!budget.reserve(this, bytes)) {
      endWith(budgetSpent(), false);
      return;
    }
    synchronized (lock) {
      buffer.addAll(first, bytes);
      maxBufferedSeen = Math.max(maxBufferedSeen, buffer.size());
      catchUpAfterSeq = first.get(first.size() - 1).seq();
      started = true;
    }
    drain();
  }

  private void subscribeAfter(long afterSeq) {
    Subscription created;
    try {
      created = engine.subscribe(token, afterSeq, this);
    } catch (RuntimeException e) {
      endWith(toStatus(e), false);
      return;
    }
    boolean closeNow;
    synchronized (lock) {
      // The call may have been cancelled, or the engine may have ended the subscription, while
      // subscribe() ran; then the new subscription is closed at once.
      closeNow = finished || ending != null;
      if (!closeNow) {
        subscription = created;
      }
      started = true;
    }
    if (closeNow) {
      created.close();
    }
  }

  /** Fetches the next page of stored messages; runs on the draining thread, never under the lock. */
  private void catchUp(long afterSeq) {
    List<Message> page;
    try {
      page = engine.fetch(token, afterSeq, catchUpPage);
    } catch (RuntimeException e) {
      endWith(toStatus(e), false);
      return;
    }
    long cursor = page.isEmpty() ? afterSeq : page.get(page.size() - 1).seq();
    boolean more = !page.isEmpty();
    long bytes = DeliveryQueue.estimatedBytes(page);
    if (!budget.reserve(this, bytes)) {
      endWith(budgetSpent(), false);
      return;
    }
    synchronized (lock) {
      if (finished || ending != null) {
        budget.release(bytes);
        return;
      }
      buffer.addAll(page, bytes);
      maxBufferedSeen = Math.max(maxBufferedSeen, buffer.size());
      catchUpAfterSeq = more ? cursor : NOT_CATCHING_UP;
    }
    if (!more) {
      subscribeAfter(cursor);
    }
  }

  private static StatusRuntimeException toStatus(RuntimeException e) {
    if (e instanceof ChatException chat) {
      return StatusMapping.toStatusException(chat);
    }
    LOG.log(System.Logger.Level.ERROR, "unexpected failure while delivering messages", e);
    return StatusMapping.toStatusException(ErrorCode.INTERNAL, "unexpected failure on the server in Subscribe");
  }

  /** It only buffers and writes to the call without waiting, so the engine may call it on any thread. */
  @Override
  public boolean handsOff() {
    return true;
  }

  /**
   * Buffers a message from the engine and sends what the stream accepts. Never blocks.
   *
   * @param message the next message of the subscription
   */
  @Override
  public void onMessage(Message message) {
    offer(List.of(message));
  }

  /**
   * Buffers messages the engine handed over in one go and sends what the stream accepts, packed
   * into as few {@code Delivery} responses as their number and size allow. Never blocks. A batch
   * larger than the room left in the buffer goes in parts, each sent before the next is taken,
   * so a ready stream never fails for a batch it could have sent.
   *
   * @param messages the next messages of the subscription
   */
  @Override
  public void onMessages(List<Message> messages) {
    int from = 0;
    while (from < messages.size()) {
      int room;
      synchronized (lock) {
        if (finished || ending != null) {
          return;
        }
        room = Math.max(1, maxBufferedMessages - buffer.size());
      }
      int to = Math.min(messages.size(), from + room);
      offer(messages.subList(from, to));
      from = to;
    }
  }

  /**
   * Buffers a live event from the engine, if this stream asked for events, and sends what the
   * stream accepts. Never blocks.
   *
   * @param event the event
   */
  @Override
  public void onEvent(ChatEvent event) {
    if (includeEvents) {
      offer(List.of(event));
    }
  }

  private void offer(List<?> items) {
    long bytes = DeliveryQueue.estimatedBytes(items);
    // Reserved before the lock: making room may end another stream, which takes its own lock.
    boolean reserved = budget.reserve(this, bytes);
    Subscription toClose = null;
    synchronized (lock) {
      if (finished || ending != null || !reserved || buffer.size() + items.size() > maxBufferedMessages) {
        if (reserved) {
          budget.release(bytes);
        }
        if (finished || ending != null) {
          return;
        }
        ending = !reserved ? budgetSpent() : StatusMapping.toStatusException(ErrorCode.RESOURCE_EXHAUSTED,
            "subscriber fell behind: " + maxBufferedMessages + " messages are waiting to be sent,"
                + " the limit; subscribe again after the last seq received",
            ErrorDetails.of(ErrorDetails.SUBSCRIBER_TOO_SLOW).with("maxBufferedMessages", maxBufferedMessages));
        clearBuffer();
        toClose = subscription;
        subscription = null;
      } else {
        buffer.addAll(items, bytes);
        maxBufferedSeen = Math.max(maxBufferedSeen, buffer.size());
      }
    }
    if (toClose != null) {
      toClose.close();
    }
    drain();
  }

  /**
   * Ends the call with the engine's reason once what the stream accepts now has been sent.
   *
   * @param reason why the engine ended the subscription
   */
  @Override
  public void onEnd(ChatException reason) {
    endWith(StatusMapping.toStatusException(reason), false);
  }

  @Override
  public long heldBytes() {
    synchronized (lock) {
      return buffer.bytes();
    }
  }

  /**
   * Ends the call with {@code RESOURCE_EXHAUSTED} because the server's budget for buffered
   * messages is spent and this stream holds the most, and frees its buffer at once.
   */
  @Override
  public void evictForBudget() {
    Subscription toClose = null;
    synchronized (lock) {
      if (finished) {
        return;
      }
      if (ending == null) {
        ending = budgetSpent();
        toClose = subscription;
        subscription = null;
      }
      clearBuffer();
    }
    if (toClose != null) {
      toClose.close();
    }
    drain();
  }

  private StatusRuntimeException budgetSpent() {
    return StatusMapping.toStatusException(ErrorCode.RESOURCE_EXHAUSTED,
        "subscriber fell behind: the server's buffers for subscribers that do not keep up are full ("
            + budget.maxBytes() + " bytes, the limit); subscribe again after the last seq received",
        ErrorDetails.of(ErrorDetails.SUBSCRIBER_TOO_SLOW).with("maxBufferedBytes", budget.maxBytes()));
  }

  // guarded by lock
  private void clearBuffer() {
    budget.release(buffer.clear());
  }

  /**
   * Closes the engine subscription on this thread, then ends the call with {@code OK} once what
   * the stream accepts now has been sent: the session asked with {@code Unsubscribe}.
   */
  void unsubscribe() {
    endWith(Status.OK.asRuntimeException(), true);
  }

  /** Ends the call with {@code UNAVAILABLE} because the server is shutting down. */
  void shutDown() {
    endWith(StatusMapping.shuttingDown(),
        true);
  }

  /**
   * Returns the most messages the buffer has held at once, to show that it stays bounded.
   *
   * @return the high-water mark of the buffer
   */
  int maxBufferedSeen() {
    synchronized (lock) {
      return maxBufferedSeen;
    }
  }

  private void endWith(StatusRuntimeException status, boolean closeSubscription) {
    Subscription toClose = null;
    synchronized (lock) {
      if (finished || ending != null) {
        return;
      }
      ending = status;
      // When the engine ends a subscription it has closed it already; otherwise close it here.
      if (closeSubscription) {
        toClose = subscription;
      }
      subscription = null;
    }
    if (toClose != null) {
      toClose.close();
    }
    drain();
  }

  private void onCancel() {
    Subscription toClose;
    synchronized (lock) {
      if (finished) {
        return;
      }
      finished = true;
      clearBuffer();
      toClose = subscription;
      subscription = null;
    }
    if (toClose != null) {
      toClose.close();
    }
    budget.unregister(this);
    onFinished.accept(this);
  }

  /**
   * Writes what can be written now. Only one thread writes at a time: one that finds another
   * draining leaves its work in the buffer for it, which rechecks the state under the lock before
   * it stops, so nothing is left behind.
   */
  private void drain() {
    synchronized (lock) {
      if (draining) {
        return;
      }
      draining = true;
    }
    while (true) {
      boolean announce = false;
      DeliveryQueue.Taken batch = null;
      StreamNames lean = null;
      StatusRuntimeException end = null;
      long fetchAfter = NOT_CATCHING_UP;
      synchronized (lock) {
        if (finished || (!started && ending == null)) {
          draining = false;
          return;
        }
        if (started && !announced) {
          announced = true;
          announce = true;
        } else if (started && !buffer.isEmpty() && observer.isReady()) {
          batch = buffer.take();
          lean = names;
          budget.release(batch.bytes());
        } else if (ending != null) {
          // Messages still buffered while the client does not read are dropped: they stay
          // stored, and ending now frees the buffer instead of waiting on a stalled client.
          end = ending;
          finished = true;
          clearBuffer();
        } else if (catchUpAfterSeq != NOT_CATCHING_UP && observer.isReady()) {
          // The buffer is empty and the client reads: time for the next stored page.
          fetchAfter = catchUpAfterSeq;
        } else {
          // Not ready: gRPC calls the ready handler, and so drain(), once it is.
          draining = false;
          return;
        }
      }
      if (announce) {
        observer.onNext(SUBSCRIBED);
      } else if (batch != null) {
        observer.onNext(batch.toResponse(lean));
      } else if (fetchAfter != NOT_CATCHING_UP) {
        catchUp(fetchAfter);
      } else {
        observer.onError(end);
        synchronized (lock) {
          draining = false;
        }
        budget.unregister(this);
        onFinished.accept(this);
        return;
      }
    }
  }
}
