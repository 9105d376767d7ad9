/**
 * The client side of the socket transport, beneath the client core of chat-client: one
 * connection with a reader and a writer thread, pipelined requests matched by request id,
 * keep-alive, pushes handed to the subscription's sink, and a pause that stops reading.
 *
 * <p>Entry point: {@link io.chatapp.transport.socket.client.SocketConnector}, which
 * {@link io.chatapp.transport.socket.SocketChatClient} gives the core. Not part of chatapp's API:
 * public only for that wiring, and not exported by the module. Depends on the JDK,
 * {@code io.chatapp.api}, {@code io.chatapp.client.spi} and the codec package only.
 */
package io.chatapp.transport.socket.client;
