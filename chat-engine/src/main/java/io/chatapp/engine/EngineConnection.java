package io.chatapp.engine;

import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.MessageListener;
import io.chatapp.api.Subscription;
import io.chatapp.client.spi.CallContext;
import io.chatapp.client.spi.Connection;
import io.chatapp.client.spi.PushSink;
import io.chatapp.client.spi.Request;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The client core's connection to an engine in the same JVM: each request is the engine call of
 * the same name, run on the executor with the session token of the call.
 *
 * <p>Backpressure: the engine pushes to a listener without flow control, so a pause closes the
 * engine subscription, remembering the last seq handed on, and the resume subscribes again after
 * it; the engine replays what came meanwhile from its store. Nothing piles up while paused.
 *
 * <p>Thread-safe: calls come from the core's threads; pushes arrive on the engine's delivery
 * thread.
 */
final class EngineConnection implements Connection {
  private final ChatEngine engine;
  private final Executor executor;

  private final Object lock = new Object();
  private boolean closed; // guarded by lock
  private long generation; // guarded by lock: counts subscribe and unsubscribe requests
  private Subscription subscription; // guarded by lock
  private Tap tap; // guarded by lock: the current subscription's, if any
  private boolean paused; // guarded by lock

  EngineConnection(ChatEngine engine, Executor executor) {
    this.engine = engine;
    this.executor = executor;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> call(Request<T> request, CallContext context) {
    String token = context.sessionToken();
    if (request instanceof Request.Subscribe s) {
      long mine = nextGeneration();
      return (CompletableFuture<T>) run(() -> {
        subscribe(mine, token, s.afterSeq(), s.sink());
        return null;
      });
    } else if (request instanceof Request.Unsubscribe) {
      replace(nextGeneration(), null, null);
      return CompletableFuture.completedFuture(null);
    } else if (request instanceof Request.LogoutOthers l) {
      return (CompletableFuture<T>) engine.logoutOtherSessionsAsync(l.username(), l.password(), token, null);
    }
    return run(() -> (T) execute(request, token));
  }

  private long nextGeneration() {
    synchronized (lock) {
      return ++generation;
    }
  }

  private Object execute(Request<?> r, String token) {
    if (r instanceof Request.Send s) {
      return engine.send(token, s.recipient(), s.text(), s.clientMessageId());
    } else if (r instanceof Request.Fetch f) {
      return engine.fetch(token, f.afterSeq(), f.limit());
    } else if (r instanceof Request.Ack a) {
      return engine.ack(token, a.uptoSeq());
    } else if (r instanceof Request.Login l) {
      return engine.login(l.username(), l.password());
    } else if (r instanceof Request.Resume res) {
      return engine.resume(res.token());
    } else if (r instanceof Request.CreateAccount c) {
      engine.createAccount(c.username(), c.password());
      return null;
    } else if (r instanceof Request.Logout) {
      engine.logout(token);
      return null;
    } else if (r instanceof Request.ListAccounts l) {
      return engine.listAccounts(token, l.pattern(), l.pageToken(), l.limit());
    } else if (r instanceof Request.DeleteMessages d) {
      return engine.deleteMessages(token, d.messageIds());
    } else if (r instanceof Request.DeleteAccount d) {
      engine.deleteAccount(token, d.password());
      return null;
    } else if (r instanceof Request.ListConversations l) {
      return engine.listConversations(token, l.pageToken(), l.limit());
    } else if (r instanceof Request.History h) {
      return engine.history(token, h.peer(), h.beforeId(), h.limit());
    } else if (r instanceof Request.Typing t) {
      engine.typing(token, t.peer());
      return null;
    } else if (r instanceof Request.GetSettings) {
      return engine.settings(token);
    } else if (r instanceof Request.UpdateSettings u) {
      return engine.updateSettings(token, u.settings());
    }
    throw new IllegalArgumentException("no engine call for request " + r.name());
  }

  /** Executor thread. */
  private void subscribe(long mine, String token, long afterSeq, PushSink sink) {
    Tap next = new Tap(token, sink, afterSeq);
    synchronized (lock) {
      if (closed || mine != generation) {
        return; // replaced, or closed, before it started: nothing to open
      }
    }
    Subscription opened = engine.subscribe(token, afterSeq, next);
    replace(mine, opened, next);
  }

  /** Makes {@code opened} the subscription unless a later request came first, and closes the loser. */
  private void replace(long mine, Subscription opened, Tap next) {
    Subscription toClose;
    synchronized (lock) {
      if (closed || mine != generation) {
        toClose = opened; // a later subscribe or unsubscribe, or close, won
      } else {
        toClose = subscription;
        subscription = opened;
        if (tap != null) {
          tap.stopped = true;
        }
        tap = next;
      }
    }
    if (toClose != null) {
      toClose.close();
    }
  }

  @Override
  public void pauseDelivery() {
    Subscription toClose;
    synchronized (lock) {
      if (paused || tap == null) {
        paused = true;
        return;
      }
      paused = true;
      toClose = subscription;
      subscription = null;
      tap.stopped = true;
    }
    if (toClose != null) {
      toClose.close();
    }
  }

  @Override
  public void resumeDelivery() {
    Tap resumed;
    long mine;
    synchronized (lock) {
      if (!paused) {
        return;
      }
      paused = false;
      if (tap == null || closed) {
        return;
      }
      resumed = new Tap(tap.token, tap.sink, tap.lastSeq);
      mine = generation;
    }
    try {
      executor.execute(() -> {
        try {
          replace(mine, engine.subscribe(resumed.token, resumed.lastSeq, resumed), resumed);
        } catch (ChatException e) {
          resumed.sink.onEnded(e);
        }
      });
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  @Override
  public void close() {
    Subscription toClose;
    synchronized (lock) {
      closed = true;
      toClose = subscription;
      subscription = null;
      if (tap != null) {
        tap.stopped = true;
      }
    }
    if (toClose != null) {
      toClose.close();
    }
  }

  private <T> CompletableFuture<T> run(Supplier<T> call) {
    try {
      return CompletableFuture.supplyAsync(call, executor);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          Reasons.of(ErrorCode.UNAVAILABLE, Reasons.CLIENT_CLOSED, "the client is closed"));
    }
  }

  /** Hands one engine subscription's pushes to the sink; engine delivery thread, or the sending thread. */
  private static final class Tap implements MessageListener {
    final String token;
    final PushSink sink;
    volatile long lastSeq;
    volatile boolean stopped;

    Tap(String token, PushSink sink, long afterSeq) {
      this.token = token;
      this.sink = sink;
      this.lastSeq = afterSeq;
    }

    /** The core only queues pushes for its listener thread. */
    @Override
    public boolean handsOff() {
      return true;
    }

    @Override
    public void onMessage(Message message) {
      if (!stopped) {
        lastSeq = message.seq();
        sink.onMessages(List.of(message));
      }
    }

    @Override
    public void onMessages(List<Message> messages) {
      if (!stopped) {
        lastSeq = messages.get(messages.size() - 1).seq();
        sink.onMessages(messages);
      }
    }

    @Override
    public void onEvent(ChatEvent event) {
      if (!stopped) {
        sink.onEvent(event);
      }
    }

    @Override
    public void onEnd(ChatException reason) {
      if (!stopped) {
        sink.onEnded(reason);
      }
    }
  }
}
