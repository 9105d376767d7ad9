/**
 * The client side of the socket protocol, beneath the client core of chat-client: one
 * connection with a reader and a writer thread, or served by a shared selector thread
 * ({@link io.chatapp.transport.socket.client.ClientIoLoops}), pipelined requests matched by request id,
 * keep-alive, pushes handed to the subscription's sink, and a pause that stops reading. Its bytes
 * go through a {@link io.chatapp.transport.socket.client.ClientCarrier}: a TCP or TLS socket
 * here, a WebSocket in chatapp's WebSocket transport, so the protocol has one client
 * implementation whatever carries it.
 *
 * <p>Entry point: {@link io.chatapp.transport.socket.client.SocketConnector}, which
 * {@link io.chatapp.transport.socket.SocketChatClient} gives the core. Not part of chatapp's API:
 * public only for that wiring and for chatapp's own WebSocket transport, to which alone the
 * module exports it. Depends on the JDK, {@code io.chatapp.api}, {@code io.chatapp.client.spi},
 * the codec and the TLS package only.
 */
package io.chatapp.transport.socket.client;
