package io.chatapp.transport.grpc;

import io.chatapp.api.ChatEngine;
import io.chatapp.testkit.CallThreadCases;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.chatapp.transport.grpc.proto.SendRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;

/** Which thread of the gRPC server runs a call, asked with plain stubs; see {@link CallThreadCases}. */
class GrpcCallThreadsTest extends CallThreadCases {
  @Override
  protected void sendOneMessage(ChatEngine engine) throws Exception {
    String token = engine.login("alice", PASSWORD).token();
    try (GrpcChatServer server = GrpcChatServer.builder(engine).port(0).build().start()) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        ChatServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(RawSessions.authorization(token)))
            .send(SendRequest.newBuilder().setRecipient("alice").setText("hi").build());
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(30, TimeUnit.SECONDS);
      }
    }
  }

  @Override
  protected String ioThreadNames() {
    return "chatapp-grpc-server-\\d+-io-.*";
  }

  @Override
  protected String workerThreadNames() {
    return "chatapp-grpc-server-\\d+-\\d+";
  }
}
