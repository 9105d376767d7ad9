package io.chatapp.transport.grpc;

import io.chatapp.transport.grpc.proto.ChatServiceGrpc;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The standard gRPC services a {@link GrpcChatServer} serves beside the chat, so that load
 * balancers, orchestrators and tools such as grpcurl work with it without the proto:
 *
 * <ul>
 *   <li>health, {@code grpc.health.v1.Health}: {@code SERVING} for the whole server ({@code ""})
 *       and for {@code chatapp.v1.ChatService} while the server runs, {@code NOT_SERVING} from the
 *       moment it starts shutting down; {@code Watch} streams hear the change, then end with
 *       {@code UNAVAILABLE};
 *   <li>reflection, {@code grpc.reflection.v1.ServerReflection}, unless turned off: lists the
 *       services and hands out their descriptors ({@code chatapp/v1/chat.proto} among them).
 * </ul>
 *
 * <p>Both need no session. Each method is wrapped by {@link UnreadableRequestGuard} as the chat's
 * are. Their calls are few and small, and reflection writes only while its stream is ready, so
 * they draw on no answer budget; what they must not do is hold up a shutdown, so every call still
 * open when the server shuts down is ended here with {@code UNAVAILABLE}, as the chat's streams
 * are (a {@code Watch} stream never ends by itself).
 *
 * <p>Thread-safe: gRPC calls the interceptor on its executor; {@link #shutDown()} runs on the
 * thread that closes the server.
 */
final class StandardServices implements ServerInterceptor {
  private final HealthStatusManager health = new HealthStatusManager();
  private final boolean reflection;
  private final Set<ServerCall<?, ?>> open = ConcurrentHashMap.newKeySet();
  private volatile boolean shuttingDown;

  /**
   * Creates the services.
   *
   * @param reflection whether to serve reflection as well as health
   */
  StandardServices(boolean reflection) {
    this.reflection = reflection;
  }

  /**
   * Returns the service definitions to add to the server, each guarded and tracked.
   *
   * @return health, then reflection if on
   */
  List<ServerServiceDefinition> definitions() {
    List<ServerServiceDefinition> services = new ArrayList<>();
    services.add(health.getHealthService().bindService());
    if (reflection) {
      services.add(ProtoReflectionServiceV1.newInstance().bindService());
    }
    // This interceptor sits inside the guard, so the call it may close from another thread is
    // the guard's, which serialises that close with the service's own writes.
    return services.stream()
        .map(service -> UnreadableRequestGuard.guard(ServerInterceptors.intercept(service, this)))
        .toList();
  }

  /**
   * Reports the chat service, and the server as a whole, {@code SERVING} or {@code NOT_SERVING};
   * once shut down, the health manager ignores it.
   */
  void ready(boolean ready) {
    ServingStatus status = ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
    health.setStatus(ChatServiceGrpc.SERVICE_NAME, status);
  }

  /**
   * Reports every service {@code NOT_SERVING} for good, then ends each call still open, and each
   * one that starts from now on, with {@code UNAVAILABLE}. Calling it again does nothing more.
   */
  void shutDown() {
    health.enterTerminalState();
    shuttingDown = true;
    for (ServerCall<?, ?> call : List.copyOf(open)) {
      end(call);
    }
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    open.add(call);
    ServerCall.Listener<ReqT> listener =
        new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
          @Override
          public void onComplete() {
            open.remove(call);
            super.onComplete();
          }

          @Override
          public void onCancel() {
            open.remove(call);
            super.onCancel();
          }
        };
    // Checked after registering, so that a call racing with shutDown() is ended by one of the two.
    if (shuttingDown) {
      end(call);
    }
    return listener;
  }

  private static void end(ServerCall<?, ?> call) {
    StatusRuntimeException status = StatusMapping.shuttingDown();
    call.close(status.getStatus(), status.getTrailers());
  }
}
