package io.chatapp.transport.grpc;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.HistoryEntry;
import java.util.List;

/**
 * The {@code page_token} of {@code GetHistory}: where the next, older page starts. To clients it
 * is opaque (they pass back the {@code next_page_token} they were given); inside it is the id of
 * the oldest message of the previous page in decimal, so that {@link GrpcChatClient}, which
 * pages by message id ({@code history(peer, beforeId, limit)}), can make one. The empty token is
 * the newest page. A forged token reveals nothing: it only moves where the caller's own history
 * is read from.
 *
 * <p>Immutable (static functions only); thread-safe.
 */
final class HistoryPageToken {
  /** Most characters of a token: a positive long has at most 19 digits. */
  private static final int MAX_CHARS = 19;

  private HistoryPageToken() {}

  /**
   * Returns the token of the page below a message id.
   *
   * @param beforeId 0 for the newest page, else a message id
   * @return the token, empty for the newest page
   */
  static String of(long beforeId) {
    return beforeId == 0 ? "" : Long.toString(beforeId);
  }

  /**
   * Returns the token of the page after {@code page}: below its oldest entry.
   *
   * @param page a page, newest first
   * @return the token, empty if the page is empty (nothing is older)
   */
  static String next(List<HistoryEntry> page) {
    return page.isEmpty() ? "" : of(page.get(page.size() - 1).message().id());
  }

  /**
   * Reads a token.
   *
   * @param token the token from the request
   * @return the message id the page starts below, 0 for the newest page
   * @throws ChatException {@link ErrorCode#INVALID_ARGUMENT} if this server never makes such a token
   */
  static long beforeId(String token) {
    if (token.isEmpty()) {
      return 0;
    }
    if (token.length() <= MAX_CHARS && token.chars().allMatch(c -> c >= '0' && c <= '9')) {
      long id = Long.parseLong(token);
      if (id > 0) {
        return id;
      }
    }
    throw new ChatException(ErrorCode.INVALID_ARGUMENT, "page_token is not one this server returned: pass the "
        + "next_page_token of the previous page, or leave it empty for the newest messages");
  }
}
