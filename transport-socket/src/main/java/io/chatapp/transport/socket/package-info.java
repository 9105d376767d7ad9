/**
 * The socket transport: chatapp's own binary protocol (docs/PROTOCOL.md) over raw TCP.
 *
 * <p>Entry points: {@link io.chatapp.transport.socket.SocketChatServer} (serves a
 * {@code ChatEngine} with non-blocking {@code java.nio}) and
 * {@link io.chatapp.transport.socket.SocketChatClient} (a {@code ChatClient} over one
 * connection, read and written by threads of its own or by a
 * {@link io.chatapp.transport.socket.SocketIoGroup}'s, shared with other clients). Sub-packages hold the parts: {@code codec} (frames to records, pure),
 * {@code server} (selector loops, connections, dispatch to the engine) and {@code client} (the
 * client's connection, reader thread and pending calls); they are public only so that the two
 * entry points can wire them.
 *
 * <p>May depend on {@code io.chatapp.api} and the JDK only (the engine only in tests).
 */
package io.chatapp.transport.socket;
