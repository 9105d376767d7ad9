package io.chatapp.transport.grpc;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The one table between chatapp's {@link ErrorCode} and gRPC's {@link Status}, used by the server
 * to answer and by the client to read the answer.
 *
 * <p>Each code maps to the gRPC code of the same name; {@link ErrorCode#INTERNAL} and anything
 * unknown map to {@link Status.Code#INTERNAL}. A status made by the service also carries the
 * trailer {@value #ERROR_CODE_TRAILER} with the code's {@link ErrorCode#wireNumber() wire number},
 * so that the client tells a failure the server decided from one made by gRPC or the network (a
 * broken connection, a deadline), which carries no such trailer.
 *
 * <p>Every such status also carries a {@code google.rpc.Status} in the standard trailer
 * {@code grpc-status-details-bin} ({@link StatusProto}), with the same code and message and the
 * machine-readable {@link ErrorDetails}: a {@code google.rpc.ErrorInfo} whose reason tells apart
 * failures of one code (which limit a {@code RESOURCE_EXHAUSTED} hit), and a
 * {@code google.rpc.RetryInfo} when a retry time is known. The client reads them back when present
 * and does without them when not.
 *
 * <p>Immutable (static functions only); thread-safe.
 */
final class StatusMapping {
  /** Name of the trailer that holds the chatapp error number of a service-made status. */
  static final String ERROR_CODE_TRAILER = "chatapp-error-code";

  static final Metadata.Key<String> ERROR_CODE_KEY =
      Metadata.Key.of(ERROR_CODE_TRAILER, Metadata.ASCII_STRING_MARSHALLER);

  private StatusMapping() {}

  /**
   * Returns the gRPC code that stands for a chatapp code.
   *
   * @param code the chatapp code
   * @return the gRPC code of the same name, or {@link Status.Code#INTERNAL}
   */
  static Status.Code toStatusCode(ErrorCode code) {
    return switch (code) {
      case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
      case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
      case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
      case UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case INTERNAL -> Status.Code.INTERNAL;
    };
  }

  /**
   * Returns the chatapp code for a status that gRPC or the network made, without the service's
   * trailer. A deadline and a cancelled or broken call are {@link ErrorCode#UNAVAILABLE}: the
   * request may or may not have taken effect.
   *
   * @param code the gRPC code
   * @return the chatapp code, {@link ErrorCode#INTERNAL} for codes with no counterpart
   */
  static ErrorCode fromStatusCode(Status.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT -> ErrorCode.INVALID_ARGUMENT;
      case UNAUTHENTICATED -> ErrorCode.UNAUTHENTICATED;
      case NOT_FOUND -> ErrorCode.NOT_FOUND;
      case ALREADY_EXISTS -> ErrorCode.ALREADY_EXISTS;
      case RESOURCE_EXHAUSTED -> ErrorCode.RESOURCE_EXHAUSTED;
      case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED -> ErrorCode.UNAVAILABLE;
      default -> ErrorCode.INTERNAL;
    };
  }

  /**
   * Turns a chat failure into the status the service answers with: the mapped code, the
   * exception's message as the description and the error-code trailer.
   *
   * @param e the failure
   * @return the exception to pass to {@code StreamObserver.onError} or {@code ServerCall.close}
   */
  static StatusRuntimeException toStatusException(ChatException e) {
    return toStatusException(e.code(), e.getMessage(), detailsOf(e));
  }

  /**
   * Returns the machine-readable part of a chat failure, the one place that reads it.
   *
   * @param e the failure
   * @return its reason, and its retry time if known
   */
  static ErrorDetails detailsOf(ChatException e) {
    return new ErrorDetails(e.reason(), Map.of(), e.retryAfter().orElse(null));
  }

  /**
   * Builds the status the service answers with for a code and a description.
   *
   * @param code the chatapp code
   * @param description what was wrong, for a person
   * @return the status with the error-code trailer
   */
  static StatusRuntimeException toStatusException(ErrorCode code, String description) {
    return toStatusException(code, description, ErrorDetails.of(code));
  }

  /**
   * Builds the status the service answers with for a code, a description and the
   * machine-readable details.
   *
   * @param code the chatapp code
   * @param description what was wrong, for a person
   * @param details the reason and, if known, the retry time
   * @return the status with the error-code trailer and the {@code google.rpc.Status} trailer
   */
  static StatusRuntimeException toStatusException(ErrorCode code, String description, ErrorDetails details) {
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
        .setCode(toStatusCode(code).value())
        .setMessage(description == null ? code.name() : description)
        .addAllDetails(details.toAny())
        .build();
    return StatusProto.toStatusRuntimeException(status, trailers(code));
  }

  /**
   * Builds the status that ends a call because the server shuts down.
   *
   * @return {@code UNAVAILABLE} with the reason {@value ErrorDetails#SHUTTING_DOWN}
   */
  static StatusRuntimeException shuttingDown() {
    return toStatusException(ErrorCode.UNAVAILABLE, "the server is shutting down",
        ErrorDetails.of(ErrorDetails.SHUTTING_DOWN));
  }

  private static Metadata trailers(ErrorCode code) {
    Metadata trailers = new Metadata();
    trailers.put(ERROR_CODE_KEY, Integer.toString(code.wireNumber()));
    return trailers;
  }

  /**
   * Tells whether a call failure was decided by the chat service rather than by gRPC or the
   * network.
   *
   * @param failure what a call failed with
   * @return {@code true} if its trailers carry the error-code trailer
   */
  static boolean isFromService(Throwable failure) {
    Metadata trailers = Status.trailersFromThrowable(failure);
    return trailers != null && trailers.containsKey(ERROR_CODE_KEY);
  }

  /**
   * Turns what a call failed with into the chat exception the client reports. The error-code
   * trailer wins when present, so every code round-trips exactly; an unknown or malformed number
   * becomes {@link ErrorCode#INTERNAL}. Without it the gRPC code is mapped by
   * {@link #fromStatusCode}.
   *
   * @param failure what a call failed with
   * @return the chat exception, with {@code failure} as its cause
   */
  static ChatException toChatException(Throwable failure) {
    if (failure instanceof ChatException chat) {
      return chat;
    }
    Status status = Status.fromThrowable(failure);
    Metadata trailers = Status.trailersFromThrowable(failure);
    String number = trailers == null ? null : trailers.get(ERROR_CODE_KEY);
    if (number != null) {
      ErrorCode code = parseWireNumber(number);
      String description = status.getDescription() != null ? status.getDescription() : code.name();
      return toChatException(code, description, detailsFrom(failure), failure);
    }
    ErrorCode code = fromStatusCode(status.getCode());
    return new ChatException(code, describeTransportFailure(status), failure);
  }

  /**
   * Builds the chat exception the client reports for a failure the server decided, the one
   * place that puts the server's details into it.
   *
   * @param code the chatapp code
   * @param description the server's description
   * @param details the machine-readable details, if the server sent usable ones
   * @param cause what the call failed with, or {@code null}
   * @return the exception
   */
  static ChatException toChatException(ErrorCode code, String description, Optional<ErrorDetails> details,
      Throwable cause) {
    return details
        .map(d -> new ChatException(code, d.reason(), description, d.retryAfter(), cause))
        .orElseGet(() -> new ChatException(code, description, cause));
  }

  /**
   * Reads the machine-readable details of a failed call from its {@code grpc-status-details-bin}
   * trailer.
   *
   * @param failure what a call failed with
   * @return the details, or empty if the trailer is absent, malformed or holds none of chatapp's
   */
  static Optional<ErrorDetails> detailsFrom(Throwable failure) {
    try {
      com.google.rpc.Status status = StatusProto.fromThrowable(failure);
      return status == null ? Optional.empty() : ErrorDetails.fromAny(status.getDetailsList());
    } catch (RuntimeException e) {
      // Bytes that are not a google.rpc.Status, or one whose code contradicts the call's: the
      // details are optional, the code and description stand without them.
      return Optional.empty();
    }
  }

  private static SSLException tlsFailure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }

  private static ErrorCode parseWireNumber(String number) {
    try {
      return ErrorCode.fromWireNumber(Integer.parseInt(number.trim()));
    } catch (NumberFormatException e) {
      return ErrorCode.INTERNAL;
    }
  }

  private static String describeTransportFailure(Status status) {
    SSLException tls = tlsFailure(status.getCause());
    if (tls != null) {
      // A handshake failure says little in the status itself ("io exception"); the cause says
      // which side refused and why, such as an untrusted certificate.
      return "the TLS handshake with the server failed: " + tls.getMessage();
    }
    String what = switch (status.getCode()) {
      case DEADLINE_EXCEEDED -> "no answer from the server within the call timeout";
      case UNAVAILABLE -> "the server cannot be reached";
      case CANCELLED -> "the call was cancelled";
      default -> "the call failed with gRPC status " + status.getCode();
    };
    return status.getDescription() == null ? what : what + ": " + status.getDescription();
  }
}
