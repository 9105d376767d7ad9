package io.chatapp.client;

import io.chatapp.api.ChatClientListener;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The settings the client core uses, as {@link ClientBuilder} checked them. How a connection is
 * opened (its address, connect timeout, TLS) is the transport's {@code Connector}'s.
 *
 * @param listener hears pushes and what becomes of the connection
 * @param callTimeout how long a call may take, from the moment it is made to its answer,
 *     including waits for the connection and retries
 * @param reconnect whether the client reconnects by itself after losing its connection
 * @param initialBackoff the pause before the first reconnect attempt, before jitter
 * @param maxBackoff the longest pause between attempts, before jitter
 * @param waitForConnection whether a call made while disconnected waits for the connection (up
 *     to its deadline) instead of failing at once; sends always wait, see
 *     {@link io.chatapp.api.ChatClient#sendAsync}
 * @param listenerQueueMessages how many pushed messages may wait for the listener before the
 *     client stops reading pushes from the server
 * @param maxCallsInFlight how many calls may wait for their answers at once; a call beyond that
 *     fails at once with {@link io.chatapp.api.ErrorCode#RESOURCE_EXHAUSTED}
 * @param callbackExecutor where the listener runs (one event at a time) and where the
 *     transport completes answers, or {@code null} for threads of the client's own; see
 *     {@link ClientBuilder#callbackExecutor}
 */
public record ClientSettings(
    ChatClientListener listener,
    Duration callTimeout,
    boolean reconnect,
    Duration initialBackoff,
    Duration maxBackoff,
    boolean waitForConnection,
    int listenerQueueMessages,
    int maxCallsInFlight,
    Executor callbackExecutor) {
  /** Checks the references. */
  public ClientSettings {
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(callTimeout, "callTimeout");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (listenerQueueMessages < 1) {
      throw new IllegalArgumentException("listenerQueueMessages must be at least 1, was " + listenerQueueMessages);
    }
    if (maxCallsInFlight < 1) {
      throw new IllegalArgumentException("maxCallsInFlight must be at least 1, was " + maxCallsInFlight);
    }
  }
}
