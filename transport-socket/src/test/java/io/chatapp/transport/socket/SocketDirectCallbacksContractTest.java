package io.chatapp.transport.socket;

/**
 * Runs the contract suite on socket clients whose listener runs on the connection's reader
 * thread ({@code callbackExecutor(Runnable::run)}): the client must behave the same.
 */
class SocketDirectCallbacksContractTest extends SocketChatClientContractTest {
  @Override
  SocketChatClient.Builder configured(SocketChatClient.Builder builder) {
    return builder.callbackExecutor(Runnable::run);
  }

  @Override
  protected boolean listenerMayBlock() {
    return false;
  }
}
