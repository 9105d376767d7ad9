/**
 * The socket transport: {@code SocketChatServer} and {@code SocketChatClient}. The codec, the
 * server runtime, the client connection and the TLS helpers are internal. JDK only at run time.
 */
module io.chatapp.transport.socket {
  requires transitive io.chatapp.api;
  requires transitive io.chatapp.client;

  exports io.chatapp.transport.socket;
}
