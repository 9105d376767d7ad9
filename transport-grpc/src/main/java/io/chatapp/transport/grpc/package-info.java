/**
 * The gRPC transport: the chat service defined in {@code chatapp/v1/chat.proto}, served and
 * called with grpc-java.
 *
 * <p>May depend on {@code io.chatapp.api}, {@code io.chatapp.engine}, grpc-java and protobuf.
 */
package io.chatapp.transport.grpc;
