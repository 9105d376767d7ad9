package io.chatapp.transport.socket.codec;

/**
 * The one-byte operation code that follows the length prefix of every frame.
 *
 * <p>Codes {@code 0x01-0x7F} go from client to server, {@code 0x80-0xFF} from server to client.
 * See docs/PROTOCOL.md for the fields of each. Immutable.
 */
public enum Opcode {
  /** Client: opens the connection with magic bytes and protocol version. */
  HELLO(0x01),
  /** Client: keep-alive; answered with {@link #PONG}. */
  PING(0x02),
  /** Client: {@code ChatEngine.createAccount}. */
  CREATE_ACCOUNT(0x10),
  /** Client: {@code ChatEngine.login}. */
  LOGIN(0x11),
  /** Client: {@code ChatEngine.resume}. */
  RESUME(0x12),
  /** Client: {@code ChatEngine.logout}. */
  LOGOUT(0x13),
  /** Client: {@code ChatEngine.listAccounts}. */
  LIST_ACCOUNTS(0x14),
  /** Client: {@code ChatEngine.send}. */
  SEND(0x15),
  /** Client: {@code ChatEngine.subscribe}. */
  SUBSCRIBE(0x16),
  /** Client: closes the connection's subscription. */
  UNSUBSCRIBE(0x17),
  /** Client: {@code ChatEngine.fetch}. */
  FETCH(0x18),
  /** Client: {@code ChatEngine.ack}. */
  ACK(0x19),
  /** Client: {@code ChatEngine.deleteMessages}. */
  DELETE_MESSAGES(0x1A),
  /** Client: {@code ChatEngine.deleteAccount}. */
  DELETE_ACCOUNT(0x1B),
  /** Client: {@code ChatEngine.logoutOtherSessionsAsync}. */
  LOGOUT_OTHERS(0x1C),
  /** Client, from version 2: {@code ChatEngine.listConversations}. */
  LIST_CONVERSATIONS(0x20, 2),
  /** Client, from version 2: {@code ChatEngine.history}. */
  HISTORY(0x21, 2),
  /** Client, from version 2: {@code ChatEngine.typing}. */
  TYPING(0x22, 2),
  /** Client, from version 2: {@code ChatEngine.settings}. */
  GET_SETTINGS(0x23, 2),
  /** Client, from version 2: {@code ChatEngine.updateSettings}. */
  UPDATE_SETTINGS(0x24, 2),
  /** Client, from version 3: sets the prefix of the client message ids later SENDs count after. */
  ID_PREFIX(0x25, 3),

  /** Server: the handshake succeeded. */
  HELLO_OK(0x81),
  /** Server: answers {@link #PING}. */
  PONG(0x82),
  /** Server: a request without a result succeeded. */
  OK(0x90),
  /** Server: a session (answers {@link #LOGIN} and {@link #RESUME}). */
  SESSION(0x91),
  /** Server: a page of accounts (answers {@link #LIST_ACCOUNTS}). */
  ACCOUNTS(0x92),
  /** Server: one stored message (answers {@link #SEND}). */
  MESSAGE(0x93),
  /** Server: a list of messages (answers {@link #FETCH}). */
  MESSAGES(0x94),
  /** Server: a count (answers {@link #ACK} and {@link #DELETE_MESSAGES}). */
  COUNT(0x95),
  /** Server: how many sessions ended (answers {@link #LOGOUT_OTHERS}). */
  SESSIONS_ENDED(0x96),
  /** Server, from version 2: a page of conversations (answers {@link #LIST_CONVERSATIONS}). */
  CONVERSATIONS(0x97, 2),
  /** Server, from version 2: history entries (answers {@link #HISTORY}). */
  HISTORY_ENTRIES(0x98, 2),
  /** Server, from version 2: account settings (answers {@link #GET_SETTINGS} and {@link #UPDATE_SETTINGS}). */
  SETTINGS(0x99, 2),
  /** Server, from version 3: a stored message without its text (answers {@link #SEND}). */
  SENT(0x9A, 3),
  /** Server: a message pushed on the connection's subscription. */
  PUSH_MESSAGE(0xA0),
  /** Server: the engine ended the connection's subscription. */
  SUBSCRIPTION_ENDED(0xA1),
  /** Server, from version 2: a delivered or read receipt pushed on the subscription. */
  PUSH_RECEIPT(0xA2, 2),
  /** Server, from version 2: a peer's presence pushed on the subscription. */
  PUSH_PRESENCE(0xA3, 2),
  /** Server, from version 2: a peer is typing. */
  PUSH_TYPING(0xA4, 2),
  /** Server, from version 2: a message the user sent from another session (a carbon). */
  PUSH_CARBON(0xA5, 2),
  /** Server, from version 2: a deleted peer's unread messages were withdrawn. */
  PUSH_WITHDRAWAL(0xA6, 2),
  /** Server: a request or the connection failed. */
  ERROR(0xFF);

  private static final Opcode[] BY_CODE = new Opcode[256];

  static {
    for (Opcode op : values()) {
      BY_CODE[op.code] = op;
    }
  }

  private final int code;
  private final int sinceVersion;

  Opcode(int code) {
    this(code, 1);
  }

  Opcode(int code, int sinceVersion) {
    this.code = code;
    this.sinceVersion = sinceVersion;
  }

  /**
   * Returns the protocol version that added this opcode: a connection of an earlier version
   * refuses it.
   *
   * @return 1 or more
   */
  public int sinceVersion() {
    return sinceVersion;
  }

  /**
   * Returns the byte that stands for this opcode on the wire.
   *
   * @return 1 to 255
   */
  public int code() {
    return code;
  }

  /**
   * Returns the opcode of a byte read from the wire.
   *
   * @param code the byte, 0 to 255
   * @return the opcode, or {@code null} if this version does not know it
   */
  public static Opcode of(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }

  /**
   * Describes the opcode for messages, e.g. {@code "SEND (0x15)"}.
   *
   * @return name and hex code
   */
  public String describe() {
    return name() + " (0x" + String.format("%02X", code) + ")";
  }
}
