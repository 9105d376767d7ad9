package io.chatapp.api;

import java.util.List;
import java.util.Optional;

/**
 * One page of a listing and the token that fetches the next one.
 *
 * @param <T> the type of the items
 * @param items the items of this page, in listing order; an unmodifiable copy
 * @param nextPageToken the token to pass for the next page, or {@code null} on the last page
 */
public record Page<T>(List<T> items, String nextPageToken) {
  /**
   * Creates a page, copying the items.
   *
   * @throws NullPointerException if {@code items} or one of them is {@code null}
   * @throws IllegalArgumentException if {@code nextPageToken} is empty
   */
  public Page {
    items = List.copyOf(items);
    if (nextPageToken != null && nextPageToken.isEmpty()) {
      throw new IllegalArgumentException("nextPageToken must be null or non-empty");
    }
  }

  /**
   * Returns the token of the next page, if there is one.
   *
   * @return the token, or empty on the last page
   */
  public Optional<String> next() {
    return Optional.ofNullable(nextPageToken);
  }

  /**
   * Tells whether another page follows.
   *
   * @return {@code true} unless this is the last page
   */
  public boolean hasNext() {
    return nextPageToken != null;
  }

  /**
   * Returns an empty last page.
   *
   * @param <T> the type of the items
   * @return a page without items or next token
   */
  public static <T> Page<T> empty() {
    return new Page<>(List.of(), null);
  }
}
