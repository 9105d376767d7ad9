package io.chatapp.transport.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * Sends the session token of a call, given in its {@link CallOptions} under {@link #SESSION_TOKEN},
 * as {@code authorization: Bearer <token>} metadata. A call without the option goes without the
 * header.
 *
 * <p>Taking the token from the call options rather than from shared state pins each call to the
 * token it was made with, even if the client logs in again meanwhile.
 *
 * <p>Immutable and thread-safe; gRPC calls it on the thread that starts a call.
 */
final class BearerTokenInterceptor implements ClientInterceptor {
  /** The session token to send with a call; must be {@link BearerToken#isWellFormed well-formed}. */
  static final CallOptions.Key<String> SESSION_TOKEN = CallOptions.Key.create("chatapp-session-token");

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    String token = callOptions.getOption(SESSION_TOKEN);
    ClientCall<ReqT, RespT> call = next.newCall(method, callOptions);
    if (token == null) {
      return call;
    }
    String headerValue = BearerToken.headerValue(token);
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<RespT> responseListener, Metadata headers) {
        headers.put(BearerToken.AUTHORIZATION, headerValue);
        super.start(responseListener, headers);
      }
    };
  }
}
