package io.chatapp.testkit;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.ChatException;
import io.chatapp.api.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ChatClientListener} that records what it hears in queues, for tests to take with a
 * timeout. Tests may extend it to hear more. Thread-safe.
 */
public class RecordingListener implements ChatClientListener {
  /** How long a test waits for an expected event before it fails. */
  public static final long TIMEOUT_MS = 20_000;

  private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
  private final BlockingQueue<ChatException> subscriptionEnds = new LinkedBlockingQueue<>();
  private final BlockingQueue<ChatException> disconnects = new LinkedBlockingQueue<>();
  private final BlockingQueue<ChatException> sessionEnds = new LinkedBlockingQueue<>();
  private final BlockingQueue<Boolean> reconnects = new LinkedBlockingQueue<>();
  private final BlockingQueue<ChatEvent> events = new LinkedBlockingQueue<>();

  @Override
  public void onMessage(Message message) {
    messages.add(message);
  }

  @Override
  public void onSubscriptionEnded(ChatException reason) {
    subscriptionEnds.add(reason);
  }

  @Override
  public void onDisconnected(ChatException reason) {
    disconnects.add(reason);
  }

  /** Takes the next pushed message, failing the test if none comes in time. */
  public Message nextMessage() {
    return take(messages, "a pushed message");
  }

  @Override
  public void onReconnected() {
    reconnects.add(Boolean.TRUE);
  }

  /** Waits until the client has reconnected on its own. */
  public void nextReconnect() {
    take(reconnects, "a reconnection");
  }

  /** Takes the next {@code n} pushed messages in arrival order. */
  public List<Message> nextMessages(int n) {
    List<Message> taken = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      taken.add(nextMessage());
    }
    return taken;
  }

  /** Takes the reason of the next ended subscription. */
  public ChatException nextSubscriptionEnd() {
    return take(subscriptionEnds, "the end of the subscription");
  }

  @Override
  public void onSessionEnded(ChatException reason) {
    sessionEnds.add(reason);
  }

  /** Takes the reason of the next session that could not be taken up after a reconnect. */
  public ChatException nextSessionEnd() {
    return take(sessionEnds, "the end of the session");
  }

  /** Takes the reason of the next disconnect. */
  public ChatException nextDisconnect() {
    return take(disconnects, "a disconnect");
  }

  /** Takes the reason of a disconnect that came already, or returns {@code null} without waiting. */
  public ChatException pollDisconnect() {
    return disconnects.poll();
  }

  /** Returns the messages received so far without waiting. */
  public List<Message> drainMessages() {
    List<Message> drained = new ArrayList<>();
    messages.drainTo(drained);
    return drained;
  }

  @Override
  public void onEvent(ChatEvent event) {
    events.add(event);
  }

  /**
   * Takes the next pushed event of a kind, failing the test if none comes in time; events of
   * other kinds that come before it are dropped.
   *
   * @param <E> the kind
   * @param kind the class of the event, such as {@code Receipt.class}
   * @return the event
   */
  public <E extends ChatEvent> E nextEvent(Class<E> kind) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
    while (true) {
      long left = deadline - System.nanoTime();
      ChatEvent event;
      try {
        event = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return fail("interrupted while waiting for a " + kind.getSimpleName());
      }
      assertNotNull(event, "no " + kind.getSimpleName() + " within " + TIMEOUT_MS + " ms");
      if (kind.isInstance(event)) {
        return kind.cast(event);
      }
    }
  }

  private static <T> T take(BlockingQueue<T> queue, String what) {
    try {
      T item = queue.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      assertNotNull(item, "no " + what + " within " + TIMEOUT_MS + " ms");
      return item;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("interrupted while waiting for " + what);
    }
  }
}
