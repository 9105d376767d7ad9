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

/** Bytes that break the protocol: the connection cannot be trusted to continue. */
export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ProtocolError';
  }
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

const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const I64_MAX = (1n << 63n) - 1n;

function toNumberIfSafe(big) {
  return big <= MAX_SAFE && big >= MIN_SAFE ? Number(big) : big;
}

function checkInteger(value, what) {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value)) throw new TypeError(`${what} must be an integer, was ${value}`);
  return BigInt(value);
}

/** Reads fields from one frame's bytes, never past `end`. */
class Reader {
  constructor(bytes, offset, end, what) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = offset;
    this.end = end;
    this.what = what;
  }

  fail(message) {
    throw new ProtocolError(`malformed ${this.what} frame: ${message}`);
  }

  need(count, field) {
    if (this.end - this.pos < count) {
      this.fail(`${field} needs ${count} bytes, ${this.end - this.pos} left`);
    }
  }

  remaining() {
    return this.end - this.pos;
  }

  u8(field) {
    this.need(1, field);
    return this.bytes[this.pos++];
  }

  u16(field) {
    this.need(2, field);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(field) {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  i32(field) {
    this.need(4, field);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  i64(field) {
    this.need(8, field);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return toNumberIfSafe(v);
  }

  flag(field) {
    const v = this.u8(field);
    if (v > 1) this.fail(`${field} must be 0 or 1, was ${v}`);
    return v === 1;
  }

  utf8(length, field) {
    this.need(length, field);
    const slice = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    try {
      return UTF8_DECODER.decode(slice);
    } catch {
      return this.fail(`invalid UTF-8 in ${field}`);
    }
  }

  /** Unsigned LEB128, minimal, at most `maxBytes` bytes and `maxValue`; a BigInt. */
  uvarintBig(field, maxBytes = 10, maxValue = I64_MAX) {
    let value = 0n;
    for (let i = 0; i < maxBytes; i++) {
      const b = this.u8(field);
      value |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) this.fail(`${field} varint is over-long`);
        if (i === 9 && b > 1) this.fail(`${field} varint exceeds 64 bits`);
        if (value > maxValue) this.fail(`${field} ${value} exceeds ${maxValue}`);
        return value;
      }
    }
    return this.fail(`${field} varint is longer than ${maxBytes} bytes`);
  }
}

/** Appends fields to a growing buffer. */
class Writer {
  constructor() {
    this.bytes = new Uint8Array(64);
    this.view = new DataView(this.bytes.buffer);
    this.pos = 0;
  }

  room(count) {
    if (this.pos + count <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.pos + count) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.bytes.subarray(0, this.pos));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }

  raw(array) {
    this.room(array.length);
    this.bytes.set(array, this.pos);
    this.pos += array.length;
  }

  u8(v) {
    this.room(1);
    this.bytes[this.pos++] = v;
  }

  u16(v) {
    this.room(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
  }

  u32(v) {
    this.room(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }

  i32(v) {
    this.room(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
  }

  i64(v, field) {
    this.room(8);
    this.view.setBigInt64(this.pos, BigInt.asIntN(64, checkInteger(v, field)));
    this.pos += 8;
  }

  uvarint(v, field) {
    let big = checkInteger(v, field);
    if (big < 0n) throw new TypeError(`${field} must not be negative, was ${big}`);
    do {
      const low = Number(big & 0x7fn);
      big >>= 7n;
      this.u8(big === 0n ? low : low | 0x80);
    } while (big !== 0n);
  }

  done() {
    return this.bytes.slice(0, this.pos);
  }
}

function utf8Bytes(value, field) {
  if (typeof value !== 'string') throw new TypeError(`${field} must be a string`);
  if (typeof value.isWellFormed === 'function' && !value.isWellFormed()) {
    throw new TypeError(`${field} holds a lone surrogate, which UTF-8 cannot carry`);
  }
  const bytes = UTF8_ENCODER.encode(value);
  if (bytes.length > 0xffff) throw new TypeError(`${field} of ${bytes.length} UTF-8 bytes exceeds limit 65535`);
  return bytes;
}

// Field types: { read(reader, field, codec), write(writer, value, field, codec) }.
const T = {
  u8: { read: (r, f) => r.u8(f), write: (w, v) => w.u8(v) },
  u16: { read: (r, f) => r.u16(f), write: (w, v) => w.u16(v) },
  u32: { read: (r, f) => r.u32(f), write: (w, v) => w.u32(v) },
  i32: { read: (r, f) => r.i32(f), write: (w, v) => w.i32(v) },
  i64: { read: (r, f) => r.i64(f), write: (w, v, f) => w.i64(v, f) },
  bool: { read: (r, f) => r.flag(f), write: (w, v) => w.u8(v ? 1 : 0) },
  string: {
    read: (r, f) => r.utf8(r.u16(`${f} length`), f),
    write: (w, v, f) => {
      const bytes = utf8Bytes(v, f);
      w.u16(bytes.length);
      w.raw(bytes);
    },
  },
  status: {
    read: (r, f) => {
      const v = r.u8(f);
      if (v < 1 || v > 3) r.fail(`${f} must be 1, 2 or 3, was ${v}`);
      return v;
    },
    write: (w, v) => w.u8(v),
  },
  retryAfter: {
    read: (r, f) => {
      const v = r.u32(f);
      if (v > 0x7fffffff) r.fail(`${f} ${v} exceeds 2147483647`);
      return v;
    },
    write: (w, v) => w.u32(v),
  },
  // version 3
  uvarint: { read: (r, f) => toNumberIfSafe(r.uvarintBig(f)), write: (w, v, f) => w.uvarint(v, f) },
  vstring: {
    read: (r, f) => r.utf8(Number(r.uvarintBig(`${f} length`, 3, 0xffffn)), f),
    write: (w, v, f) => {
      const bytes = utf8Bytes(v, f);
      w.uvarint(bytes.length, f);
      w.raw(bytes);
    },
  },
  time: {
    read: (r, f, c) => {
      const u = r.uvarintBig(f, 10, (1n << 64n) - 1n);
      return toNumberIfSafe(BigInt(c.epochMicros) + ((u >> 1n) ^ -(u & 1n)));
    },
    write: (w, v, f, c) => {
      const d = BigInt.asIntN(64, checkInteger(v, f) - BigInt(c.epochMicros));
      w.uvarint(BigInt.asUintN(64, (d << 1n) ^ (d >> 63n)), f);
    },
  },
};

function optional(type) {
  return {
    read: (r, f, c) => (r.flag(`${f} presence`) ? type.read(r, f, c) : null),
    write: (w, v, f, c) => {
      if (v === null || v === undefined) {
        w.u8(0);
      } else {
        w.u8(1);
        type.write(w, v, f, c);
      }
    },
  };
}

function list(type) {
  return {
    read: (r, f, c) => {
      const count = r.u32(`${f} count`);
      // each element takes at least one byte: a count the frame cannot hold is refused before allocating
      if (count > r.remaining()) r.fail(`${f} count ${count} exceeds the ${r.remaining()} bytes left`);
      const out = [];
      for (let i = 0; i < count; i++) out.push(type.read(r, f, c));
      return out;
    },
    write: (w, v, f, c) => {
      w.u32(v.length);
      for (const item of v) type.write(w, item, f, c);
    },
  };
}

function struct(fields) {
  const of = (c) => (typeof fields === 'function' ? fields(c) : fields);
  return {
    read: (r, f, c) => readLayout(r, of(c), c),
    write: (w, v, f, c) => {
      if (v === null || typeof v !== 'object') throw new TypeError(`${f} must be an object`);
      writeLayout(w, v, of(c), c);
    },
  };
}

// A field whose type has `spread` (an account of version 3) is two fields of the record.
function readLayout(r, fields, c) {
  const out = {};
  for (const [name, type] of fields) {
    const v = type.read(r, name, c);
    if (type.spread) Object.assign(out, v);
    else out[name] = v;
  }
  return out;
}

function writeLayout(w, value, fields, c) {
  for (const [name, type] of fields) type.write(w, type.spread ? value : value[name], name, c);
}

/** An account of version 3: id, and its name unless the connection's name table holds it. */
function account(idField, nameField) {
  return {
    read: (r, f, c) => {
      const id = r.uvarintBig(idField);
      const name = T.vstring.read(r, nameField);
      const slot = Number(id % 256n);
      if (name.length > 0) {
        if ([...name].length > 32) r.fail(`${nameField} of ${[...name].length} characters exceeds 32`);
        c.readNames[slot] = { id, name };
        return [toNumberIfSafe(id), name];
      }
      const known = c.readNames[slot];
      if (!known || known.id !== id) r.fail(`${f} account ${id} has no name in this connection's name table`);
      return [toNumberIfSafe(id), known.name];
    },
    write: (w, [id, name], f, c) => {
      const big = checkInteger(id, idField);
      const slot = Number(big % 256n);
      const known = c.writeNames[slot];
      w.uvarint(big, idField);
      if (known && known.id === big && known.name === name) {
        w.uvarint(0, nameField);
      } else {
        T.vstring.write(w, name, nameField);
        c.writeNames[slot] = { id: big, name };
      }
    },
  };
}

/** Two fields of a record read and written as one account of version 3. */
function accountFields(prefix) {
  const idName = `${prefix}Id`;
  const type = account(idName, prefix);
  return {
    read: (r, f, c) => {
      const [id, name] = type.read(r, prefix, c);
      return { [idName]: id, [prefix]: name };
    },
    write: (w, v, f, c) => type.write(w, [v[idName], v[prefix]], prefix, c),
    spread: true,
  };
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
      if (out.prefix.length < 1 || out.prefix.length > 108) r.fail(`prefix of ${out.prefix.length} characters is not 1 to 108`);
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
