package io.chatapp.engine;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import java.time.Duration;

/**
 * One session's send allowance: a token bucket that holds up to {@code burst} sends and refills at
 * {@code perSecond}, so a client may send a burst at once but not flood a mailbox for long.
 *
 * <p>Thread-safe: a session's sends may come from several connections at once; each take is a
 * short critical section on this object.
 */
final class SendRate {
  private final double perMilli;
  private final int burst;
  private double tokens; // guarded by this
  private long lastMillis; // guarded by this

  SendRate(int perSecond, int burst, long nowMillis) {
    this.perMilli = perSecond / 1000.0;
    this.burst = burst;
    this.tokens = burst;
    this.lastMillis = nowMillis;
  }

  /**
   * Takes one send from the allowance.
   *
   * @throws ChatException {@link ErrorCode#RESOURCE_EXHAUSTED} saying the limit and when to retry
   */
  synchronized void take(long nowMillis) {
    if (nowMillis > lastMillis) {
      tokens = Math.min(burst, tokens + (nowMillis - lastMillis) * perMilli);
      lastMillis = nowMillis;
    }
    if (tokens < 1) {
      long retryMillis = (long) Math.ceil((1 - tokens) / perMilli);
      throw new ChatException(ErrorCode.RESOURCE_EXHAUSTED, Reasons.SEND_RATE,
          "sending too fast: this session may send " + Math.round(perMilli * 1000)
              + " messages a second after a burst of " + burst + "; retry in " + retryMillis + " ms",
          Duration.ofMillis(retryMillis));
    }
    tokens--;
  }
}
