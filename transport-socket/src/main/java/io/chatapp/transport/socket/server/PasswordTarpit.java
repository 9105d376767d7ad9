package io.chatapp.transport.socket.server;

import io.chatapp.api.ErrorCode;
import io.chatapp.transport.socket.codec.Frame;

/**
 * How long a connection waits before its next request runs after the engine refused one of its
 * password requests with {@code RESOURCE_EXHAUSTED} (its password budget is spent, or the
 * address or name is throttled): {@value #FIRST_WAIT_MILLIS} ms, doubled with each consecutive
 * refusal up to {@value #MAX_WAIT_MILLIS} ms. A password request that is answered otherwise
 * (it ran, or was refused for another reason) starts the count again; other requests do not,
 * so a flooder cannot reset it by mixing in PINGs or cheap requests.
 *
 * <p>Each refusal is cheap, but a client that pipelines password requests would otherwise get
 * tens of thousands a second and spend the cores of the I/O thread and the workers. The wait
 * holds the connection's queue, which stops reading once it is full, so TCP pushes back on such
 * a client and its refusals are bounded to about {@code 1000 / FIRST_WAIT_MILLIS} a second,
 * fewer as the waits grow. Other connections do not wait. The wait runs on the server's ticker
 * (an {@link EventLoop} timer) and ends at once when the server shuts down, so that the requests
 * behind it are answered {@code UNAVAILABLE} like any that have not started.
 *
 * <p>Not thread-safe; used only by the thread that holds the connection's drain: a worker, or
 * the engine's thread that completes a password check (see {@link RequestQueue}).
 */
final class PasswordTarpit {
  /** The wait after a first refusal. */
  static final long FIRST_WAIT_MILLIS = 100;
  /** The longest wait, reached after five consecutive refusals. */
  static final long MAX_WAIT_MILLIS = 2_000;

  private long nextWaitMillis = FIRST_WAIT_MILLIS;

  /**
   * Records the answer to a request and returns how long the connection waits before its next
   * request runs.
   *
   * @param passwordRequest whether the request checks a password
   * @param answer the answer the engine gave
   * @return the wait in milliseconds, 0 for none
   */
  long waitAfter(boolean passwordRequest, Frame answer) {
    if (!passwordRequest) {
      return 0;
    }
    if (!(answer instanceof Frame.ErrorFrame e) || e.code() != ErrorCode.RESOURCE_EXHAUSTED) {
      nextWaitMillis = FIRST_WAIT_MILLIS;
      return 0;
    }
    long wait = nextWaitMillis;
    nextWaitMillis = Math.min(MAX_WAIT_MILLIS, wait * 2);
    return wait;
  }
}
