package io.chatapp.transport.grpc;

import io.chatapp.api.ChatClientListener;

/**
 * A {@link ChatClientListener} that also hears when a {@link GrpcChatClient} has reconnected on
 * its own after {@link #onDisconnected}. A plain {@code ChatClientListener} works as well; it
 * just does not hear this.
 *
 * <p>The client calls it on its listener thread, like every other method, in order: after the
 * {@code onDisconnected} of the same outage and before any message delivered on the restored
 * subscription.
 */
public interface GrpcChatClientListener extends ChatClientListener {
  /**
   * The connection is back after {@link #onDisconnected}: the client reached the server again
   * and, if it had a subscription, that subscription is registered again from the last message
   * this listener was given, so none is lost or repeated. The session token is the same; calls
   * work again. May block, delaying later pushes only.
   */
  default void onReconnected() {}
}
