package io.chatapp.client.spi;

/**
 * What a request carries besides its own fields.
 *
 * @param sessionToken the token of the client's session, or {@code null}; a transport whose
 *     server keeps the session per connection may ignore it; never log it
 * @param deadlineNanos when the call's time is up, on the {@link System#nanoTime()} scale
 */
public record CallContext(String sessionToken, long deadlineNanos) {
  /** Keeps the token out of logs and exception messages. */
  @Override
  public String toString() {
    return "CallContext[sessionToken=" + (sessionToken == null ? "none" : "<redacted>") + ", deadlineNanos="
        + deadlineNanos + "]";
  }
}
