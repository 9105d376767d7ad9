/**
 * The WebSocket transport: {@code WebSocketChatServer} and {@code WebSocketChatClient}. The
 * bridge to the socket server and the client connection are internal.
 */
module io.chatapp.transport.websocket {
  requires transitive io.chatapp.api;
  requires transitive io.chatapp.client;
  requires transitive io.chatapp.transport.socket;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.codec.http;
  requires io.netty.common;
  requires io.netty.handler;
  requires io.netty.transport;
  requires java.net.http;

  exports io.chatapp.transport.websocket;
}
