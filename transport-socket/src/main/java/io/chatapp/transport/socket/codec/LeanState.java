package io.chatapp.transport.socket.codec;

import io.chatapp.api.ChatEngine;

/**
 * What one direction of a connection of protocol version 3 remembers between frames, so that
 * frames need not repeat it: the time epoch timestamps count from, the account names already
 * told (the name table) and the client message id prefix.
 *
 * <p>The name table has {@value #NAME_SLOTS} slots; account {@code id} goes in slot {@code id mod
 * 256}, replacing what was there. The writer of an {@code account} value writes the name only when
 * the slot does not hold that account already, and the reader keeps every name it reads: both
 * follow the frames in wire order, so they always agree, and neither holds more than 256 names.
 * An account's id never changes its name, so a name once told stays true. The table is allocated
 * on first use: a connection that never sees a lean frame pays nothing.
 *
 * <p>The writer keeps a journal of the slots the frame being written changed, so that a frame
 * taken back (one that did not fit in a budget) takes its names back too: see
 * {@link #beginFrame()} and {@link #rollBack()}.
 *
 * <p>Not thread-safe; it belongs to one {@link WireWriter} pair or one {@link FrameDecoder}, whose
 * owner serialises access (the outbound queue's lock, the loop or reader thread).
 */
public final class LeanState {
  /** Slots of the name table. */
  public static final int NAME_SLOTS = 256;
  /**
   * Longest client message id prefix, in characters: with the longest counter (20 digits) the id
   * stays within {@link ChatEngine#MAX_CLIENT_MESSAGE_ID_LENGTH}.
   */
  public static final int MAX_ID_PREFIX_LENGTH = ChatEngine.MAX_CLIENT_MESSAGE_ID_LENGTH - 20;

  private final long epochMicros;
  private long[] ids; // null until first used
  private String[] names;
  private String idPrefix;
  // The writer's journal: the slots the current frame replaced, with what they held.
  private final int[] journalSlots = new int[4];
  private final long[] journalIds = new long[4];
  private final String[] journalNames = new String[4];
  private int journalSize;

  /**
   * Creates the state of a new connection.
   *
   * @param epochMicros the connection's time epoch, from HELLO_OK, in microseconds since 1970
   */
  public LeanState(long epochMicros) {
    this.epochMicros = epochMicros;
  }

  /**
   * Returns the connection's time epoch.
   *
   * @return microseconds since 1970
   */
  public long epochMicros() {
    return epochMicros;
  }

  /**
   * Returns the client message id prefix set on the connection by ID_PREFIX.
   *
   * @return the prefix, or {@code null} if none was set
   */
  public String idPrefix() {
    return idPrefix;
  }

  /**
   * Sets the client message id prefix. It is set once per connection: a client whose ids have
   * another prefix sends them whole.
   *
   * @param prefix 1 to {@value #MAX_ID_PREFIX_LENGTH} characters
   * @throws IllegalArgumentException if it is out of range
   */
  void idPrefix(String prefix) {
    if (prefix.isEmpty() || prefix.length() > MAX_ID_PREFIX_LENGTH) {
      throw new IllegalArgumentException("a client message id prefix has 1 to " + MAX_ID_PREFIX_LENGTH
          + " characters, had " + prefix.length());
    }
    this.idPrefix = prefix;
  }

  /**
   * Splits a client message id into the prefix an ID_PREFIX would set and a counter: the id is
   * the prefix followed by the counter in decimal, without leading zeros, up to 18 digits.
   *
   * @param clientMessageId the id, or {@code null}
   * @return the prefix, or {@code null} if the id has no such form
   */
  public static String prefixOf(String clientMessageId) {
    if (clientMessageId == null) {
      return null;
    }
    int digits = counterDigits(clientMessageId);
    int prefixLength = clientMessageId.length() - digits;
    return digits > 0 && prefixLength > 0 && prefixLength <= MAX_ID_PREFIX_LENGTH
        ? clientMessageId.substring(0, prefixLength) : null;
  }

  /**
   * Returns the counter of a client message id made of this state's prefix and a counter.
   *
   * @param clientMessageId the id
   * @return 0 or more, or -1 if the id is not the prefix and a counter
   */
  long counterOf(String clientMessageId) {
    String prefix = idPrefix;
    if (prefix == null || clientMessageId.length() <= prefix.length() || !clientMessageId.startsWith(prefix)) {
      return -1;
    }
    int digits = counterDigits(clientMessageId);
    if (digits != clientMessageId.length() - prefix.length()) {
      return -1;
    }
    return Long.parseLong(clientMessageId, prefix.length(), clientMessageId.length(), 10);
  }

  /** Counts the decimal digits that end the id, if they form a counter without leading zeros. */
  private static int counterDigits(String id) {
    int end = id.length();
    int start = end;
    while (start > 0 && end - start < 18 && isDigit(id.charAt(start - 1))) {
      start--;
    }
    if (start == end || (end - start > 1 && id.charAt(start) == '0')) {
      return 0;
    }
    // More digits before the 18 taken would make the counter ambiguous.
    return start > 0 && isDigit(id.charAt(start - 1)) ? 0 : end - start;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /**
   * Rebuilds a client message id from the counter a SEND carried.
   *
   * @param counter the counter, unsigned
   * @return the prefix followed by the counter in decimal, or {@code null} if no prefix was set
   */
  String idOf(long counter) {
    return idPrefix == null ? null : idPrefix + Long.toUnsignedString(counter);
  }

  /** Starts the journal of a frame being written. */
  void beginFrame() {
    journalSize = 0;
  }

  /** Takes back the names the frame being written (or last written) put in the table. */
  void rollBack() {
    for (int i = journalSize - 1; i >= 0; i--) {
      ids[journalSlots[i]] = journalIds[i];
      names[journalSlots[i]] = journalNames[i];
    }
    journalSize = 0;
  }

  /**
   * Tells whether the table holds {@code name} for account {@code id}; if not, puts it there, as a
   * writer does that then writes the name.
   *
   * @param id the account's id
   * @param name its name
   * @return {@code true} if the name may be left out
   */
  boolean knownOrTell(long id, String name) {
    ensureTable();
    int slot = slot(id);
    if (names[slot] != null && ids[slot] == id && names[slot].equals(name)) {
      return true;
    }
    if (journalSize < journalSlots.length) {
      journalSlots[journalSize] = slot;
      journalIds[journalSize] = ids[slot];
      journalNames[journalSize] = names[slot];
      journalSize++;
    }
    ids[slot] = id;
    names[slot] = name;
    return false;
  }

  /**
   * Keeps a name read from the wire.
   *
   * @param id the account's id
   * @param name its name
   */
  void learn(long id, String name) {
    ensureTable();
    int slot = slot(id);
    ids[slot] = id;
    names[slot] = name;
  }

  /**
   * Returns the name the table holds for an account.
   *
   * @param id the account's id
   * @return the name, or {@code null} if the table does not hold it
   */
  String nameOf(long id) {
    if (names == null) {
      return null;
    }
    int slot = slot(id);
    return ids[slot] == id ? names[slot] : null;
  }

  private static int slot(long id) {
    return (int) (id & (NAME_SLOTS - 1));
  }

  private void ensureTable() {
    if (names == null) {
      ids = new long[NAME_SLOTS];
      names = new String[NAME_SLOTS];
    }
  }
}
