package io.chatapp.transport.grpc;

/**
 * The checks that the builders of {@link GrpcChatServer} and {@link GrpcChatClient} share, so
 * that both reject bad settings with the same words.
 *
 * <p>Stateless.
 */
final class BuilderChecks {
  private BuilderChecks() {}

  /** Rejects a setting given twice. */
  static void checkNotSet(boolean set, String name, Object current) {
    if (set) {
      throw new IllegalStateException(name + " was already set to " + current + "; set it once");
    }
  }

  /** Returns {@code host} if it names a host. */
  static String host(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must be a host name or IP address, was '" + host + "'");
    }
    return host;
  }
}
