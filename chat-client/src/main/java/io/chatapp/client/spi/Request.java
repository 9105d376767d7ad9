package io.chatapp.client.spi;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.AccountSettings;
import io.chatapp.api.Conversation;
import io.chatapp.api.HistoryEntry;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import java.util.List;

/**
 * One operation a client asks of its server: the closed set a transport must carry, one record
 * per {@link io.chatapp.api.ChatClient} operation. The core has checked the arguments for
 * {@code null} before a transport sees them. Records that hold a password or token keep it out of
 * {@code toString()}.
 *
 * <p>Immutable.
 *
 * @param <T> the type of the answer
 */
public sealed interface Request<T> {
  /**
   * Names the operation, for messages: {@code SEND}, {@code LOGIN}, …
   *
   * @return the name
   */
  String name();

  /** Creates an account; answers when it exists. */
  record CreateAccount(String username, String password) implements Request<Void> {
    @Override
    public String name() {
      return "CREATE_ACCOUNT";
    }

    @Override
    public String toString() {
      return "CreateAccount[username=" + username + "]";
    }
  }

  /** Logs in; the answer's token is the client's session from then on. */
  record Login(String username, String password) implements Request<Session> {
    @Override
    public String name() {
      return "LOGIN";
    }

    @Override
    public String toString() {
      return "Login[username=" + username + "]";
    }
  }

  /** Takes up a session by its token. */
  record Resume(String token) implements Request<Session> {
    @Override
    public String name() {
      return "RESUME";
    }

    @Override
    public String toString() {
      return "Resume[<redacted>]";
    }
  }

  /** Ends the client's session. */
  record Logout() implements Request<Void> {
    @Override
    public String name() {
      return "LOGOUT";
    }
  }

  /** Lists accounts. */
  record ListAccounts(String pattern, String pageToken, int limit) implements Request<Page<AccountInfo>> {
    @Override
    public String name() {
      return "LIST_ACCOUNTS";
    }
  }

  /** Sends a message; the core always sets the client message id, which makes a retry safe. */
  record Send(String recipient, String text, String clientMessageId) implements Request<Message> {
    @Override
    public String name() {
      return "SEND";
    }
  }

  /**
   * Subscribes: pushes above {@code afterSeq} go to {@code sink} until the subscription ends or
   * another replaces it.
   */
  record Subscribe(long afterSeq, PushSink sink) implements Request<Void> {
    @Override
    public String name() {
      return "SUBSCRIBE";
    }
  }

  /** Ends the connection's subscription; its sink hears nothing more. */
  record Unsubscribe() implements Request<Void> {
    @Override
    public String name() {
      return "UNSUBSCRIBE";
    }
  }

  /** Fetches stored messages. */
  record Fetch(long afterSeq, int limit) implements Request<List<Message>> {
    @Override
    public String name() {
      return "FETCH";
    }
  }

  /** Moves the read mark; answers with the unread count left. */
  record Ack(long uptoSeq) implements Request<Long> {
    @Override
    public String name() {
      return "ACK";
    }
  }

  /** Deletes messages of the caller's mailbox; answers with how many went. */
  record DeleteMessages(List<Long> messageIds) implements Request<Integer> {
    /** Copies the ids. */
    public DeleteMessages {
      messageIds = List.copyOf(messageIds);
    }

    @Override
    public String name() {
      return "DELETE_MESSAGES";
    }
  }

  /** Deletes the session's account. */
  record DeleteAccount(String password) implements Request<Void> {
    @Override
    public String name() {
      return "DELETE_ACCOUNT";
    }

    @Override
    public String toString() {
      return "DeleteAccount[]";
    }
  }

  /** Ends the user's other sessions (all, without a session of the caller's); answers how many. */
  record LogoutOthers(String username, String password) implements Request<Integer> {
    @Override
    public String name() {
      return "LOGOUT_OTHERS";
    }

    @Override
    public String toString() {
      return "LogoutOthers[username=" + username + "]";
    }
  }

  /** Lists the session's conversations, one page. */
  record ListConversations(String pageToken, int limit) implements Request<Page<Conversation>> {
    @Override
    public String name() {
      return "LIST_CONVERSATIONS";
    }
  }

  /** Reads the history with one peer backwards from a message id (0 for the newest). */
  record History(String peer, long beforeId, int limit) implements Request<List<HistoryEntry>> {
    @Override
    public String name() {
      return "HISTORY";
    }
  }

  /** Tells a peer the user is typing. */
  record Typing(String peer) implements Request<Void> {
    @Override
    public String name() {
      return "TYPING";
    }
  }

  /** Reads the session's account settings. */
  record GetSettings() implements Request<AccountSettings> {
    @Override
    public String name() {
      return "GET_SETTINGS";
    }
  }

  /** Replaces the session's account settings. */
  record UpdateSettings(AccountSettings settings) implements Request<AccountSettings> {
    @Override
    public String name() {
      return "UPDATE_SETTINGS";
    }
  }
}
