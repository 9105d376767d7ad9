/**
 * The client side of the WebSocket transport: a {@link io.chatapp.transport.socket.client.ClientCarrier}
 * over the JDK's {@link java.net.http.WebSocket}, so that the socket transport's one client
 * connection (its handshake, versions, request matching, pushes, keep-alive and pause) speaks the
 * same protocol over WebSocket.
 *
 * <p>Entry point: {@link io.chatapp.transport.websocket.client.WebSocketOpener}, which
 * {@code WebSocketChatClient} gives a {@code SocketConnector}. Not part of chatapp's API: public
 * only for that wiring, and not exported by the module. Depends on the JDK and the socket
 * transport's client package.
 */
package io.chatapp.transport.websocket.client;
