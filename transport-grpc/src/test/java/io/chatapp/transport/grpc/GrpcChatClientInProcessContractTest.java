package io.chatapp.transport.grpc;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.testkit.ChatClientContract;

/**
 * Runs the contract suite on the gRPC service and client over grpc-java's in-process transport:
 * the same service, interceptor and client as over Netty, without sockets.
 */
class GrpcChatClientInProcessContractTest extends ChatClientContract {
  private InProcessFixture fixture;

  @Override
  protected void startServer(ChatEngine engine) throws Exception {
    fixture = new InProcessFixture(engine);
  }

  @Override
  protected void restartServer(Runnable whileStopped) throws Exception {
    fixture.restart(whileStopped);
  }

  @Override
  protected ChatClient connect(ChatClientListener listener) {
    return fixture.client(listener);
  }

  @Override
  protected void stopServer() {
    fixture.service().shutDownStreams();
    fixture.close();
  }
}
