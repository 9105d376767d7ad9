/**
 * The gRPC transport: {@code GrpcChatServer} and {@code GrpcChatClient}. The generated protobuf
 * classes, the server's stream and budget machinery and the client connection are internal;
 * clients in other languages use {@code chat.proto}.
 */
module io.chatapp.transport.grpc {
  requires transitive io.chatapp.api;
  requires transitive io.chatapp.client;
  requires io.grpc;
  requires io.grpc.stub;
  requires io.grpc.protobuf;
  requires io.grpc.services; // the standard health and reflection services (StandardServices)
  requires proto.google.common.protos; // google.rpc.Status, ErrorInfo, RetryInfo (StatusMapping)
  requires io.grpc.netty.shaded;
  requires com.google.protobuf;
  requires com.google.common; // the generated future stubs
  requires java.logging; // grpc-java logs through java.util.logging; ConnectionLogFilter quiets it

  exports io.chatapp.transport.grpc;
}
