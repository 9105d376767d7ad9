package io.chatapp.transport.socket.client;

import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatException;
import io.chatapp.transport.socket.codec.Frame;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Calls the application's listener on one thread of its own, one event at a time and in the order
 * the events were handed in, across every connection a client makes.
 *
 * <p>It drops a pushed message whose seq is not above the last one it delivered since the last
 * {@link #subscribed}: after a reconnect the client subscribes again from the last seq it
 * received, and a message that was already on its way to the listener then arrives twice.
 *
 * <p>Thread-safe: any thread hands events in; the listener and the seq of the last delivered
 * message belong to the listener thread.
 */
final class ListenerDispatcher {
  private static final Logger LOG = System.getLogger(ListenerDispatcher.class.getName());

  private final ChatClientListener listener;
  private final ThreadPoolExecutor thread;
  private long lastDeliveredSeq = -1; // listener thread only

  ListenerDispatcher(ChatClientListener listener, String peer) {
    this.listener = listener;
    this.thread = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "chatapp-socket-client-listener " + peer);
      t.setDaemon(true);
      return t;
    });
    thread.allowCoreThreadTimeOut(true);
  }

  /**
   * The application (or the client, after a reconnect) starts a subscription: later pushes are
   * delivered from {@code afterSeq} on.
   *
   * @param afterSeq the subscription's start, or -1 for only new messages
   * @param fresh whether the application asked for it, which forgets what was delivered before;
   *     {@code false} for the client's own resubscription, which must not repeat it
   */
  void subscribed(long afterSeq, boolean fresh) {
    run(() -> {
      if (fresh) {
        lastDeliveredSeq = afterSeq;
      }
    });
  }

  /** Delivers pushes of the current subscription, dropping repeats. */
  void pushes(List<Frame> batch) {
    run(() -> {
      for (Frame f : batch) {
        if (f instanceof Frame.MessagePush push) {
          long seq = push.message().seq();
          if (seq > lastDeliveredSeq) {
            lastDeliveredSeq = seq;
            listener.onMessage(push.message());
          }
        } else if (f instanceof Frame.SubscriptionEnded ended) {
          listener.onSubscriptionEnded(new ChatException(ended.code(), ended.message()));
        }
      }
    });
  }

  /** Tells the listener that the subscription ended for a reason the client found itself. */
  void subscriptionEnded(ChatException reason) {
    run(() -> listener.onSubscriptionEnded(reason));
  }

  /** Tells the listener that the connection is lost. */
  void disconnected(ChatException reason) {
    run(() -> listener.onDisconnected(reason));
  }

  /** Tells the listener that the client is connected again. */
  void reconnected() {
    run(listener::onReconnected);
  }

  /** Delivers the events handed in so far, takes no more, and lets the thread end. Idempotent. */
  void shutdown() {
    thread.shutdown();
  }

  private void run(Runnable event) {
    try {
      thread.execute(() -> {
        try {
          event.run();
        } catch (RuntimeException e) {
          // A failing listener must not stop later events, nor take the thread down.
          LOG.log(Level.WARNING, "chat client listener failed", e);
        }
      });
    } catch (RejectedExecutionException e) {
      // The application closed the client; it hears nothing more.
    }
  }
}
