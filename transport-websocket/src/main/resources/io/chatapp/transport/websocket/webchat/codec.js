// The socket protocol's frames (docs/PROTOCOL.md), written from that document alone.
//
// A frame is a plain object: { op: 'LOGIN', requestId: 4, username: 'alice', password: '...' }.
// Each opcode has one layout per version, given below as a list of [field, type]; the same
// list encodes and decodes, so the two directions cannot disagree. A FrameCodec holds what a
// connection's frames depend on: its version, the epoch and the name table of version 3, and
// the client message id prefix. Decoding distrusts every byte: a field past the end, bytes
// left over, a bool or presence byte other than 0 or 1, bad UTF-8 or a list count larger than
// the bytes left throw a ProtocolError before anything is allocated for them.
//
// Integers of 64 bits come out as Numbers when they are safe integers (ids, seqs and
// microsecond timestamps of this century are), else as BigInts; encoders take either.

import {
  ProtocolError, Reader, T, Writer, accountFields, list, optional, readLayout, struct, writeLayout,
} from './wire.js';

export { ProtocolError };

export const MAGIC = 0x43484154; // "CHAT"

/** Opcodes by name (section 7). */
export const Op = Object.freeze({
  HELLO: 0x01, PING: 0x02, CREATE_ACCOUNT: 0x10, LOGIN: 0x11, RESUME: 0x12, LOGOUT: 0x13,
  LIST_ACCOUNTS: 0x14, SEND: 0x15, SUBSCRIBE: 0x16, UNSUBSCRIBE: 0x17, FETCH: 0x18, ACK: 0x19,
  DELETE_MESSAGES: 0x1a, DELETE_ACCOUNT: 0x1b, LOGOUT_OTHERS: 0x1c, LIST_CONVERSATIONS: 0x20,
  HISTORY: 0x21, TYPING: 0x22, GET_SETTINGS: 0x23, UPDATE_SETTINGS: 0x24, ID_PREFIX: 0x25,
  HELLO_OK: 0x81, PONG: 0x82, OK: 0x90, SESSION: 0x91, ACCOUNTS: 0x92, MESSAGE: 0x93,
  MESSAGES: 0x94, COUNT: 0x95, SESSIONS_ENDED: 0x96, CONVERSATIONS: 0x97, HISTORY_ENTRIES: 0x98,
  SETTINGS: 0x99, SENT: 0x9a, PUSH_MESSAGE: 0xa0, SUBSCRIPTION_ENDED: 0xa1, PUSH_RECEIPT: 0xa2,
  PUSH_PRESENCE: 0xa3, PUSH_TYPING: 0xa4, PUSH_CARBON: 0xa5, PUSH_WITHDRAWAL: 0xa6, ERROR: 0xff,
});

const OP_NAMES = new Map(Object.entries(Op).map(([name, code]) => [code, name]));

/** Error codes by wire number (section 8); an unknown number reads as INTERNAL. */
export const ErrorCode = Object.freeze({
  1: 'INVALID_ARGUMENT', 2: 'UNAUTHENTICATED', 3: 'NOT_FOUND', 4: 'ALREADY_EXISTS',
  5: 'RESOURCE_EXHAUSTED', 6: 'UNAVAILABLE', 7: 'INTERNAL',
});

/** Message statuses (section 3). */
export const Status = Object.freeze({ SENT: 1, DELIVERED: 2, READ: 3 });

export function errorCodeName(code) {
  return ErrorCode[code] ?? 'INTERNAL';
}

const REASON = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The reason of an ERROR frame as a program should read it: the code's name when unknown or invalid. */
export function errorReason(frame) {
  return typeof frame.reason === 'string' && REASON.test(frame.reason) ? frame.reason : errorCodeName(frame.code);
}

/** A request the server answered with ERROR (or a subscription it ended). */
export class ChatError extends Error {
  constructor(frame) {
    super(frame.message);
    this.name = 'ChatError';
    this.code = frame.code;
    this.codeName = errorCodeName(frame.code);
    this.reason = errorReason(frame);
    this.retryAfterMillis = frame.retryAfterMillis ?? 0;
  }
}

const MESSAGE_V1 = [['id', T.i64], ['sender', T.string], ['recipient', T.string], ['text', T.string],
  ['sentAtMicros', T.i64], ['seq', T.i64]];
const MESSAGE_V2 = [...MESSAGE_V1, ['senderId', T.i64], ['recipientId', T.i64]];
const message = struct((c) => (c.version >= 2 ? MESSAGE_V2 : MESSAGE_V1));
const historyEntry = struct([['message', message], ['outgoing', T.bool], ['status', T.status]]);
const PRESENCE = [['username', T.string], ['userId', T.i64], ['online', T.bool],
  ['lastSeenMicros', optional(T.i64)]];
const presence = struct(PRESENCE);
const conversation = struct([['peer', T.string], ['peerId', T.i64], ['peerDeleted', T.bool],
  ['last', optional(historyEntry)], ['unreadCount', T.i64], ['presence', presence]]);
const accountEntry = struct([['username', T.string], ['online', T.bool]]);
const ERROR_V1 = [['code', T.u16], ['message', T.string]];
const ERROR_V2 = [...ERROR_V1, ['reason', T.string], ['retryAfterMillis', T.retryAfter]];

/** The fields of each opcode, by the version whose layout they are (the highest not above the connection's). */
const LAYOUTS = {
  PING: [], LOGOUT: [], UNSUBSCRIBE: [], GET_SETTINGS: [], PONG: [], OK: [],
  CREATE_ACCOUNT: [['username', T.string], ['password', T.string]],
  LOGIN: [['username', T.string], ['password', T.string]],
  RESUME: [['token', T.string]],
  LIST_ACCOUNTS: [['pattern', optional(T.string)], ['pageToken', optional(T.string)], ['limit', T.i32]],
  SEND: {
    1: [['recipient', T.string], ['text', T.string], ['clientMessageId', optional(T.string)]],
    3: 'SEND_V3',
  },
  SUBSCRIBE: [['afterSeq', T.i64]],
  FETCH: [['afterSeq', T.i64], ['limit', T.i32]],
  ACK: [['uptoSeq', T.i64]],
  DELETE_MESSAGES: [['messageIds', list(T.i64)]],
  DELETE_ACCOUNT: [['password', T.string]],
  LOGOUT_OTHERS: [['username', T.string], ['password', T.string]],
  LIST_CONVERSATIONS: [['pageToken', optional(T.string)], ['limit', T.i32]],
  HISTORY: [['peer', T.string], ['beforeId', T.i64], ['limit', T.i32]],
  TYPING: [['peer', T.string]],
  UPDATE_SETTINGS: [['readReceipts', T.bool], ['showPresence', T.bool]],
  ID_PREFIX: [['prefix', T.vstring]],
  SESSION: [['token', T.string], ['username', T.string], ['unreadCount', T.i64], ['lastReadSeq', T.i64]],
  ACCOUNTS: [['accounts', list(accountEntry)], ['nextPageToken', optional(T.string)]],
  MESSAGE: [['message', message]],
  MESSAGES: [['messages', list(message)]],
  COUNT: [['count', T.i64]],
  SESSIONS_ENDED: [['count', T.u32]],
  CONVERSATIONS: [['conversations', list(conversation)], ['nextPageToken', optional(T.string)]],
  HISTORY_ENTRIES: [['entries', list(historyEntry)]],
  SETTINGS: [['readReceipts', T.bool], ['showPresence', T.bool]],
  SENT: [['id', T.uvarint], ['seq', T.uvarint], ['sentAtMicros', T.time], ['sender', accountFields('sender')],
    ['recipient', accountFields('recipient')]],
  PUSH_MESSAGE: {
    1: [['message', message]],
    3: [['message', struct([['id', T.uvarint], ['seq', T.uvarint], ['sentAtMicros', T.time],
      ['sender', accountFields('sender')], ['recipient', accountFields('recipient')], ['text', T.vstring]])]],
  },
  SUBSCRIPTION_ENDED: { 1: ERROR_V1, 2: ERROR_V2 },
  PUSH_RECEIPT: {
    2: [['peer', T.string], ['peerId', T.i64], ['status', T.status], ['uptoMessageId', T.i64]],
    3: [['peer', accountFields('peer')], ['status', T.status], ['uptoMessageId', T.uvarint]],
  },
  PUSH_PRESENCE: PRESENCE,
  PUSH_TYPING: [['username', T.string], ['userId', T.i64]],
  PUSH_CARBON: [['message', message]],
  PUSH_WITHDRAWAL: [['sender', T.string], ['senderId', T.i64], ['afterSeq', T.i64]],
  ERROR: { 1: ERROR_V1, 2: ERROR_V2 },
};

/** The opcodes versions 2 and 3 add (section 7); a connection of an earlier version has none of them. */
const SINCE_VERSION = {
  LIST_CONVERSATIONS: 2, HISTORY: 2, TYPING: 2, GET_SETTINGS: 2, UPDATE_SETTINGS: 2,
  CONVERSATIONS: 2, HISTORY_ENTRIES: 2, SETTINGS: 2, PUSH_RECEIPT: 2, PUSH_PRESENCE: 2,
  PUSH_TYPING: 2, PUSH_CARBON: 2, PUSH_WITHDRAWAL: 2, ID_PREFIX: 3, SENT: 3,
};

function layoutFor(opName, version) {
  const layout = LAYOUTS[opName];
  if (Array.isArray(layout)) return layout;
  let best = null;
  for (const [since, fields] of Object.entries(layout)) {
    if (Number(since) <= version) best = fields;
  }
  return best;
}

/**
 * What one connection's frames depend on, and their encoding and decoding. Not thread-safe (JS
 * has one thread): one instance per connection, used in the order frames travel.
 */
export class FrameCodec {
  /** @param maxFrameBytes the largest frame this side accepts (default 16 MiB, as SocketChatClient) */
  constructor({ maxFrameBytes = 16 * 1024 * 1024 } = {}) {
    this.version = 1; // the layout of frames; the header is version 1's until `negotiated`
    this.negotiated = false; // true once HELLO_OK was read (or written): version 3 frames get the varint header
    this.epochMicros = 0;
    this.maxFrameBytes = maxFrameBytes;
    this.readNames = new Array(256);
    this.writeNames = new Array(256);
    this.readPrefix = null;
    this.writePrefix = null;
  }

  /** Takes on the version HELLO_OK named (and version 3's epoch): the frames after it have its layout. */
  useVersion(version, epochMicros = 0) {
    this.version = version;
    this.epochMicros = epochMicros;
    this.negotiated = true;
  }

  varintHeader(opName) {
    return this.negotiated && this.version >= 3 && opName !== 'HELLO' && opName !== 'HELLO_OK';
  }

  /** Encodes one frame, header included; throws TypeError for a record that breaks the layout. */
  encode(frame) {
    const opName = frame.op;
    const code = Op[opName];
    if (code === undefined) throw new TypeError(`unknown opcode ${opName}`);
    const requestId = frame.requestId ?? 0;
    if (!Number.isInteger(requestId) || requestId < 0 || requestId > 0xffffffff) {
      throw new TypeError(`request id must be 0 to 4294967295, was ${requestId}`);
    }
    const body = new Writer();
    this.encodeFields(body, opName, frame);
    const fields = body.done();
    const out = new Writer();
    if (this.varintHeader(opName)) {
      const head = new Writer();
      head.u8(code);
      head.uvarint(requestId, 'requestId');
      const headBytes = head.done();
      out.uvarint(headBytes.length + fields.length, 'length');
      out.raw(headBytes);
    } else {
      out.u32(5 + fields.length);
      out.u8(code);
      out.u32(requestId);
    }
    out.raw(fields);
    return out.done();
  }

  encodeFields(w, opName, frame) {
    if (opName === 'HELLO') {
      w.u32(MAGIC);
      w.u16(frame.version);
      if (frame.versions) {
        w.u8(frame.versions.length);
        for (const v of frame.versions) w.u16(v);
      }
      return;
    }
    if (opName === 'HELLO_OK') {
      w.u16(frame.version);
      w.u32(frame.maxFrameBytes);
      w.u32(frame.idleTimeoutMillis);
      if (frame.version >= 3) w.i64(frame.epochMicros, 'epochMicros');
      return;
    }
    const since = SINCE_VERSION[opName] ?? 1;
    if (this.version < since) {
      throw new TypeError(`${opName} needs protocol version ${since}; this connection speaks version ${this.version}`);
    }
    const layout = layoutFor(opName, this.version);
    if (layout === 'SEND_V3') {
      this.encodeSendV3(w, frame);
      return;
    }
    if (opName === 'ID_PREFIX') this.writePrefix = frame.prefix;
    writeLayout(w, frame, layout, this);
  }

  encodeSendV3(w, frame) {
    T.vstring.write(w, frame.recipient, 'recipient');
    T.vstring.write(w, frame.text, 'text');
    const id = frame.clientMessageId;
    if (id === null || id === undefined) {
      w.uvarint(0, 'cmid');
      return;
    }
    const p = this.writePrefix;
    const rest = p !== null && id.startsWith(p) ? id.slice(p.length) : null;
    if (rest !== null && /^(0|[1-9][0-9]{0,19})$/.test(rest) && BigInt(rest) + 2n <= (1n << 64n) - 1n) {
      w.uvarint(BigInt(rest) + 2n, 'cmid');
    } else {
      w.uvarint(1, 'cmid');
      T.vstring.write(w, id, 'clientMessageId');
    }
  }

  /**
   * Decodes every frame in `bytes` (an ArrayBuffer or Uint8Array holding whole frames).
   * @throws ProtocolError when a frame is cut off, too large or malformed
   */
  decodeAll(bytes) {
    const array = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const frames = [];
    let pos = 0;
    while (pos < array.length) {
      const [frame, next] = this.decodeOne(array, pos);
      frames.push(frame);
      pos = next;
    }
    return frames;
  }

  /** Decodes the frame at `pos`; returns it and the position after it. */
  decodeOne(array, pos) {
    const head = new Reader(array, pos, array.length, 'frame');
    let length;
    let code;
    let requestId;
    const varint = this.negotiated && this.version >= 3;
    if (varint) {
      length = Number(head.uvarintBig('length', 5, BigInt(this.maxFrameBytes)));
      if (length < 2) throw new ProtocolError(`frame of ${length} bytes is below the minimum 2`);
    } else {
      length = head.u32('length');
      if (length > this.maxFrameBytes) {
        throw new ProtocolError(`frame of ${length} bytes exceeds limit ${this.maxFrameBytes}`);
      }
      if (length < 5) throw new ProtocolError(`frame of ${length} bytes is below the minimum 5`);
    }
    if (head.remaining() < length) {
      throw new ProtocolError(`frame of ${length} bytes is cut off after ${head.remaining()}`);
    }
    const end = head.pos + length;
    const body = new Reader(array, head.pos, end, 'frame');
    code = body.u8('opcode');
    const opName = OP_NAMES.get(code);
    if (opName === undefined) {
      throw new ProtocolError(`unknown opcode 0x${code.toString(16).padStart(2, '0')}`);
    }
    body.what = opName;
    if (varint && (opName === 'HELLO' || opName === 'HELLO_OK')) {
      body.fail('a handshake frame after the handshake');
    }
    requestId = varint ? Number(body.uvarintBig('request id', 5, 0xffffffffn)) : body.u32('request id');
    const frame = { op: opName, requestId, ...this.decodeFields(body, opName) };
    if (body.remaining() !== 0) body.fail(`${body.remaining()} unexpected bytes after the last field`);
    return [frame, end];
  }

  decodeFields(r, opName) {
    if (opName === 'HELLO') {
      const magic = r.u32('magic');
      if (magic !== MAGIC) r.fail(`bad magic 0x${magic.toString(16)}`);
      const out = { version: r.u16('version') };
      if (r.remaining() > 0) {
        const count = r.u8('versions count');
        out.versions = [];
        for (let i = 0; i < count; i++) out.versions.push(r.u16('version'));
      }
      r.pos = r.end; // bytes after the list are for later versions (section 12, rule 2)
      return out;
    }
    if (opName === 'HELLO_OK') {
      const out = { version: r.u16('version'), maxFrameBytes: r.u32('maxFrameBytes'),
        idleTimeoutMillis: r.u32('idleTimeoutMillis') };
      if (out.version >= 3) out.epochMicros = r.i64('epochMicros');
      return out;
    }
    const since = SINCE_VERSION[opName] ?? 1;
    if (this.version < since) r.fail(`${opName} needs protocol version ${since}`);
    const layout = layoutFor(opName, this.version);
    if (layout === 'SEND_V3') return this.decodeSendV3(r);
    const out = readLayout(r, layout, this);
    if (opName === 'ID_PREFIX') {
      if (out.prefix.length < 1 || out.prefix.length > 108) {
        r.fail(`prefix of ${out.prefix.length} characters is not 1 to 108`);
      }
      this.readPrefix = out.prefix;
    }
    if (opName === 'ERROR' || opName === 'SUBSCRIPTION_ENDED') out.codeName = errorCodeName(out.code);
    return out;
  }

  decodeSendV3(r) {
    const out = { recipient: T.vstring.read(r, 'recipient'), text: T.vstring.read(r, 'text') };
    const cmid = r.uvarintBig('cmid', 10, (1n << 64n) - 1n);
    if (cmid === 0n) {
      out.clientMessageId = null;
    } else if (cmid === 1n) {
      out.clientMessageId = T.vstring.read(r, 'clientMessageId');
    } else {
      if (this.readPrefix === null) {
        r.fail(`cmid ${cmid} counts after a client message id prefix, but none was set on this connection (ID_PREFIX)`);
      }
      out.clientMessageId = this.readPrefix + (cmid - 2n).toString();
    }
    return out;
  }
}
