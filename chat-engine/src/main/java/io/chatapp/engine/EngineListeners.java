package io.chatapp.engine;

import io.chatapp.api.ChatEngineListener;
import java.lang.System.Logger.Level;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The engine's registered {@link ChatEngineListener}s and the one place that calls them, so that
 * a failing listener is logged and never breaks an operation or the listeners after it.
 *
 * <p>Thread-safe; {@link #fire} runs on the caller's thread and must not be called under a lock.
 */
final class EngineListeners {
  private static final System.Logger LOG = System.getLogger(EngineListeners.class.getName());

  private final CopyOnWriteArrayList<ChatEngineListener> listeners = new CopyOnWriteArrayList<>();

  void add(ChatEngineListener listener) {
    listeners.addIfAbsent(listener);
  }

  void remove(ChatEngineListener listener) {
    listeners.remove(listener);
  }

  void fire(Consumer<ChatEngineListener> event) {
    for (ChatEngineListener listener : listeners) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "engine listener " + listener.getClass().getName() + " failed", e);
      }
    }
  }
}
