package io.chatapp.transport.grpc;

import io.chatapp.api.ErrorCode;
import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;

/**
 * Checks the {@code authorization: Bearer <token>} metadata of every RPC and hands the token to
 * the service in {@link #SESSION_TOKEN}, and the client's IP address in {@link #ORIGIN}.
 *
 * <p>{@code CreateAccount} and {@code Login} need no token; {@code LogoutOtherSessions} takes
 * one if given (the session to keep); every other RPC needs one. It checks only that the header
 * is present at most once and well-formed, failing the call with {@code UNAUTHENTICATED} and a
 * description of what is wrong; whether the token stands for a live session is for the engine to
 * say. It never logs or echoes the token.
 *
 * <p>Immutable and thread-safe; called by gRPC on the server's executor as each call starts.
 */
final class SessionInterceptor implements ServerInterceptor {
  /** The session token of the current call; {@code null} where none was needed or given. */
  static final Context.Key<String> SESSION_TOKEN = Context.key("chatapp-session-token");
  /**
   * The client's IP address as text, without the port, for the engine's budget of password work;
   * {@code null} when the transport has none (in-process).
   */
  static final Context.Key<String> ORIGIN = Context.key("chatapp-origin");

  private static final Set<String> OPEN_METHODS = Set.of(
      ChatServiceGrpc.getCreateAccountMethod().getFullMethodName(),
      ChatServiceGrpc.getLoginMethod().getFullMethodName());
  private static final Set<String> OPTIONAL_TOKEN_METHODS = Set.of(
      ChatServiceGrpc.getLogoutOtherSessionsMethod().getFullMethodName());

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    String token;
    try {
      // Several values are refused on every method, even where no session is needed: a proxy
      // or client that adds a second one has a bug that serving either value would hide.
      String value = BearerToken.singleValue(headers);
      boolean needed = !OPEN_METHODS.contains(method) && !OPTIONAL_TOKEN_METHODS.contains(method);
      boolean taken = !OPEN_METHODS.contains(method) && value != null;
      token = needed || taken ? BearerToken.parse(value) : null;
    } catch (BearerToken.MalformedException e) {
      StatusRuntimeException status = StatusMapping.toStatusException(ErrorCode.UNAUTHENTICATED, e.getMessage(),
          ErrorDetails.of(e.reason()));
      call.close(status.getStatus(), status.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    Context context = Context.current()
        .withValue(SESSION_TOKEN, token)
        .withValue(ORIGIN, origin(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
    return Contexts.interceptCall(context, call, headers, next);
  }

  private static String origin(SocketAddress remote) {
    if (remote instanceof InetSocketAddress socket) {
      InetAddress address = socket.getAddress();
      return address != null ? address.getHostAddress() : socket.getHostString();
    }
    return null;
  }
}
