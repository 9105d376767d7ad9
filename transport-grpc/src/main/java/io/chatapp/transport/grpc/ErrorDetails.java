package io.chatapp.transport.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The machine-readable part of a failure, as the gRPC transport carries it in the
 * {@code details} of a {@code google.rpc.Status} (trailer {@code grpc-status-details-bin}) and of
 * a {@code SendError}: a {@code google.rpc.ErrorInfo} with a stable reason in the domain
 * {@value #DOMAIN} and metadata, and a {@code google.rpc.RetryInfo} when the server knows how long
 * to wait before trying again.
 *
 * <p>A reason follows {@link ChatException#isValidReason}, the project's one rule (Google's
 * ErrorInfo asks the same upper snake case). Reading is lenient: details from another domain, of
 * another type, or that break the rules (such a reason, a negative delay) are skipped, so a
 * proxy's or a newer server's additions never fail a call.
 *
 * <p>Immutable.
 *
 * @param reason a {@link ChatException#reason() reason}, such as {@code "SUBSCRIBER_TOO_SLOW"}
 * @param metadata lowerCamelCase keys with the unit in the key ({@code "maxBufferedMessages"})
 * @param retryAfter how long to wait before retrying, or {@code null} if unknown
 */
record ErrorDetails(String reason, Map<String, String> metadata, Duration retryAfter) {
  /** The ErrorInfo domain of every reason chatapp gives. */
  static final String DOMAIN = "chatapp.io";

  /**
   * {@code UNAVAILABLE}: the server is shutting down; another server, or this one later, serves.
   * The engine's name for it too.
   */
  static final String SHUTTING_DOWN = "SHUTTING_DOWN";
  /**
   * {@code RESOURCE_EXHAUSTED}: a subscriber did not keep up and the server's buffer for it, or
   * for all such subscribers, is full; subscribe again after the last seq received. The engine's
   * name for its own such limit too.
   */
  static final String SUBSCRIBER_TOO_SLOW = "SUBSCRIBER_TOO_SLOW";
  /**
   * {@code RESOURCE_EXHAUSTED}: answers the client has not read yet fill its connection's, or the
   * server's, budget; read them, or make fewer calls at once.
   */
  static final String UNREAD_ANSWERS = "UNREAD_ANSWERS";
  /** {@code RESOURCE_EXHAUSTED}: the request message is larger than the server reads, maybe once inflated. */
  static final String REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE";
  /** {@code INVALID_ARGUMENT}: the request bytes are not the method's protobuf message. */
  static final String MALFORMED_REQUEST = "MALFORMED_REQUEST";

  /** What google.rpc.ErrorInfo allows a metadata key to look like. */
  private static final Pattern METADATA_KEY = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
  /** The longest retry delay believed from the wire; longer ones are read as unknown. */
  private static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);

  /**
   * Checks and copies the parts.
   *
   * @throws IllegalArgumentException if the reason or a key breaks the rules above, or
   *     {@code retryAfter} is negative
   */
  ErrorDetails {
    if (!ChatException.isValidReason(reason)) {
      throw new IllegalArgumentException("reason must be 1 to " + ChatException.MAX_REASON_LENGTH
          + " characters of A-Z 0-9 _ starting with a letter, was " + reason);
    }
    metadata = Map.copyOf(metadata);
    for (String key : metadata.keySet()) {
      if (!METADATA_KEY.matcher(key).matches()) {
        throw new IllegalArgumentException("metadata key must be 1 to 64 of a-z A-Z 0-9 _ -, was " + key);
      }
    }
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative, was " + retryAfter);
    }
  }

  /**
   * Returns the details of a reason with no metadata and no retry time.
   *
   * @param reason the reason
   * @return the details
   */
  static ErrorDetails of(String reason) {
    return new ErrorDetails(reason, Map.of(), null);
  }

  /**
   * Returns the details every failure of a code has when nothing more precise is known: the
   * code's name as the reason.
   *
   * @param code the chatapp code
   * @return the details
   */
  static ErrorDetails of(ErrorCode code) {
    return of(code.name());
  }

  /**
   * Returns these details with one more metadata entry.
   *
   * @param key a lowerCamelCase key
   * @param value its value
   * @return new details
   */
  ErrorDetails with(String key, Object value) {
    Map<String, String> more = new java.util.HashMap<>(metadata);
    more.put(key, String.valueOf(value));
    return new ErrorDetails(reason, more, retryAfter);
  }

  /**
   * Returns the retry time, if the server knows it.
   *
   * @return how long to wait before retrying
   */
  Optional<Duration> retryDelay() {
    return Optional.ofNullable(retryAfter);
  }

  /**
   * Packs the details as the {@code details} of a {@code google.rpc.Status}.
   *
   * @return an ErrorInfo, then a RetryInfo if a retry time is known
   */
  List<Any> toAny() {
    List<Any> details = new ArrayList<>(2);
    details.add(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).putAllMetadata(metadata).build()));
    if (retryAfter != null) {
      details.add(Any.pack(RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
          .setSeconds(retryAfter.getSeconds()).setNanos(retryAfter.getNano())).build()));
    }
    return details;
  }

  /**
   * Reads chatapp's details out of the {@code details} of a status: the first ErrorInfo of
   * domain {@value #DOMAIN} that follows the rules, and the first valid RetryInfo.
   *
   * @param details what the status carried, possibly nothing
   * @return the details, or empty if no usable ErrorInfo is there
   */
  static Optional<ErrorDetails> fromAny(List<Any> details) {
    String reason = null;
    Map<String, String> metadata = Map.of();
    Duration retryAfter = null;
    for (Any detail : details) {
      try {
        if (reason == null && detail.is(ErrorInfo.class)) {
          ErrorInfo info = detail.unpack(ErrorInfo.class);
          if (DOMAIN.equals(info.getDomain()) && ChatException.isValidReason(info.getReason())
              && info.getMetadataMap().keySet().stream().allMatch(k -> METADATA_KEY.matcher(k).matches())) {
            reason = info.getReason();
            metadata = info.getMetadataMap();
          }
        } else if (retryAfter == null && detail.is(RetryInfo.class)) {
          retryAfter = retryDelay(detail.unpack(RetryInfo.class));
        }
      } catch (InvalidProtocolBufferException e) {
        // A detail that claims a type and does not parse as it: skipped, as the class says.
      }
    }
    return reason == null ? Optional.empty() : Optional.of(new ErrorDetails(reason, metadata, retryAfter));
  }

  private static Duration retryDelay(RetryInfo info) {
    com.google.protobuf.Duration delay = info.getRetryDelay();
    if (delay.getSeconds() < 0 || delay.getNanos() < 0 || delay.getNanos() > 999_999_999) {
      return null;
    }
    Duration d = Duration.ofSeconds(delay.getSeconds(), delay.getNanos());
    return d.compareTo(MAX_RETRY_AFTER) <= 0 ? d : null;
  }
}
