package io.chatapp.transport.socket.codec;

import io.chatapp.api.AccountSettings;
import io.chatapp.api.Carbon;
import io.chatapp.api.Conversation;
import io.chatapp.api.HistoryEntry;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Page;
import io.chatapp.api.Presence;
import io.chatapp.api.Receipt;
import io.chatapp.api.Typing;
import io.chatapp.api.Withdrawal;
import java.util.List;
import java.util.Objects;

/**
 * The frames that protocol version 2 adds: conversations and history, typing, account settings,
 * and the pushes of receipts, presence, typing, carbons and withdrawals. A connection of version
 * 1 never carries them: {@link FrameDecoder} refuses their opcodes there, and the server sends
 * none. Composite values are those of {@link WireValues}. All records are immutable.
 */
public final class FramesV2 {
  private FramesV2() {}

  /**
   * LIST_CONVERSATIONS: {@code pageToken:opt | limit:i32}.
   *
   * @param requestId the id
   * @param pageToken the page token, or {@code null} for the first page
   * @param limit the page size, 0 for the default
   */
  public record ListConversations(int requestId, String pageToken, int limit) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.LIST_CONVERSATIONS;
    }

    @Override public void writeFields(WireWriter w) {
      w.putOptString(pageToken);
      w.putI32(limit);
    }
  }

  /**
   * HISTORY: {@code peer:string | beforeId:i64 | limit:i32}.
   *
   * @param requestId the id
   * @param peer the other user
   * @param beforeId messages with an id below this, 0 for the newest
   * @param limit most messages, 0 for the default
   */
  public record History(int requestId, String peer, long beforeId, int limit) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.HISTORY;
    }

    @Override public void writeFields(WireWriter w) {
      w.putString(peer);
      w.putI64(beforeId);
      w.putI32(limit);
    }
  }

  /**
   * TYPING: {@code peer:string}.
   *
   * @param requestId the id
   * @param peer the user being written to
   */
  public record TypingRequest(int requestId, String peer) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.TYPING;
    }

    @Override public void writeFields(WireWriter w) {
      w.putString(peer);
    }
  }

  /**
   * GET_SETTINGS: no fields.
   *
   * @param requestId the id
   */
  public record GetSettings(int requestId) implements Frame {
    @Override public Opcode opcode() {
      return Opcode.GET_SETTINGS;
    }

    @Override public void writeFields(WireWriter w) {}
  }

  /**
   * UPDATE_SETTINGS: {@code readReceipts:bool | showPresence:bool}.
   *
   * @param requestId the id
   * @param settings the new settings
   */
  public record UpdateSettings(int requestId, AccountSettings settings) implements Frame {
    /** Checks the settings. */
    public UpdateSettings {
      Objects.requireNonNull(settings, "settings");
    }

    @Override public Opcode opcode() {
      return Opcode.UPDATE_SETTINGS;
    }

    @Override public void writeFields(WireWriter w) {
      putSettings(w, settings);
    }
  }

  /**
   * CONVERSATIONS: {@code count:u32 | count x conversation | nextPageToken:opt}.
   *
   * @param requestId the request's id
   * @param page the page
   */
  public record ConversationsResult(int requestId, Page<Conversation> page) implements Frame {
    /** Checks the page. */
    public ConversationsResult {
      Objects.requireNonNull(page, "page");
    }

    @Override public Opcode opcode() {
      return Opcode.CONVERSATIONS;
    }

    @Override public void writeFields(WireWriter w) {
      w.putI32(page.items().size());
      for (Conversation c : page.items()) {
        WireValues.putConversation(w, c);
      }
      w.putOptString(page.nextPageToken());
    }
  }

  /**
   * HISTORY_ENTRIES: {@code count:u32 | count x historyEntry}, newest first.
   *
   * @param requestId the request's id
   * @param entries the entries
   */
  public record HistoryResult(int requestId, List<HistoryEntry> entries) implements Frame {
    /** Copies the list. */
    public HistoryResult {
      entries = List.copyOf(entries);
    }

    @Override public Opcode opcode() {
      return Opcode.HISTORY_ENTRIES;
    }

    @Override public void writeFields(WireWriter w) {
      w.putI32(entries.size());
      for (HistoryEntry e : entries) {
        WireValues.putHistoryEntry(w, e);
      }
    }
  }

  /**
   * SETTINGS: {@code readReceipts:bool | showPresence:bool}.
   *
   * @param requestId the request's id
   * @param settings the settings as stored
   */
  public record SettingsResult(int requestId, AccountSettings settings) implements Frame {
    /** Checks the settings. */
    public SettingsResult {
      Objects.requireNonNull(settings, "settings");
    }

    @Override public Opcode opcode() {
      return Opcode.SETTINGS;
    }

    @Override public void writeFields(WireWriter w) {
      putSettings(w, settings);
    }
  }

  /**
   * PUSH_RECEIPT: {@code peer:string | peerId:i64 | status | uptoMessageId:i64}.
   *
   * @param requestId the subscription's SUBSCRIBE id
   * @param receipt the receipt
   */
  public record ReceiptPush(int requestId, Receipt receipt) implements Frame {
    /** Checks the receipt. */
    public ReceiptPush {
      Objects.requireNonNull(receipt, "receipt");
    }

    @Override public Opcode opcode() {
      return Opcode.PUSH_RECEIPT;
    }

    @Override public void writeFields(WireWriter w) {
      if (w.version() >= FramesV3.VERSION) {
        FramesV3.putReceipt(w, receipt);
        return;
      }
      w.putString(receipt.peer());
      w.putI64(receipt.peerId());
      WireValues.putStatus(w, receipt.status());
      w.putI64(receipt.uptoMessageId());
    }
  }

  /**
   * PUSH_PRESENCE: {@code presence}.
   *
   * @param requestId the subscription's SUBSCRIBE id
   * @param presence the peer's presence
   */
  public record PresencePush(int requestId, Presence presence) implements Frame {
    /** Checks the presence. */
    public PresencePush {
      Objects.requireNonNull(presence, "presence");
    }

    @Override public Opcode opcode() {
      return Opcode.PUSH_PRESENCE;
    }

    @Override public void writeFields(WireWriter w) {
      WireValues.putPresence(w, presence);
    }
  }

  /**
   * PUSH_TYPING: {@code username:string | userId:i64}.
   *
   * @param requestId the subscription's SUBSCRIBE id
   * @param typing who is typing
   */
  public record TypingPush(int requestId, Typing typing) implements Frame {
    /** Checks the notice. */
    public TypingPush {
      Objects.requireNonNull(typing, "typing");
    }

    @Override public Opcode opcode() {
      return Opcode.PUSH_TYPING;
    }

    @Override public void writeFields(WireWriter w) {
      w.putString(typing.username());
      w.putI64(typing.userId());
    }
  }

  /**
   * PUSH_CARBON: {@code message}, as stored in its recipient's mailbox.
   *
   * @param requestId the subscription's SUBSCRIBE id
   * @param carbon the carbon
   */
  public record CarbonPush(int requestId, Carbon carbon) implements Frame {
    /** Checks the carbon. */
    public CarbonPush {
      Objects.requireNonNull(carbon, "carbon");
    }

    @Override public Opcode opcode() {
      return Opcode.PUSH_CARBON;
    }

    @Override public void writeFields(WireWriter w) {
      WireValues.putMessage(w, carbon.message());
    }
  }

  /**
   * PUSH_WITHDRAWAL: {@code sender:string | senderId:i64 | afterSeq:i64}.
   *
   * @param requestId the subscription's SUBSCRIBE id
   * @param withdrawal the withdrawal
   */
  public record WithdrawalPush(int requestId, Withdrawal withdrawal) implements Frame {
    /** Checks the withdrawal. */
    public WithdrawalPush {
      Objects.requireNonNull(withdrawal, "withdrawal");
    }

    @Override public Opcode opcode() {
      return Opcode.PUSH_WITHDRAWAL;
    }

    @Override public void writeFields(WireWriter w) {
      w.putString(withdrawal.sender());
      w.putI64(withdrawal.senderId());
      w.putI64(withdrawal.afterSeq());
    }
  }

  private static void putSettings(WireWriter w, AccountSettings s) {
    w.putBool(s.readReceipts());
    w.putBool(s.showPresence());
  }

  /**
   * Decodes the fields of a frame of version 2.
   *
   * @param op an opcode of version 2
   * @param id the request id
   * @param r the reader, at the fields
   * @return the frame
   * @throws ProtocolException if a field is malformed
   */
  static Frame decode(Opcode op, int id, WireReader r) throws ProtocolException {
    return switch (op) {
      case LIST_CONVERSATIONS -> new ListConversations(id, r.optString("pageToken"), r.i32("limit"));
      case HISTORY -> new History(id, r.string("peer"), r.i64("beforeId"), r.i32("limit"));
      case TYPING -> new TypingRequest(id, r.string("peer"));
      case GET_SETTINGS -> new GetSettings(id);
      case UPDATE_SETTINGS -> new UpdateSettings(id, settings(r));
      case CONVERSATIONS -> {
        int n = r.count("conversations", WireValues.MIN_CONVERSATION_BYTES);
        Conversation[] items = new Conversation[n];
        for (int i = 0; i < n; i++) {
          items[i] = WireValues.conversation(r);
        }
        String next = r.optString("nextPageToken");
        if (next != null && next.isEmpty()) {
          throw r.malformed("nextPageToken must not be empty when present");
        }
        yield new ConversationsResult(id, new Page<>(List.of(items), next));
      }
      case HISTORY_ENTRIES -> {
        int n = r.count("entries", WireValues.MIN_HISTORY_ENTRY_BYTES);
        HistoryEntry[] entries = new HistoryEntry[n];
        for (int i = 0; i < n; i++) {
          entries[i] = WireValues.historyEntry(r);
        }
        yield new HistoryResult(id, List.of(entries));
      }
      case SETTINGS -> new SettingsResult(id, settings(r));
      case PUSH_RECEIPT -> {
        String peer = r.string("peer");
        long peerId = r.i64("peerId");
        MessageStatus status = WireValues.status(r);
        if (status == MessageStatus.SENT) {
          throw r.malformed("a receipt's status must be 2 (DELIVERED) or 3 (READ), was 1");
        }
        yield new ReceiptPush(id, new Receipt(peer, peerId, status, r.i64("uptoMessageId")));
      }
      case PUSH_PRESENCE -> new PresencePush(id, WireValues.presence(r));
      case PUSH_TYPING -> new TypingPush(id, new Typing(r.string("username"), r.i64("userId")));
      case PUSH_CARBON -> new CarbonPush(id, new Carbon(WireValues.message(r)));
      case PUSH_WITHDRAWAL -> new WithdrawalPush(id,
          new Withdrawal(r.string("sender"), r.i64("senderId"), r.i64("afterSeq")));
      default -> throw new AssertionError("not a frame of version 2: " + op);
    };
  }

  private static AccountSettings settings(WireReader r) throws ProtocolException {
    return new AccountSettings(r.bool("readReceipts"), r.bool("showPresence"));
  }
}
