package io.chatapp.transport.grpc;

/**
 * Runs the contract suite on gRPC clients whose listener and answers run on the channel's event
 * loop ({@code callbackExecutor(Runnable::run)}): the client must behave the same.
 */
class GrpcDirectCallbacksContractTest extends GrpcChatClientContractTest {
  @Override
  GrpcChatClient.Builder configured(GrpcChatClient.Builder builder) {
    return builder.callbackExecutor(Runnable::run);
  }

  @Override
  protected boolean listenerMayBlock() {
    return false;
  }
}
