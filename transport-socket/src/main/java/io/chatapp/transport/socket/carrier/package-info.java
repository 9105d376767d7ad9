/**
 * The socket protocol over a carrier other than the socket server's own TCP connections (the
 * WebSocket transport's, say): the carrier moves bytes and gives the connection to a
 * {@code SocketChatServer} through {@code SocketChatServer.attach}; the handshake, versions,
 * limits, timeouts, memory budget and request handling are the socket server's, so a carried
 * connection behaves exactly as a TCP one.
 *
 * <p>JDK only. For other chatapp transports; an application does not use it.
 */
package io.chatapp.transport.socket.carrier;
