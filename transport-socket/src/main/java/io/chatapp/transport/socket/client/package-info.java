/**
 * The client side of the socket transport: a connection with a reader thread, pipelined calls
 * matched by request id, call timeouts, keep-alive, push delivery on a listener thread, and
 * reconnecting with backoff, RESUME and resubscription.
 *
 * <p>Entry point: {@link io.chatapp.transport.socket.client.ReconnectingConnection}, which
 * {@link io.chatapp.transport.socket.SocketChatClient} opens with its
 * {@link io.chatapp.transport.socket.client.ClientOptions} and turns into {@code ChatClient}
 * calls.
 *
 * <p>This package is public only so that {@code SocketChatClient} can wire it; it is not part of
 * chatapp's API. It depends on the JDK, {@code io.chatapp.api} and the codec package only.
 */
package io.chatapp.transport.socket.client;
