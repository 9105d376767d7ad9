package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The machine-readable error details: what the server packs and what the client believes. */
class ErrorDetailsTest {
  @Test
  void reasonMetadataAndRetryTimeRoundTrip() {
    ErrorDetails sent = new ErrorDetails("LOGIN_THROTTLED", Map.of("retryAfterSeconds", "30"), Duration.ofMillis(30_500));
    assertEquals(Optional.of(sent), ErrorDetails.fromAny(sent.toAny()));
  }

  @Test
  void withoutARetryTimeNoRetryInfoIsSent() {
    List<Any> details = ErrorDetails.of(ErrorCode.NOT_FOUND).toAny();
    assertEquals(1, details.size());
    assertTrue(details.get(0).is(ErrorInfo.class));
  }

  @Test
  void aServiceStatusCarriesAGoogleRpcStatusThatAgreesWithIt() {
    StatusRuntimeException e = StatusMapping.toStatusException(new ChatException(ErrorCode.ALREADY_EXISTS, "taken: bob"));
    assertEquals("ALREADY_EXISTS", RpcDetails.errorInfo(e).getReason());
    assertEquals(Optional.empty(), RpcDetails.retryInfo(e));
    assertEquals(Optional.of(ErrorDetails.of("ALREADY_EXISTS")), StatusMapping.detailsFrom(e));
  }

  @Test
  void detailsOfAnotherDomainOrBreakingTheRulesAreIgnored() {
    Any otherDomain = Any.pack(ErrorInfo.newBuilder().setReason("QUOTA").setDomain("proxy.example").build());
    Any lowerCase = Any.pack(ErrorInfo.newBuilder().setReason("not_upper").setDomain(ErrorDetails.DOMAIN).build());
    Any badKey = Any.pack(ErrorInfo.newBuilder().setReason("FINE").setDomain(ErrorDetails.DOMAIN)
        .putMetadata("a key with spaces", "x").build());
    Any negativeDelay = Any.pack(RetryInfo.newBuilder()
        .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(-5)).build());
    Any notWhatItClaims = Any.newBuilder().setTypeUrl("type.googleapis.com/google.rpc.ErrorInfo")
        .setValue(ByteString.copyFrom(new byte[] {0x0a, 100, 1})).build();
    assertEquals(Optional.empty(), ErrorDetails.fromAny(List.of(otherDomain, lowerCase, badKey, notWhatItClaims)));
    Any good = Any.pack(ErrorInfo.newBuilder().setReason("FINE").setDomain(ErrorDetails.DOMAIN).build());
    assertEquals(Optional.of(ErrorDetails.of("FINE")),
        ErrorDetails.fromAny(List.of(otherDomain, notWhatItClaims, negativeDelay, good)),
        "the first usable ErrorInfo wins; an unusable retry time is read as unknown");
  }

  @Test
  void aRetryTimeOfMoreThanADayIsReadAsUnknown() {
    Any info = Any.pack(ErrorInfo.newBuilder().setReason("SLOW_DOWN").setDomain(ErrorDetails.DOMAIN).build());
    Any year = Any.pack(RetryInfo.newBuilder()
        .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(365L * 24 * 3600)).build());
    assertEquals(Optional.empty(), ErrorDetails.fromAny(List.of(info, year)).orElseThrow().retryDelay());
  }

  @Test
  void aMalformedDetailsTrailerIsIgnoredAndTheCodeStands() {
    Metadata trailers = new Metadata();
    trailers.put(Metadata.Key.of(StatusMapping.ERROR_CODE_TRAILER, Metadata.ASCII_STRING_MARSHALLER), "3");
    trailers.put(Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {0x12, 50, 1});
    StatusRuntimeException e = Status.NOT_FOUND.withDescription("no such user: bob").asRuntimeException(trailers);
    assertEquals(Optional.empty(), StatusMapping.detailsFrom(e));
    ChatException chat = StatusMapping.toChatException(e);
    assertEquals(ErrorCode.NOT_FOUND, chat.code());
    assertEquals("no such user: bob", chat.getMessage());
  }

  @Test
  void aStatusWithoutDetailsHasNone() {
    assertEquals(Optional.empty(), StatusMapping.detailsFrom(Status.UNAVAILABLE.asRuntimeException()));
  }

  @Test
  void reasonsAndKeysOutsideTheRulesAreRefusedWhenMade() {
    assertThrows(IllegalArgumentException.class, () -> ErrorDetails.of("lower"));
    assertThrows(IllegalArgumentException.class, () -> ErrorDetails.of("9LIVES"));
    assertThrows(IllegalArgumentException.class, () -> ErrorDetails.of("FINE").with("bad key", 1));
    assertThrows(IllegalArgumentException.class, () -> new ErrorDetails("FINE", Map.of(), Duration.ofSeconds(-1)));
  }
}
