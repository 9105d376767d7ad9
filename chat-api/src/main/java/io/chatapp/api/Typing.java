package io.chatapp.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Tells a user that the peer of one of their conversations is typing. Never stored; it expires on
 * its own after {@link #EXPIRES_AFTER} unless another comes, and a message from the peer ends it.
 *
 * @param username the user who is typing
 * @param userId their account id
 */
public record Typing(String username, long userId) implements ChatEvent {
  /** How long a typing notice holds: show "typing…" this long after the last one. */
  public static final Duration EXPIRES_AFTER = Duration.ofSeconds(6);

  /**
   * The least time between two typing notices the server forwards in one conversation; a notice
   * sooner than this after the last one forwarded is dropped.
   */
  public static final Duration MIN_INTERVAL = Duration.ofSeconds(3);

  /**
   * Creates a typing notice.
   *
   * @throws NullPointerException if {@code username} is {@code null}
   */
  public Typing {
    Objects.requireNonNull(username, "username");
  }
}
