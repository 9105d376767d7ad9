/**
 * The server side of the socket transport: non-blocking {@code java.nio} selector loops, the
 * per-connection state, outbound queues and the dispatch of requests to the engine.
 *
 * <p>Entry point: {@link io.chatapp.transport.socket.server.ServerRuntime}, which
 * {@link io.chatapp.transport.socket.SocketChatServer} builds and drives. Inside: one
 * {@code EventLoop} thread per I/O thread owns its selector and its {@code Connection}s; a
 * {@code Connection} reads through its {@code InboundBuffer}, queues decoded requests in its
 * {@code RequestQueue} and runs them, one at a time and in order, on the worker executor through
 * {@code RequestHandler} (password work on the engine's own threads, holding no worker); results
 * and pushes go back through the connection's {@code OutboundQueue} plus a selector wakeup, so
 * only the loop thread ever touches a channel. Every buffer is drawn from one
 * {@code MemoryBudget} through the connection's {@code MemoryAccount}.
 *
 * <p>This package is public only so that {@code SocketChatServer} can wire it; it is not part of
 * chatapp's API. It depends on the JDK, {@code io.chatapp.api} and the codec package only.
 */
package io.chatapp.transport.socket.server;
