package io.chatapp.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Session;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one table between ErrorCode and gRPC Status, on its own and across the wire. */
class StatusMappingTest {
  private static final String TOKEN = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

  @Test
  void eachErrorCodeMapsToTheStatusCodeOfTheIssueTable() {
    Map<ErrorCode, Status.Code> table = Map.of(
        ErrorCode.INVALID_ARGUMENT, Status.Code.INVALID_ARGUMENT,
        ErrorCode.UNAUTHENTICATED, Status.Code.UNAUTHENTICATED,
        ErrorCode.NOT_FOUND, Status.Code.NOT_FOUND,
        ErrorCode.ALREADY_EXISTS, Status.Code.ALREADY_EXISTS,
        ErrorCode.RESOURCE_EXHAUSTED, Status.Code.RESOURCE_EXHAUSTED,
        ErrorCode.UNAVAILABLE, Status.Code.UNAVAILABLE,
        ErrorCode.INTERNAL, Status.Code.INTERNAL);
    assertEquals(ErrorCode.values().length, table.size(), "every code is in the table");
    table.forEach((code, status) -> assertEquals(status, StatusMapping.toStatusCode(code), code.name()));
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void everyErrorCodeRoundTripsWithItsMessage(ErrorCode code) {
    StatusRuntimeException status = StatusMapping.toStatusException(new ChatException(code, "what went wrong"));
    assertEquals("what went wrong", status.getStatus().getDescription());
    ChatException back = StatusMapping.toChatException(status);
    assertEquals(code, back.code());
    assertEquals("what went wrong", back.getMessage());
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void everyErrorCodeFromTheEngineReachesTheClientUnchanged(ErrorCode code) throws Exception {
    ChatEngine engine = mock(ChatEngine.class);
    when(engine.loginAsync(eq("alice"), eq("pw"), any()))
        .thenReturn(CompletableFuture.completedFuture(new Session(TOKEN, "alice", 0, 0)));
    when(engine.fetch(anyString(), anyLong(), anyInt())).thenThrow(new ChatException(code, "fetch failed: " + code));
    try (InProcessFixture fixture = new InProcessFixture(engine)) {
      ChatClient client = fixture.client(null);
      client.login("alice", "pw");
      ChatException e = assertThrows(ChatException.class, () -> client.fetch(0, 10));
      assertEquals(code, e.code());
      assertEquals("fetch failed: " + code, e.getMessage());
    }
  }

  @Test
  void unexpectedEngineFailureBecomesInternalWithoutItsDetails() throws Exception {
    ChatEngine engine = mock(ChatEngine.class);
    when(engine.loginAsync(eq("alice"), eq("pw"), any()))
        .thenReturn(CompletableFuture.completedFuture(new Session(TOKEN, "alice", 0, 0)));
    when(engine.fetch(anyString(), anyLong(), anyInt())).thenThrow(new IllegalStateException("secret detail"));
    try (InProcessFixture fixture = new InProcessFixture(engine)) {
      ChatClient client = fixture.client(null);
      client.login("alice", "pw");
      ChatException e = assertThrows(ChatException.class, () -> client.fetch(0, 10));
      assertEquals(ErrorCode.INTERNAL, e.code());
      assertFalse(e.getMessage().contains("secret detail"), e.getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"99", "0", "-1", "seven", ""})
  void unknownOrMalformedErrorNumberBecomesInternal(String number) {
    Metadata trailers = new Metadata();
    trailers.put(StatusMapping.ERROR_CODE_KEY, number);
    ChatException e = StatusMapping.toChatException(
        Status.NOT_FOUND.withDescription("from a newer server").asRuntimeException(trailers));
    assertEquals(ErrorCode.INTERNAL, e.code());
  }

  @Test
  void deadlineAndBrokenConnectionBecomeUnavailable() {
    assertEquals(ErrorCode.UNAVAILABLE,
        StatusMapping.toChatException(Status.DEADLINE_EXCEEDED.asRuntimeException()).code());
    assertEquals(ErrorCode.UNAVAILABLE,
        StatusMapping.toChatException(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException()).code());
    assertEquals(ErrorCode.UNAVAILABLE, StatusMapping.toChatException(Status.CANCELLED.asRuntimeException()).code());
  }

  @Test
  void otherTransportStatusesBecomeInternalAndSayWhichStatus() {
    ChatException e = StatusMapping.toChatException(Status.UNIMPLEMENTED.asRuntimeException());
    assertEquals(ErrorCode.INTERNAL, e.code());
    assertTrue(e.getMessage().contains("UNIMPLEMENTED"), e.getMessage());
  }

  @Test
  void onlyServiceStatusesCarryTheTrailer() {
    assertTrue(StatusMapping.isFromService(StatusMapping.toStatusException(ErrorCode.NOT_FOUND, "x")));
    assertFalse(StatusMapping.isFromService(Status.UNAVAILABLE.asRuntimeException()));
  }

  @Test
  void chatExceptionPassesThroughUnchanged() {
    ChatException original = new ChatException(ErrorCode.NOT_FOUND, "no such user: bob");
    assertSame(original, StatusMapping.toChatException(original));
  }
}
