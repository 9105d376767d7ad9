// The field encodings of the socket protocol (docs/PROTOCOL.md, sections 3 and 13): a Reader that
// never reads past its frame, a Writer, and field types that read and write one value each. A
// type is { read(reader, field, codec), write(writer, value, field, codec) }; the codec is the
// connection's FrameCodec, for what a field depends on (the version, the epoch, the name table).

/** Bytes that break the protocol: the connection cannot be trusted to continue. */
export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ProtocolError';
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
export class Reader {
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
export class Writer {
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
export const T = {
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

export function optional(type) {
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

export function list(type) {
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

export function struct(fields) {
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
export function readLayout(r, fields, c) {
  const out = {};
  for (const [name, type] of fields) {
    const v = type.read(r, name, c);
    if (type.spread) Object.assign(out, v);
    else out[name] = v;
  }
  return out;
}

export function writeLayout(w, value, fields, c) {
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
export function accountFields(prefix) {
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

