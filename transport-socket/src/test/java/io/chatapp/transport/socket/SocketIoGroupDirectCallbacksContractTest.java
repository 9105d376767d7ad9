package io.chatapp.transport.socket;

/**
 * Runs the contract suite on socket clients that share one I/O thread and run their listeners
 * on it ({@code ioGroup} with {@code callbackExecutor(Runnable::run)}): the configuration that
 * wakes fewest threads, and the one where a listener's work delays every connection on the
 * thread.
 */
class SocketIoGroupDirectCallbacksContractTest extends SocketIoGroupContractTest {
  @Override
  SocketChatClient.Builder configured(SocketChatClient.Builder builder) {
    return super.configured(builder).callbackExecutor(Runnable::run);
  }

  @Override
  protected boolean listenerMayBlock() {
    return false;
  }
}
