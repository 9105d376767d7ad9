// The codec against PROTOCOL.md's examples, under node (WebChatNodeTest runs it in mvn verify; the browser test runs
// the same checks in Chromium):  node --test examples/src/test/js/ (WebChatNodeTest runs it in mvn verify)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseExamples, runChecks } from '../resources/io/chatapp/transport/websocket/webchat/codec-checks.js';
import { EXAMPLES_MARKDOWN } from '../resources/io/chatapp/transport/websocket/webchat/codec-examples.js';
import { FrameCodec, ProtocolError } from '../../../../transport-websocket/src/main/resources/io/chatapp/transport/websocket/webchat/codec.js';

const doc = readFileSync(fileURLToPath(new URL('../../../../docs/PROTOCOL.md', import.meta.url)), 'utf8');

test('every example of PROTOCOL.md decodes to its record and encodes back to its bytes', () => {
  const result = runChecks(parseExamples(doc), FrameCodec);
  assert.deepEqual(result.failures, []);
  assert.equal(result.passed, 68);
});

if (process.env.UPDATE_EXAMPLES) {
  const header = '// A copy of PROTOCOL.md\'s "Examples" section, so that codec-test.html runs without the document.\n'
    + '// codec.test.js fails when it drifts; rewrite it with UPDATE_EXAMPLES=1 node --test examples/src/test/js/.\n';
  writeFileSync(new URL('../resources/io/chatapp/transport/websocket/webchat/codec-examples.js', import.meta.url),
    `${header}export const EXAMPLES_MARKDOWN = ${JSON.stringify(doc.slice(doc.indexOf('\n## Examples')))};\n`);
}

test('the copy of the examples the browser page uses is the document\'s', () => {
  assert.deepEqual(parseExamples(EXAMPLES_MARKDOWN), parseExamples(doc));
});

function frame(hex) {
  return new Uint8Array(hex.split(' ').map((h) => parseInt(h, 16)));
}

test('a message holding two frames decodes both', () => {
  const frames = new FrameCodec().decodeAll(frame('00 00 00 05 82 00 00 00 02 00 00 00 05 90 00 00 00 03'));
  assert.deepEqual(frames.map((f) => f.op), ['PONG', 'OK']);
});

test('bad input is a ProtocolError', () => {
  const cases = {
    'cut off': '00 00 00 09 90 00 00 00 01',
    'bytes after the last field': '00 00 00 06 90 00 00 00 01 00',
    'length below 5': '00 00 00 04 90 00 00 00',
    'length above the maximum': 'ff ff ff ff 90',
    'unknown opcode': '00 00 00 05 55 00 00 00 01',
    'bool not 0 or 1': '00 00 00 07 99 00 00 00 01 02 01',
    'invalid UTF-8': '00 00 00 0d 92 00 00 00 01 00 00 00 01 00 01 ff 00 00',
    'list count beyond the frame': '00 00 00 09 94 00 00 00 01 7f ff ff ff',
    'status 4': '00 00 00 1b a2 00 00 00 09 00 03 62 6f 62 00 00 00 00 00 00 00 02 04 00 00 00 00 00 00 00 2a',
    'version 2 push on version 1': '00 00 00 12 a4 00 00 00 09 00 03 62 6f 62 00 00 00 00 00 00 00 02',
  };
  for (const [what, hex] of Object.entries(cases)) {
    const codec = new FrameCodec({ maxFrameBytes: 1 << 20 });
    if (what.startsWith('status')) codec.version = 2;
    assert.throws(() => codec.decodeAll(frame(hex)), ProtocolError, what);
  }
});

test('a version 3 name the table does not hold is a ProtocolError', () => {
  const codec = new FrameCodec();
  codec.useVersion(3, 0);
  assert.throws(() => codec.decodeAll(frame('06 a2 09 02 00 02 2a')), /has no name/);
});

test('a string that is not well-formed UTF-16 is refused on encoding', () => {
  assert.throws(() => new FrameCodec().encode({ op: 'TYPING', requestId: 1, peer: '\ud800' }));
});

test('mutated and cut examples decode or throw ProtocolError, never anything else', () => {
  // a fixed seed: the same bytes on every run
  let seed = 0x2545f491;
  const random = (n) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const examples = parseExamples(doc);
  let decoded = 0;
  for (let round = 0; round < 20000; round++) {
    const example = examples[random(examples.length)];
    const bytes = frame(example.hex);
    const mutated = bytes.slice(0, bytes.length - (random(4) === 0 ? random(bytes.length) : 0));
    for (let flips = random(4); flips >= 0 && mutated.length > 4; flips--) {
      mutated[4 + random(mutated.length - 4)] = random(256);
    }
    const codec = new FrameCodec();
    if (example.version === 3) {
      codec.useVersion(3, 0); // varint header: a mutated length is read as it is
    } else {
      codec.version = example.version ?? 1 + random(2);
      if (mutated.length >= 4) new DataView(mutated.buffer).setUint32(0, mutated.length - 4);
    }
    try {
      codec.decodeAll(mutated);
      decoded++;
    } catch (e) {
      assert.ok(e instanceof ProtocolError, `${example.name} mutated to ${Array.from(mutated, (b) => b.toString(16)).join(' ')}: ${e}`);
    }
  }
  assert.ok(decoded > 0, 'some mutations still decode');
});
