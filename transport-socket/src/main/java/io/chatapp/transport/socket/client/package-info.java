/**
 * The client side of the socket transport: one TCP connection with a reader thread, pipelined
 * calls matched by request id, call timeouts, keep-alive and push delivery on a listener thread.
 *
 * <p>Entry point: {@link io.chatapp.transport.socket.client.ClientConnection}, which
 * {@link io.chatapp.transport.socket.SocketChatClient} opens and turns into {@code ChatClient}
 * calls.
 *
 * <p>This package is public only so that {@code SocketChatClient} can wire it; it is not part of
 * chatapp's API. It depends on the JDK, {@code io.chatapp.api} and the codec package only.
 */
package io.chatapp.transport.socket.client;
