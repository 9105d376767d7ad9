/**
 * The WebSocket transport: the socket protocol's frames in binary WebSocket messages, so that a
 * browser can chat. {@code WebSocketChatServer} runs Netty's HTTP and WebSocket codecs, serves
 * the web chat's static files, and hands each WebSocket to a {@code SocketChatServer} through
 * its carrier SPI ({@code io.chatapp.transport.socket.carrier}), so that the protocol, limits and
 * memory budget are the socket server's own. {@code WebSocketChatClient} is the Java client on
 * the client core, over the JDK's {@code java.net.http.WebSocket}.
 *
 * <p>May depend on chat-api, chat-client, transport-socket and Netty; not on the engine.
 */
package io.chatapp.transport.websocket;
