package io.chatapp.transport.socket.client;

import io.chatapp.api.ChatException;
import io.chatapp.api.ErrorCode;
import io.chatapp.client.spi.Request;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FramesV3;
import io.chatapp.transport.socket.codec.FramesV2;

/**
 * Maps the client core's requests to request frames, and answer frames back to the core's answer
 * types. The one place the client side knows the protocol's request and answer pairs.
 *
 * <p>Stateless.
 */
final class SocketRequests {
  private SocketRequests() {}

  /** The request frame of {@code r} with id {@code id}; Subscribe and Unsubscribe included. */
  static Frame frame(Request<?> r, int id) {
    if (r instanceof Request.Send s) {
      return new Frame.Send(id, s.recipient(), s.text(), s.clientMessageId());
    } else if (r instanceof Request.Fetch f) {
      return new Frame.Fetch(id, f.afterSeq(), f.limit());
    } else if (r instanceof Request.Ack a) {
      return new Frame.Ack(id, a.uptoSeq());
    } else if (r instanceof Request.Login l) {
      return new Frame.Login(id, l.username(), l.password());
    } else if (r instanceof Request.Resume res) {
      return new Frame.Resume(id, res.token());
    } else if (r instanceof Request.CreateAccount c) {
      return new Frame.CreateAccount(id, c.username(), c.password());
    } else if (r instanceof Request.Logout) {
      return new Frame.Logout(id);
    } else if (r instanceof Request.ListAccounts l) {
      return new Frame.ListAccounts(id, l.pattern(), l.pageToken(), l.limit());
    } else if (r instanceof Request.Subscribe s) {
      return new Frame.Subscribe(id, s.afterSeq());
    } else if (r instanceof Request.Unsubscribe) {
      return new Frame.Unsubscribe(id);
    } else if (r instanceof Request.DeleteMessages d) {
      return new Frame.DeleteMessages(id, d.messageIds());
    } else if (r instanceof Request.DeleteAccount d) {
      return new Frame.DeleteAccount(id, d.password());
    } else if (r instanceof Request.LogoutOthers l) {
      return new Frame.LogoutOthers(id, l.username(), l.password());
    } else if (r instanceof Request.ListConversations l) {
      return new FramesV2.ListConversations(id, l.pageToken(), l.limit());
    } else if (r instanceof Request.History h) {
      return new FramesV2.History(id, h.peer(), h.beforeId(), h.limit());
    } else if (r instanceof Request.Typing t) {
      return new FramesV2.TypingRequest(id, t.peer());
    } else if (r instanceof Request.GetSettings) {
      return new FramesV2.GetSettings(id);
    } else if (r instanceof Request.UpdateSettings u) {
      return new FramesV2.UpdateSettings(id, u.settings());
    }
    throw new IllegalArgumentException("no frame for request " + r.name());
  }

  /**
   * Reads the answer to {@code r}.
   *
   * @throws ChatException the server's error, or {@link ErrorCode#INTERNAL} for an answer of the
   *     wrong kind
   */
  @SuppressWarnings("unchecked")
  static <T> T answer(Request<T> r, Frame f) {
    if (f instanceof Frame.ErrorFrame error) {
      throw error.toException();
    }
    try {
      return (T) read(r, f);
    } catch (ClassCastException e) {
      throw new ChatException(ErrorCode.INTERNAL, "server answered " + r.name() + " with "
          + f.opcode().describe(), e);
    }
  }

  private static Object read(Request<?> r, Frame f) {
    if (r instanceof Request.Send send) {
      // Version 3 answers without the text, which is what was sent.
      return f instanceof FramesV3.Sent sent ? sent.withText(send.text()) : ((Frame.MessageResult) f).message();
    } else if (r instanceof Request.Fetch) {
      return ((Frame.MessagesResult) f).messages();
    } else if (r instanceof Request.Ack) {
      return ((Frame.CountResult) f).count();
    } else if (r instanceof Request.Login || r instanceof Request.Resume) {
      return ((Frame.SessionResult) f).session();
    } else if (r instanceof Request.ListAccounts) {
      return ((Frame.AccountsResult) f).page();
    } else if (r instanceof Request.DeleteMessages) {
      return (int) ((Frame.CountResult) f).count();
    } else if (r instanceof Request.LogoutOthers) {
      return ((Frame.SessionsEnded) f).count();
    } else if (r instanceof Request.ListConversations) {
      return ((FramesV2.ConversationsResult) f).page();
    } else if (r instanceof Request.History) {
      return ((FramesV2.HistoryResult) f).entries();
    } else if (r instanceof Request.GetSettings || r instanceof Request.UpdateSettings) {
      return ((FramesV2.SettingsResult) f).settings();
    }
    Frame.Ok.class.cast(f); // the rest answer OK
    return null;
  }
}
