// ReadMarks under node: node --test examples/src/test/js/ (WebChatNodeTest runs it in mvn verify)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadMarks } from '../../../../transport-websocket/src/main/resources/io/chatapp/transport/websocket/webchat/read-marks.js';

test('opening a conversation acks up to its newest message when nothing else is unseen', () => {
  const marks = new ReadMarks();
  marks.pushed('Bob', 4, 40);
  marks.pushed('bob', 5, 41);
  assert.equal(marks.seen('BOB', 0), 5);
  assert.equal(marks.seen('bob', 5), 0, 'the mark does not move twice');
});

test('the mark stops below the oldest unseen message of another conversation', () => {
  const marks = new ReadMarks();
  marks.pushed('carol', 3, 30);
  marks.pushed('bob', 4, 40);
  assert.equal(marks.seen('bob', 0), 2, 'carol\'s seq 3 keeps the mark below it');
  marks.pushed('bob', 6, 60);
  assert.equal(marks.countAbove('carol', 0), 1);
  assert.equal(marks.seen('carol', 3), 4, 'once carol is seen, bob\'s 4, seen before, is read; his 6 is not');
});

test('the mark never goes below the session\'s', () => {
  const marks = new ReadMarks();
  marks.atLeast(9);
  marks.pushed('bob', 8, 80);
  assert.equal(marks.seen('bob', 8), 0);
  marks.pushed('bob', 10, 100);
  assert.equal(marks.seen('bob', 8), 10);
});

test('unseen messages above the list\'s newest are counted per peer', () => {
  const marks = new ReadMarks();
  marks.pushed('bob', 1, 10);
  marks.pushed('bob', 2, 11);
  marks.pushed('carol', 3, 12);
  assert.equal(marks.countAbove('Bob', 10), 1);
  assert.equal(marks.countAbove('carol', 0), 1);
});
