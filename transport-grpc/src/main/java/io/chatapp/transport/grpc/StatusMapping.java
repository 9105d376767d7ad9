package io.chatapp.transport.grpc;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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
    return toStatusException(e.code(), e.getMessage());
  }

  /**
   * Builds the status the service answers with for a code and a description.
   *
   * @param code the chatapp code
   * @param description what was wrong, for a person
   * @return the status with the error-code trailer
   */
  static StatusRuntimeException toStatusException(ErrorCode code, String description) {
    return Status.fromCode(toStatusCode(code))
        .withDescription(description)
        .asRuntimeException(trailers(code));
  }

  /**
   * Returns fresh trailers that hold the error-code trailer of a code.
   *
   * @param code the chatapp code
   * @return the trailers
   */
  static Metadata trailers(ErrorCode code) {
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
      return new ChatException(code, description, failure);
    }
    ErrorCode code = fromStatusCode(status.getCode());
    return new ChatException(code, describeTransportFailure(status), failure);
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
