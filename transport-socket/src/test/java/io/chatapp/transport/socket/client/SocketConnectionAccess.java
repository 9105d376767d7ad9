package io.chatapp.transport.socket.client;

/** What tests in other packages read of the client's connection. */
public final class SocketConnectionAccess {
  private SocketConnectionAccess() {}

  /** The most requests a connection writes before it waits for answers. */
  public static int maxUnansweredRequests() {
    return SocketConnection.MAX_UNANSWERED_REQUESTS;
  }
}
