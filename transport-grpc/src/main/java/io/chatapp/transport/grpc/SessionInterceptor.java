package io.chatapp.transport.grpc;

import io.chatapp.api.ErrorCode;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;

/**
 * Checks the {@code authorization: Bearer <token>} metadata of every RPC that needs a session
 * (all but {@code CreateAccount} and {@code Login}) and hands the token to the service in
 * {@link #SESSION_TOKEN}.
 *
 * <p>It checks only that the header is present once and well-formed, failing the call with
 * {@code UNAUTHENTICATED} and a description of what is wrong; whether the token stands for a live
 * session is for the engine to say. It never logs or echoes the token.
 *
 * <p>Immutable and thread-safe; called by gRPC on the server's executor as each call starts.
 */
final class SessionInterceptor implements ServerInterceptor {
  /** The session token of the current call, set for every RPC that needs a session. */
  static final Context.Key<String> SESSION_TOKEN = Context.key("chatapp-session-token");

  private static final Set<String> OPEN_METHODS = Set.of(
      ChatServiceGrpc.getCreateAccountMethod().getFullMethodName(),
      ChatServiceGrpc.getLoginMethod().getFullMethodName());

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String token;
    try {
      // Several values are refused on every method, even where no session is needed: a proxy
      // or client that adds a second one has a bug that serving either value would hide.
      String value = BearerToken.singleValue(headers);
      if (OPEN_METHODS.contains(call.getMethodDescriptor().getFullMethodName())) {
        return next.startCall(call, headers);
      }
      token = BearerToken.parse(value);
    } catch (BearerToken.MalformedException e) {
      call.close(
          Status.UNAUTHENTICATED.withDescription(e.getMessage()),
          StatusMapping.trailers(ErrorCode.UNAUTHENTICATED));
      return new ServerCall.Listener<>() {};
    }
    Context context = Context.current().withValue(SESSION_TOKEN, token);
    return Contexts.interceptCall(context, call, headers, next);
  }
}
