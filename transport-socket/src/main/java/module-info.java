/**
 * The socket transport: {@code SocketChatServer} and {@code SocketChatClient}. The codec, the
 * server runtime, the client connection and the TLS helpers are internal. JDK only at run time.
 */
module io.chatapp.transport.socket {
  requires transitive io.chatapp.api;
  requires transitive io.chatapp.client;

  exports io.chatapp.transport.socket;
  // For the WebSocket transport, which carries the same frames: the server's carrier SPI, the
  // codec, the client connection and the TLS contexts built from PEM files.
  exports io.chatapp.transport.socket.carrier;
  exports io.chatapp.transport.socket.codec to io.chatapp.transport.websocket;
  exports io.chatapp.transport.socket.client to io.chatapp.transport.websocket;
  exports io.chatapp.transport.socket.tls to io.chatapp.transport.websocket;
}
