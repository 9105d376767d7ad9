package io.chatapp.transport.socket.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.api.AccountInfo;
import io.chatapp.api.AccountSettings;
import io.chatapp.api.Carbon;
import io.chatapp.api.ChatEngine;
import io.chatapp.api.Conversation;
import io.chatapp.api.HistoryEntry;
import io.chatapp.api.MessageStatus;
import io.chatapp.api.Presence;
import io.chatapp.api.Receipt;
import io.chatapp.api.Typing;
import io.chatapp.api.Withdrawal;
import io.chatapp.api.ErrorCode;
import io.chatapp.api.Message;
import io.chatapp.api.Page;
import io.chatapp.api.Session;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Pins the hex examples of docs/PROTOCOL.md: each documented frame decodes to the record below
 * and that record encodes to exactly the documented bytes, so the document cannot drift.
 */
class ProtocolDocumentTest {
  private static final Pattern BLOCK =
      Pattern.compile("<!-- frame: ([a-z0-9-]+)(?: \\(version (\\d+)\\))? -->\\s*```text\\n(.*?)```", Pattern.DOTALL);
  private static final Instant JAN_1 = Instant.parse("2024-01-01T00:00:00Z");
  private static final Message MESSAGE = new Message(42, "alice", "bob", "hi", JAN_1, 3);
  private static final Message MESSAGE_V2 = MESSAGE.withAccountIds(1, 2);
  private static final Session SESSION = new Session("tok123", "alice", 2, 5);
  private static final long JAN_1_MICROS = 1_704_067_200_000_000L;
  private static final Message SENT_V3 =
      new Message(42, "alice", "bob", "", JAN_1.plusMillis(1500), 3, 1, 2);
  private static final Message PUSHED_V3 =
      new Message(43, "bob", "alice", "yo", JAN_1.plusSeconds(2), 4, 2, 1);

  private static final Map<String, Frame> EXPECTED = new LinkedHashMap<>();

  static {
    EXPECTED.put("hello", new Frame.Hello(1, 1));
    EXPECTED.put("hello-ok", new Frame.HelloOk(1, 1, 1048576, 60000));
    EXPECTED.put("bad-version-error", new Frame.ErrorFrame(1, ErrorCode.INVALID_ARGUMENT,
        "protocol version 2 is not supported; this server speaks version 1"));
    EXPECTED.put("hello-v2", new Frame.Hello(1, 1, List.of(2)));
    EXPECTED.put("hello-ok-v2", new Frame.HelloOk(1, 2, 1048576, 60000));
    EXPECTED.put("hello-unsupported", new Frame.Hello(1, 7, List.of(7)));
    EXPECTED.put("no-common-version-error", new Frame.ErrorFrame(1, ErrorCode.INVALID_ARGUMENT,
        "protocol version 7 is not supported; this server speaks versions 1 to 3"));
    EXPECTED.put("send-unknown-error-v2", new Frame.ErrorFrame(15, ErrorCode.NOT_FOUND, "no such user: \"carol\"",
        "NO_SUCH_USER", 0));
    EXPECTED.put("subscription-ended-v2", new Frame.SubscriptionEnded(9, ErrorCode.RESOURCE_EXHAUSTED,
        "subscriber fell behind", "SUBSCRIBER_TOO_SLOW", 0));
    EXPECTED.put("ping", new Frame.Ping(2));
    EXPECTED.put("pong", new Frame.Pong(2));
    EXPECTED.put("create-account", new Frame.CreateAccount(3, "alice", "secret-pw"));
    EXPECTED.put("create-account-ok", new Frame.Ok(3));
    EXPECTED.put("login", new Frame.Login(4, "alice", "secret-pw"));
    EXPECTED.put("login-session", new Frame.SessionResult(4, SESSION));
    EXPECTED.put("resume", new Frame.Resume(5, "tok123"));
    EXPECTED.put("resume-session", new Frame.SessionResult(5, SESSION));
    EXPECTED.put("logout", new Frame.Logout(6));
    EXPECTED.put("logout-ok", new Frame.Ok(6));
    EXPECTED.put("list-accounts", new Frame.ListAccounts(7, "a*", null, 2));
    EXPECTED.put("list-accounts-page", new Frame.AccountsResult(7,
        new Page<>(List.of(new AccountInfo("Alfred", false), new AccountInfo("alice", true)), "n1")));
    EXPECTED.put("send", new Frame.Send(8, "bob", "hi", "c-1"));
    EXPECTED.put("send-message", new Frame.MessageResult(8, MESSAGE));
    EXPECTED.put("send-unknown", new Frame.Send(15, "carol", "yo", null));
    EXPECTED.put("send-unknown-error", new Frame.ErrorFrame(15, ErrorCode.NOT_FOUND, "no such user: \"carol\""));
    EXPECTED.put("subscribe", new Frame.Subscribe(9, -1));
    EXPECTED.put("subscribe-ok", new Frame.Ok(9));
    EXPECTED.put("push-message", new Frame.MessagePush(9, MESSAGE));
    EXPECTED.put("subscription-ended", new Frame.SubscriptionEnded(9, ErrorCode.UNAUTHENTICATED, "session ended"));
    EXPECTED.put("unsubscribe", new Frame.Unsubscribe(10));
    EXPECTED.put("unsubscribe-ok", new Frame.Ok(10));
    EXPECTED.put("fetch", new Frame.Fetch(11, 0, 2));
    EXPECTED.put("fetch-messages", new Frame.MessagesResult(11, List.of(MESSAGE)));
    EXPECTED.put("ack", new Frame.Ack(12, 3));
    EXPECTED.put("ack-count", new Frame.CountResult(12, 0));
    EXPECTED.put("delete-messages", new Frame.DeleteMessages(13, List.of(42L, 43L)));
    EXPECTED.put("delete-messages-count", new Frame.CountResult(13, 1));
    EXPECTED.put("delete-account", new Frame.DeleteAccount(14, "secret-pw"));
    EXPECTED.put("delete-account-ok", new Frame.Ok(14));
    EXPECTED.put("logout-others", new Frame.LogoutOthers(16, "alice", "secret-pw"));
    EXPECTED.put("sessions-ended", new Frame.SessionsEnded(16, 2));
    EXPECTED.put("send-message-v2", new Frame.MessageResult(8, MESSAGE_V2));
    EXPECTED.put("list-conversations", new FramesV2.ListConversations(20, null, 10));
    EXPECTED.put("conversations", new FramesV2.ConversationsResult(20, new Page<>(List.of(new Conversation("bob", 2,
        false, new HistoryEntry(MESSAGE_V2, true, MessageStatus.READ), 0, new Presence("bob", 2, false, JAN_1))),
        null)));
    EXPECTED.put("history", new FramesV2.History(21, "bob", 0, 20));
    EXPECTED.put("history-entries", new FramesV2.HistoryResult(21,
        List.of(new HistoryEntry(MESSAGE_V2, true, MessageStatus.DELIVERED))));
    EXPECTED.put("history-on-v1", new Frame.ErrorFrame(21, ErrorCode.INVALID_ARGUMENT,
        "HISTORY (0x21) needs protocol version 2; this connection speaks version 1"));
    EXPECTED.put("typing", new FramesV2.TypingRequest(22, "bob"));
    EXPECTED.put("typing-ok", new Frame.Ok(22));
    EXPECTED.put("get-settings", new FramesV2.GetSettings(23));
    EXPECTED.put("settings", new FramesV2.SettingsResult(23, new AccountSettings(true, true)));
    EXPECTED.put("update-settings", new FramesV2.UpdateSettings(24, new AccountSettings(false, true)));
    EXPECTED.put("update-settings-settings", new FramesV2.SettingsResult(24, new AccountSettings(false, true)));
    EXPECTED.put("push-receipt", new FramesV2.ReceiptPush(9, new Receipt("bob", 2, MessageStatus.READ, 42)));
    EXPECTED.put("push-presence", new FramesV2.PresencePush(9, new Presence("bob", 2, true, null)));
    EXPECTED.put("push-typing", new FramesV2.TypingPush(9, new Typing("bob", 2)));
    EXPECTED.put("push-carbon", new FramesV2.CarbonPush(9, new Carbon(MESSAGE_V2)));
    EXPECTED.put("push-withdrawal", new FramesV2.WithdrawalPush(9, new Withdrawal("carol", 7, 5)));
    // Version 3, one connection of alice's in document order: its frames share the name table.
    EXPECTED.put("hello-v3", new Frame.Hello(1, 1, List.of(2, 3)));
    EXPECTED.put("hello-ok-v3", new Frame.HelloOk(1, 3, 1048576, 60000, JAN_1_MICROS));
    EXPECTED.put("subscribe-v3", new Frame.Subscribe(9, -1));
    EXPECTED.put("subscribe-ok-v3", new Frame.Ok(9));
    EXPECTED.put("id-prefix", new FramesV3.IdPrefix(7, "c-7Hq-"));
    EXPECTED.put("id-prefix-ok", new Frame.Ok(7));
    EXPECTED.put("send-v3", new Frame.Send(8, "bob", "hi", "c-7Hq-41"));
    EXPECTED.put("sent", new FramesV3.Sent(8, SENT_V3));
    EXPECTED.put("push-message-v3", new Frame.MessagePush(9, PUSHED_V3));
    EXPECTED.put("push-receipt-v3", new FramesV2.ReceiptPush(9, new Receipt("bob", 2, MessageStatus.DELIVERED, 42)));
  }

  // The two directions of the version 3 connection of the examples, each with its own state.
  private static final LeanState FROM_CLIENT = new LeanState(JAN_1_MICROS);
  private static final LeanState FROM_SERVER = new LeanState(JAN_1_MICROS);
  private static final LeanState TO_CLIENT_WRITTEN = new LeanState(JAN_1_MICROS);
  private static final LeanState TO_SERVER_WRITTEN = new LeanState(JAN_1_MICROS);

  private static Map<String, byte[]> documented;
  private static Map<String, Integer> versions;

  @BeforeAll
  static void readDocument() throws IOException {
    documented = documentedFrames();
    versions = new LinkedHashMap<>();
    Matcher m = BLOCK.matcher(document());
    while (m.find()) {
      versions.put(m.group(1), m.group(2) == null ? Frame.BASE_VERSION : Integer.parseInt(m.group(2)));
    }
  }

  /** Returns the bytes of each example frame of docs/PROTOCOL.md by its name, in document order. */
  static Map<String, byte[]> documentedFrames() throws IOException {
    Map<String, byte[]> frames = new LinkedHashMap<>();
    Matcher m = BLOCK.matcher(document());
    while (m.find()) {
      frames.put(m.group(1), parseHex(m.group(3)));
    }
    return frames;
  }

  private static String document() throws IOException {
    Path doc = Stream.of("../docs/PROTOCOL.md", "docs/PROTOCOL.md")
        .map(Path::of).filter(Files::isRegularFile).findFirst()
        .orElseThrow(() -> new AssertionError("docs/PROTOCOL.md not found from " + Path.of("").toAbsolutePath()));
    return Files.readString(doc, StandardCharsets.UTF_8);
  }

  /** Returns the table of PROTOCOL.md after {@code <!-- name -->}, up to the next blank line. */
  private static String markedTable(String name) throws IOException {
    String doc = document();
    int start = doc.indexOf("<!-- " + name + " -->");
    assertTrue(start >= 0, "no " + name + " table in PROTOCOL.md");
    return doc.substring(start, doc.indexOf("\n\n", start));
  }

  @Test
  void everyDocumentedFrameIsPinnedAndEveryPinnedFrameIsDocumented() {
    assertEquals(EXPECTED.keySet(), documented.keySet());
  }

  /** The table of field values says what the engine checks: its limits, not numbers of its own. */
  @Test
  void theFieldValuesTableGivesTheEnginesLimits() throws IOException {
    String table = markedTable("field-values");
    for (String row : List.of(
        "| `username` (CREATE_ACCOUNT) | 1 to " + ChatEngine.MAX_USERNAME_LENGTH + " characters",
        "| `password` (CREATE_ACCOUNT) | " + ChatEngine.MIN_PASSWORD_LENGTH + " to " + ChatEngine.MAX_PASSWORD_LENGTH
            + " characters",
        "| `text` (SEND) | 1 to " + ChatEngine.MAX_TEXT_LENGTH + " characters |",
        "| `clientMessageId` (SEND) | absent, or 1 to " + ChatEngine.MAX_CLIENT_MESSAGE_ID_LENGTH + " characters |",
        "| `limit` (LIST_ACCOUNTS) | 1 to " + ChatEngine.MAX_LIST_LIMIT + ", or 0 for " + ChatEngine.DEFAULT_LIST_LIMIT
            + " |",
        "| `limit` (FETCH) | 1 to " + ChatEngine.MAX_FETCH_LIMIT + ", or 0 for " + ChatEngine.DEFAULT_FETCH_LIMIT + " |",
        "| `limit` (LIST_CONVERSATIONS, HISTORY) | 1 to " + ChatEngine.MAX_HISTORY_LIMIT + ", or 0 for "
            + ChatEngine.DEFAULT_HISTORY_LIMIT + " |",
        "| `messageIds` (DELETE_MESSAGES) | at most " + ChatEngine.MAX_FETCH_LIMIT + " ids")) {
      assertTrue(table.contains(row), "PROTOCOL.md's field values lack: " + row);
    }
    assertEquals(ChatEngine.MAX_HISTORY_LIMIT, ChatEngine.MAX_CONVERSATION_LIMIT, "one row for both");
    assertEquals(ChatEngine.DEFAULT_HISTORY_LIMIT, ChatEngine.DEFAULT_CONVERSATION_LIMIT, "one row for both");
  }

  /** Each reason ErrorCode's javadoc names for a code has its row in PROTOCOL.md, with that code. */
  @Test
  void theEngineReasonsTableListsEveryReasonOfErrorCode() throws IOException {
    String table = markedTable("engine-reasons");
    Path source = Stream.of("../chat-api", "chat-api").map(Path::of).filter(Files::isDirectory).findFirst()
        .orElseThrow().resolve("src/main/java/io/chatapp/api/ErrorCode.java");
    String javadoc = Files.readString(source, StandardCharsets.UTF_8);
    Matcher constant = Pattern.compile("<p>Reasons: (.*?)\\*/\\s*(\\w+)\\(", Pattern.DOTALL).matcher(javadoc);
    int reasons = 0;
    while (constant.find()) {
      ErrorCode code = ErrorCode.valueOf(constant.group(2));
      Matcher reason = Pattern.compile("\\{@code ([A-Z_]+)}").matcher(constant.group(1));
      while (reason.find()) {
        if (!reason.group(1).equals(code.name())) {
          reasons++;
          assertTrue(table.contains("| `" + reason.group(1) + "` | " + code.name() + " |"),
              "PROTOCOL.md's engine reasons lack " + reason.group(1) + " (" + code + ")");
        }
      }
    }
    assertTrue(reasons >= 15, "read " + reasons + " reasons from " + source);
  }

  @Test
  void everyOpcodeHasADocumentedExample() {
    for (Opcode op : Opcode.values()) {
      assertTrue(EXPECTED.values().stream().anyMatch(f -> f.opcode() == op), "no example of " + op);
    }
  }

  @TestFactory
  Stream<DynamicTest> documentedBytesDecodeToTheRecordAndEncodeBackExactly() {
    return EXPECTED.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
      byte[] bytes = documented.get(e.getKey());
      assertNotNull(bytes, "no example named " + e.getKey() + " in PROTOCOL.md");
      int version = versions.get(e.getKey());
      ByteBuffer in = ByteBuffer.wrap(bytes);
      boolean fromClient = e.getValue().opcode().code() < 0x80;
      LeanState read = version < FramesV3.VERSION ? null : fromClient ? FROM_CLIENT : FROM_SERVER;
      Frame decoded = new FrameDecoder(1 << 20, version, read).decode(in);
      assertEquals(e.getValue(), decoded);
      assertFalse(in.hasRemaining(), "the example holds exactly one frame");
      WireWriter w = new WireWriter(16);
      w.version(version, version < FramesV3.VERSION ? null : fromClient ? TO_SERVER_WRITTEN : TO_CLIENT_WRITTEN);
      w.write(e.getValue());
      assertArrayEquals(bytes, w.toByteArray());
    }));
  }

  private static byte[] parseHex(String block) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String line : block.split("\n")) {
      int comment = line.indexOf('#');
      String hex = (comment >= 0 ? line.substring(0, comment) : line).trim();
      if (hex.isEmpty()) {
        continue;
      }
      for (String token : hex.split("\\s+")) {
        out.write(Integer.parseInt(token, 16));
      }
    }
    return out.toByteArray();
  }
}
