package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.Optional;

/**
 * Reads the {@code google.rpc} details of a failed call the way any gRPC client would, from the
 * {@code grpc-status-details-bin} trailer, checking on the way that they agree with the status.
 * Immutable (static functions only).
 */
final class RpcDetails {
  private RpcDetails() {}

  /** Returns the one chatapp ErrorInfo of a failed call; fails the test if there is none. */
  static ErrorInfo errorInfo(Throwable failure) {
    com.google.rpc.Status details = StatusProto.fromThrowable(failure);
    assertNotNull(details, "the status carries grpc-status-details-bin: " + failure);
    Status status = Status.fromThrowable(failure);
    assertEquals(status.getCode().value(), details.getCode(), "google.rpc.Status has the call's code");
    assertEquals(status.getDescription(), details.getMessage(), "google.rpc.Status has the call's message");
    return errorInfo(details.getDetailsList());
  }

  /** Returns the one chatapp ErrorInfo among details; fails the test if there is none. */
  static ErrorInfo errorInfo(List<Any> details) {
    List<ErrorInfo> infos = unpack(details, ErrorInfo.class);
    assertEquals(1, infos.size(), "one ErrorInfo: " + details);
    assertEquals("chatapp.io", infos.get(0).getDomain());
    return infos.get(0);
  }

  /** Returns the RetryInfo of a failed call, if it has one. */
  static Optional<RetryInfo> retryInfo(Throwable failure) {
    com.google.rpc.Status details = StatusProto.fromThrowable(failure);
    assertNotNull(details, "the status carries grpc-status-details-bin: " + failure);
    return unpack(details.getDetailsList(), RetryInfo.class).stream().findFirst();
  }

  private static <T extends com.google.protobuf.Message> List<T> unpack(List<Any> details, Class<T> type) {
    return details.stream().filter(d -> d.is(type)).map(d -> {
      try {
        return d.unpack(type);
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("detail does not parse as " + type.getSimpleName(), e);
      }
    }).toList();
  }
}
