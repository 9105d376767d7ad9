package io.chatapp.transport.socket.server;

/**
 * A subscription catching up on stored messages: SUBSCRIBE from a seq sends what is stored a page
 * at a time, each page a step of the connection's request drain, so that the drain's pause while
 * the outbound queue is half full paces it to what the client reads. A backlog of any size so
 * reaches a client without passing the connection's outbound limit; the engine's subscription
 * opens only after the last page (see {@link RequestHandler#catchUp}).
 *
 * <p>Used by the thread that holds the connection's drain; {@code afterSeq} changes as pages go.
 */
final class CatchUp {
  /** Most messages fetched for one page; the engine also cuts a page at about 256 KiB. */
  static final int PAGE = 256;

  final int subscriptionId;
  final PushListener listener;
  long afterSeq;

  CatchUp(int subscriptionId, PushListener listener, long afterSeq) {
    this.subscriptionId = subscriptionId;
    this.listener = listener;
    this.afterSeq = afterSeq;
  }
}
