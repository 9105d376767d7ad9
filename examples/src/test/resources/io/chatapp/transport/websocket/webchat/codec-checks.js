// Checks codec.js against every hex example of PROTOCOL.md's "Examples": each example's bytes
// decode to the record written here from its comments, and that record encodes to the same
// bytes. Shared by codec.test.js (node) and codec-test.html (the browser).

const T0 = 1704067200000000; // 2024-01-01T00:00:00Z in microseconds
const ALICE_TO_BOB_V1 = { id: 42, sender: 'alice', recipient: 'bob', text: 'hi', sentAtMicros: T0, seq: 3 };
const ALICE_TO_BOB = { ...ALICE_TO_BOB_V1, senderId: 1, recipientId: 2 };
const SESSION = { token: 'tok123', username: 'alice', unreadCount: 2, lastReadSeq: 5 };
const VERSION_2_ONLY = 'protocol version 2 is not supported; this server speaks version 1';
const VERSION_7 = 'protocol version 7 is not supported; this server speaks versions 1 to 3';
const NO_CAROL = 'no such user: "carol"';

/** The record each example decodes to, by the example's name. */
export const EXPECTED = {
  'hello': { op: 'HELLO', requestId: 1, version: 1 },
  'hello-ok': { op: 'HELLO_OK', requestId: 1, version: 1, maxFrameBytes: 1048576, idleTimeoutMillis: 60000 },
  'bad-version-error': { op: 'ERROR', requestId: 1, code: 1, message: VERSION_2_ONLY, codeName: 'INVALID_ARGUMENT' },
  'hello-v2': { op: 'HELLO', requestId: 1, version: 1, versions: [2] },
  'hello-ok-v2': { op: 'HELLO_OK', requestId: 1, version: 2, maxFrameBytes: 1048576, idleTimeoutMillis: 60000 },
  'hello-unsupported': { op: 'HELLO', requestId: 1, version: 7, versions: [7] },
  'no-common-version-error': { op: 'ERROR', requestId: 1, code: 1, message: VERSION_7, codeName: 'INVALID_ARGUMENT' },
  'send-unknown-error-v2': { op: 'ERROR', requestId: 15, code: 3, message: NO_CAROL, reason: 'NO_SUCH_USER',
    retryAfterMillis: 0, codeName: 'NOT_FOUND' },
  'subscription-ended-v2': { op: 'SUBSCRIPTION_ENDED', requestId: 9, code: 5, message: 'subscriber fell behind',
    reason: 'SUBSCRIBER_TOO_SLOW', retryAfterMillis: 0, codeName: 'RESOURCE_EXHAUSTED' },
  'ping': { op: 'PING', requestId: 2 },
  'pong': { op: 'PONG', requestId: 2 },
  'create-account': { op: 'CREATE_ACCOUNT', requestId: 3, username: 'alice', password: 'secret-pw' },
  'create-account-ok': { op: 'OK', requestId: 3 },
  'login': { op: 'LOGIN', requestId: 4, username: 'alice', password: 'secret-pw' },
  'login-session': { op: 'SESSION', requestId: 4, ...SESSION },
  'resume': { op: 'RESUME', requestId: 5, token: 'tok123' },
  'resume-session': { op: 'SESSION', requestId: 5, ...SESSION },
  'logout': { op: 'LOGOUT', requestId: 6 },
  'logout-ok': { op: 'OK', requestId: 6 },
  'list-accounts': { op: 'LIST_ACCOUNTS', requestId: 7, pattern: 'a*', pageToken: null, limit: 2 },
  'list-accounts-page': { op: 'ACCOUNTS', requestId: 7,
    accounts: [{ username: 'Alfred', online: false }, { username: 'alice', online: true }], nextPageToken: 'n1' },
  'send': { op: 'SEND', requestId: 8, recipient: 'bob', text: 'hi', clientMessageId: 'c-1' },
  'send-message': { op: 'MESSAGE', requestId: 8, message: ALICE_TO_BOB_V1 },
  'send-unknown': { op: 'SEND', requestId: 15, recipient: 'carol', text: 'yo', clientMessageId: null },
  'send-unknown-error': { op: 'ERROR', requestId: 15, code: 3, message: NO_CAROL, codeName: 'NOT_FOUND' },
  'subscribe': { op: 'SUBSCRIBE', requestId: 9, afterSeq: -1 },
  'subscribe-ok': { op: 'OK', requestId: 9 },
  'push-message': { op: 'PUSH_MESSAGE', requestId: 9, message: ALICE_TO_BOB_V1 },
  'subscription-ended': { op: 'SUBSCRIPTION_ENDED', requestId: 9, code: 2, message: 'session ended',
    codeName: 'UNAUTHENTICATED' },
  'unsubscribe': { op: 'UNSUBSCRIBE', requestId: 10 },
  'unsubscribe-ok': { op: 'OK', requestId: 10 },
  'fetch': { op: 'FETCH', requestId: 11, afterSeq: 0, limit: 2 },
  'fetch-messages': { op: 'MESSAGES', requestId: 11, messages: [ALICE_TO_BOB_V1] },
  'ack': { op: 'ACK', requestId: 12, uptoSeq: 3 },
  'ack-count': { op: 'COUNT', requestId: 12, count: 0 },
  'delete-messages': { op: 'DELETE_MESSAGES', requestId: 13, messageIds: [42, 43] },
  'delete-messages-count': { op: 'COUNT', requestId: 13, count: 1 },
  'delete-account': { op: 'DELETE_ACCOUNT', requestId: 14, password: 'secret-pw' },
  'delete-account-ok': { op: 'OK', requestId: 14 },
  'logout-others': { op: 'LOGOUT_OTHERS', requestId: 16, username: 'alice', password: 'secret-pw' },
  'sessions-ended': { op: 'SESSIONS_ENDED', requestId: 16, count: 2 },
  'send-message-v2': { op: 'MESSAGE', requestId: 8, message: ALICE_TO_BOB },
  'list-conversations': { op: 'LIST_CONVERSATIONS', requestId: 20, pageToken: null, limit: 10 },
  'conversations': { op: 'CONVERSATIONS', requestId: 20, conversations: [{
    peer: 'bob', peerId: 2, peerDeleted: false, last: { message: ALICE_TO_BOB, outgoing: true, status: 3 },
    unreadCount: 0, presence: { username: 'bob', userId: 2, online: false, lastSeenMicros: T0 },
  }], nextPageToken: null },
  'history': { op: 'HISTORY', requestId: 21, peer: 'bob', beforeId: 0, limit: 20 },
  'history-entries': { op: 'HISTORY_ENTRIES', requestId: 21,
    entries: [{ message: ALICE_TO_BOB, outgoing: true, status: 2 }] },
  'history-on-v1': { op: 'ERROR', requestId: 21, code: 1,
    message: 'HISTORY (0x21) needs protocol version 2; this connection speaks version 1', codeName: 'INVALID_ARGUMENT' },
  'typing': { op: 'TYPING', requestId: 22, peer: 'bob' },
  'typing-ok': { op: 'OK', requestId: 22 },
  'get-settings': { op: 'GET_SETTINGS', requestId: 23 },
  'settings': { op: 'SETTINGS', requestId: 23, readReceipts: true, showPresence: true },
  'update-settings': { op: 'UPDATE_SETTINGS', requestId: 24, readReceipts: false, showPresence: true },
  'update-settings-settings': { op: 'SETTINGS', requestId: 24, readReceipts: false, showPresence: true },
  'push-receipt': { op: 'PUSH_RECEIPT', requestId: 9, peer: 'bob', peerId: 2, status: 3, uptoMessageId: 42 },
  'push-presence': { op: 'PUSH_PRESENCE', requestId: 9, username: 'bob', userId: 2, online: true,
    lastSeenMicros: null },
  'push-typing': { op: 'PUSH_TYPING', requestId: 9, username: 'bob', userId: 2 },
  'push-carbon': { op: 'PUSH_CARBON', requestId: 9, message: ALICE_TO_BOB },
  'push-withdrawal': { op: 'PUSH_WITHDRAWAL', requestId: 9, sender: 'carol', senderId: 7, afterSeq: 5 },
  'hello-v3': { op: 'HELLO', requestId: 1, version: 1, versions: [2, 3] },
  'hello-ok-v3': { op: 'HELLO_OK', requestId: 1, version: 3, maxFrameBytes: 1048576, idleTimeoutMillis: 60000,
    epochMicros: T0 },
  'subscribe-v3': { op: 'SUBSCRIBE', requestId: 9, afterSeq: -1 },
  'subscribe-ok-v3': { op: 'OK', requestId: 9 },
  'id-prefix': { op: 'ID_PREFIX', requestId: 7, prefix: 'c-7Hq-' },
  'id-prefix-ok': { op: 'OK', requestId: 7 },
  'send-v3': { op: 'SEND', requestId: 8, recipient: 'bob', text: 'hi', clientMessageId: 'c-7Hq-41' },
  'sent': { op: 'SENT', requestId: 8, id: 42, seq: 3, sentAtMicros: T0 + 1500000, senderId: 1, sender: 'alice',
    recipientId: 2, recipient: 'bob' },
  'push-message-v3': { op: 'PUSH_MESSAGE', requestId: 9, message: { id: 43, seq: 4, sentAtMicros: T0 + 2000000,
    senderId: 2, sender: 'bob', recipientId: 1, recipient: 'alice', text: 'yo' } },
  'push-receipt-v3': { op: 'PUSH_RECEIPT', requestId: 9, peerId: 2, peer: 'bob', status: 2, uptoMessageId: 42 },
};

/**
 * The examples of a PROTOCOL.md text, in document order: each `<!-- frame: name (version N) -->`
 * marker and the bytes of the ```text block after it (hex before each `#`).
 */
export function parseExamples(markdown) {
  const examples = [];
  const marker = /<!-- frame: ([a-z0-9-]+)(?: \(version (\d+)\))? -->\s*```text\n([\s\S]*?)```/g;
  for (const m of markdown.matchAll(marker)) {
    const hex = m[3].split('\n').map((line) => line.split('#')[0]).join(' ').trim().split(/\s+/).filter(Boolean);
    examples.push({ name: m[1], version: m[2] ? Number(m[2]) : null, hex: hex.join(' ') });
  }
  return examples;
}

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function fromHex(hex) {
  return new Uint8Array(hex.split(' ').map((h) => parseInt(h, 16)));
}

function canonical(value) {
  return JSON.stringify(value, (k, v) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((key) => [key, v[key]]));
    }
    return v;
  });
}

/**
 * Runs every example: decode equals EXPECTED, and EXPECTED encodes to the same bytes. Version 3
 * examples share one connection's state (the name table, the prefix), as in the document, from
 * the HELLO_OK of version 3 on; every other example gets a fresh codec of its version.
 * @returns {{ total: number, passed: number, failures: string[] }}
 */
// FrameCodec comes from the caller: the page imports the served codec.js, node the source file.
export function runChecks(examples, FrameCodec) {
  const failures = [];
  let passed = 0;
  const chainDecoder = new FrameCodec();
  const chainEncoder = new FrameCodec();
  const names = new Set();
  for (const example of examples) {
    names.add(example.name);
    const expected = EXPECTED[example.name];
    if (!expected) {
      failures.push(`${example.name}: no expected record for this example`);
      continue;
    }
    const chained = example.version === 3 || example.name === 'hello-ok-v3';
    const decoder = chained ? chainDecoder : new FrameCodec();
    const encoder = chained ? chainEncoder : new FrameCodec();
    if (!chained) {
      decoder.version = example.version ?? 1;
      encoder.version = example.version ?? 1;
    }
    try {
      const frames = decoder.decodeAll(fromHex(example.hex));
      const encoded = toHex(encoder.encode(expected));
      const problems = [];
      if (frames.length !== 1) problems.push(`decoded ${frames.length} frames, expected 1`);
      else if (canonical(frames[0]) !== canonical(expected)) {
        problems.push(`decoded ${canonical(frames[0])}, expected ${canonical(expected)}`);
      }
      if (encoded !== example.hex) problems.push(`encoded ${encoded}, expected ${example.hex}`);
      if (expected.op === 'HELLO_OK' && chained) {
        chainDecoder.useVersion(frames[0].version, frames[0].epochMicros);
        chainEncoder.useVersion(expected.version, expected.epochMicros);
      }
      if (problems.length === 0) passed++;
      else failures.push(`${example.name}: ${problems.join('; ')}`);
    } catch (e) {
      failures.push(`${example.name}: ${e.name}: ${e.message}`);
    }
  }
  for (const name of Object.keys(EXPECTED)) {
    if (!names.has(name)) failures.push(`${name}: not among the document's examples`);
  }
  return { total: examples.length, passed, failures };
}
