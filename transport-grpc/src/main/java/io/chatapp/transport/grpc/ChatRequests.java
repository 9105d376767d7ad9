package io.chatapp.transport.grpc;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.transport.grpc.proto.CreateAccountRequest;
import io.chatapp.transport.grpc.proto.DeleteAccountRequest;
import io.chatapp.transport.grpc.proto.DeleteMessagesRequest;
import io.chatapp.transport.grpc.proto.ListAccountsRequest;
import io.chatapp.transport.grpc.proto.LoginRequest;
import io.chatapp.transport.grpc.proto.LogoutOtherSessionsRequest;
import io.chatapp.transport.grpc.proto.SendRequest;
import java.util.Collection;

/**
 * Builds the client's request messages from {@link io.chatapp.api.ChatClient} arguments. A
 * {@code null} argument leaves its optional field unset, which the server hands to the engine as
 * {@code null}, so the engine's own rules and messages apply whatever the transport.
 *
 * <p>Immutable (static functions only); thread-safe.
 */
final class ChatRequests {
  private ChatRequests() {}

  static CreateAccountRequest createAccount(String username, String password) {
    CreateAccountRequest.Builder request = CreateAccountRequest.newBuilder();
    if (username != null) {
      request.setUsername(username);
    }
    if (password != null) {
      request.setPassword(password);
    }
    return request.build();
  }

  static LoginRequest login(String username, String password) {
    LoginRequest.Builder request = LoginRequest.newBuilder();
    if (username != null) {
      request.setUsername(username);
    }
    if (password != null) {
      request.setPassword(password);
    }
    return request.build();
  }

  static LogoutOtherSessionsRequest logoutOtherSessions(String username, String password) {
    LogoutOtherSessionsRequest.Builder request = LogoutOtherSessionsRequest.newBuilder();
    if (username != null) {
      request.setUsername(username);
    }
    if (password != null) {
      request.setPassword(password);
    }
    return request.build();
  }

  static ListAccountsRequest listAccounts(String pattern, String pageToken, int limit) {
    ListAccountsRequest.Builder request = ListAccountsRequest.newBuilder().setLimit(limit);
    if (pattern != null) {
      request.setPattern(pattern);
    }
    if (pageToken != null) {
      request.setPageToken(pageToken);
    }
    return request.build();
  }

  static SendRequest send(String recipient, String text, String clientMessageId) {
    SendRequest.Builder request = SendRequest.newBuilder();
    if (recipient != null) {
      request.setRecipient(recipient);
    }
    if (text != null) {
      request.setText(text);
    }
    if (clientMessageId != null) {
      request.setClientMessageId(clientMessageId);
    }
    return request.build();
  }

  /**
   * Builds a delete request. The wire cannot tell a {@code null} list from an empty one, so the
   * engine's rule that the list is required, and holds no {@code null}, is checked here.
   *
   * @throws ChatException {@link ErrorCode#INVALID_ARGUMENT} for a {@code null} list or id
   */
  static DeleteMessagesRequest deleteMessages(Collection<Long> messageIds) {
    if (messageIds == null) {
      throw new ChatException(ErrorCode.INVALID_ARGUMENT, "messageIds is required");
    }
    DeleteMessagesRequest.Builder request = DeleteMessagesRequest.newBuilder();
    for (Long id : messageIds) {
      if (id == null) {
        throw new ChatException(ErrorCode.INVALID_ARGUMENT, "messageIds must not contain null");
      }
      request.addMessageIds(id);
    }
    return request.build();
  }

  static DeleteAccountRequest deleteAccount(String password) {
    DeleteAccountRequest.Builder request = DeleteAccountRequest.newBuilder();
    if (password != null) {
      request.setPassword(password);
    }
    return request.build();
  }
}
