package io.chatapp.transport.grpc;

import io.chatapp.api.ErrorCode;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers a request message that cannot be read with a status of its own:
 * {@code RESOURCE_EXHAUSTED} for one that inflates past the message limit, {@code INVALID_ARGUMENT}
 * for bytes that are not the method's protobuf message.
 *
 * <p>gRPC checks the inflated size of a compressed message, and protobuf its syntax, only while
 * the request marshaller parses it, and the server turns whatever the marshaller throws into
 * {@code UNKNOWN "Application error processing RPC"} and a {@code SEVERE} log record with a stack
 * trace, once per request (grpc-java issue 11246; the upstream fix was reverted). Here every
 * method's request marshaller is wrapped so that it never throws: it hands the service either the
 * message or the reason it could not be read, and the call wrapper closes the call with that
 * reason, logging nothing above {@code DEBUG}.
 *
 * <p>Immutable (static functions only); the call and listener wrappers are described below.
 */
final class UnreadableRequestGuard {
  private static final System.Logger LOG = System.getLogger(UnreadableRequestGuard.class.getName());

  private UnreadableRequestGuard() {}

  /**
   * Wraps every method of a service.
   *
   * @param service the service with its interceptors; apply no interceptor on top of the result
   * @return the same service, with request failures answered as described above
   */
  static ServerServiceDefinition guard(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    // The schema descriptor (the .proto file) travels along: server reflection reads it.
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> guarded = guard(method);
      methods.add(guarded);
      descriptor.addMethod(guarded.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder guarded = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(guarded::addMethod);
    return guarded.build();
  }

  private static <ReqT, RespT> ServerMethodDefinition<Parsed<ReqT>, RespT> guard(
      ServerMethodDefinition<ReqT, RespT> definition) {
    MethodDescriptor<ReqT, RespT> method = definition.getMethodDescriptor();
    MethodDescriptor<Parsed<ReqT>, RespT> guarded = method.toBuilder(
        new ParsingMarshaller<>(method.getRequestMarshaller(), method.getFullMethodName()),
        method.getResponseMarshaller()).build();
    ServerCallHandler<ReqT, RespT> next = definition.getServerCallHandler();
    return ServerMethodDefinition.create(guarded, (call, headers) -> {
      GuardedCall<ReqT, RespT> inner = new GuardedCall<>(call, method);
      return new GuardedListener<>(inner, next.startCall(inner, headers));
    });
  }

  /** A request as parsed: the message, or the status to end the call with. Immutable. */
  record Parsed<T>(T message, StatusRuntimeException failure) {}

  /** Parses with the method's own marshaller and catches what it throws. Immutable. */
  private record ParsingMarshaller<T>(MethodDescriptor.Marshaller<T> delegate, String methodName)
      implements MethodDescriptor.Marshaller<Parsed<T>> {
    @Override
    public InputStream stream(Parsed<T> value) {
      return delegate.stream(value.message());
    }

    @Override
    public Parsed<T> parse(InputStream stream) {
      try {
        return new Parsed<>(delegate.parse(stream), null);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
          // gRPC's description names the limit: "Decompressed gRPC message exceeds maximum size N".
          return failed(ErrorCode.RESOURCE_EXHAUSTED, ErrorDetails.REQUEST_TOO_LARGE,
              "request message too large: " + e.getStatus().getDescription(), e);
        }
        return failed(ErrorCode.INVALID_ARGUMENT, ErrorDetails.MALFORMED_REQUEST,
            "request of " + methodName + " is not a valid protobuf message", e);
      } catch (RuntimeException e) {
        return failed(ErrorCode.INVALID_ARGUMENT, ErrorDetails.MALFORMED_REQUEST,
            "request of " + methodName + " could not be read", e);
      }
    }

    private Parsed<T> failed(ErrorCode code, String reason, String description, RuntimeException cause) {
      // DEBUG: a client can send these at will, and the client itself is told.
      LOG.log(System.Logger.Level.DEBUG, () -> "refusing a request: " + description, cause);
      return new Parsed<>(null, StatusMapping.toStatusException(code, description, ErrorDetails.of(reason)));
    }
  }

  /**
   * The call as the service sees it, with the method's own request type. Once closed, by the
   * service or for an unreadable request, it ignores later messages and closes, so that a service
   * still writing to a call the guard closed does not fail.
   *
   * <p>Thread-safe: the service may write from its own threads while gRPC's callback thread
   * closes the call for an unreadable request; writes and the close are serialised on
   * {@code lock}.
   */
  private static final class GuardedCall<ReqT, RespT> extends ServerCall<ReqT, RespT> {
    private final ServerCall<Parsed<ReqT>, RespT> delegate;
    private final MethodDescriptor<ReqT, RespT> method;
    private final Object lock = new Object();
    private boolean closed; // guarded by lock

    GuardedCall(ServerCall<Parsed<ReqT>, RespT> delegate, MethodDescriptor<ReqT, RespT> method) {
      this.delegate = delegate;
      this.method = method;
    }

    @Override
    public void request(int numMessages) {
      delegate.request(numMessages);
    }

    @Override
    public void sendHeaders(Metadata headers) {
      synchronized (lock) {
        if (!closed) {
          delegate.sendHeaders(headers);
        }
      }
    }

    @Override
    public void sendMessage(RespT message) {
      synchronized (lock) {
        if (!closed) {
          delegate.sendMessage(message);
        }
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      synchronized (lock) {
        if (closed) {
          return;
        }
        closed = true;
        delegate.close(status, trailers);
      }
    }

    @Override
    public boolean isReady() {
      return delegate.isReady();
    }

    @Override
    public boolean isCancelled() {
      return delegate.isCancelled();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      delegate.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      delegate.setCompression(compressor);
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      delegate.setOnReadyThreshold(numBytes);
    }

    @Override
    public SecurityLevel getSecurityLevel() {
      return delegate.getSecurityLevel();
    }

    @Override
    public Attributes getAttributes() {
      return delegate.getAttributes();
    }

    @Override
    public String getAuthority() {
      return delegate.getAuthority();
    }

    @Override
    public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
      return method;
    }
  }

  /**
   * Hands readable requests to the service; on an unreadable one, closes the call with its status
   * and tells the service the call was cancelled, then passes nothing more on.
   *
   * <p>Not thread-safe; gRPC calls it one callback at a time.
   */
  private static final class GuardedListener<ReqT, RespT> extends ServerCall.Listener<Parsed<ReqT>> {
    private final GuardedCall<ReqT, RespT> call;
    private final ServerCall.Listener<ReqT> delegate;
    private boolean refused;

    GuardedListener(GuardedCall<ReqT, RespT> call, ServerCall.Listener<ReqT> delegate) {
      this.call = call;
      this.delegate = delegate;
    }

    @Override
    public void onMessage(Parsed<ReqT> request) {
      if (refused) {
        return;
      }
      if (request.failure() == null) {
        delegate.onMessage(request.message());
        return;
      }
      refused = true;
      StatusRuntimeException failure = request.failure();
      call.close(failure.getStatus(), failure.getTrailers());
      // gRPC will report the call as completed (the server closed it); the service learns now
      // that it ended without an answer of its own, so that it lets go of what it holds.
      delegate.onCancel();
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        delegate.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      if (!refused) {
        delegate.onCancel();
      }
    }

    @Override
    public void onComplete() {
      if (!refused) {
        delegate.onComplete();
      }
    }

    @Override
    public void onReady() {
      if (!refused) {
        delegate.onReady();
      }
    }
  }
}
