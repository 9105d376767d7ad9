// ChatConnection against a scripted server on a fake WebSocket, under node (not part of mvn):
//   node --test examples/src/test/js/ (WebChatNodeTest runs it in mvn verify)
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { ChatConnection } from '../../../../transport-websocket/src/main/resources/io/chatapp/transport/websocket/webchat/client.js';
import { ChatError, FrameCodec } from '../../../../transport-websocket/src/main/resources/io/chatapp/transport/websocket/webchat/codec.js';

/** The server's end of one fake WebSocket: what the client sent, decoded, and a way to answer. */
class FakeSocket {
  static all = [];

  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.codec = new FrameCodec();
    this.received = [];
    FakeSocket.all.push(this);
  }

  send(bytes) {
    const [frame] = this.codec.decodeAll(bytes);
    this.received.push(frame);
  }

  close() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({});
  }

  // ---- the test's side ----

  open() {
    this.readyState = 1;
    this.onopen?.({});
  }

  reply(frame) {
    const bytes = this.codec.encode(frame);
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) });
  }

  /** The last frame the client sent, which must be `op`. */
  last(op) {
    const frame = this.received.at(-1);
    assert.equal(frame?.op, op, `expected ${op}, the client sent ${JSON.stringify(frame)}`);
    return frame;
  }

  /** Answers the client's HELLO with version 2. */
  handshake() {
    const hello = this.last('HELLO');
    this.reply({ op: 'HELLO_OK', requestId: hello.requestId, version: 2, maxFrameBytes: 1 << 20, idleTimeoutMillis: 60000 });
    this.codec.useVersion(2);
  }
}

const flush = () => new Promise((resolve) => { setImmediate(resolve); });

function message(id, seq) {
  return { id, sender: 'bob', recipient: 'alice', text: `m${id}`, sentAtMicros: 1704067200000000, seq, senderId: 2, recipientId: 1 };
}

function events(connection, type) {
  const seen = [];
  connection.addEventListener(type, (e) => seen.push(e.detail));
  return seen;
}

async function loggedIn(failoverUrls = []) {
  FakeSocket.all = [];
  const connection = new ChatConnection({ url: 'ws://test/chat', failoverUrls, WebSocketImpl: FakeSocket });
  const login = connection.login('alice', 'pw');
  const socket = FakeSocket.all[0];
  socket.open();
  await flush();
  socket.handshake();
  await flush();
  const request = socket.last('LOGIN');
  socket.reply({ op: 'SESSION', requestId: request.requestId, token: 'tok', username: 'alice', unreadCount: 0, lastReadSeq: 0 });
  await flush();
  const subscribe = socket.last('SUBSCRIBE');
  assert.equal(subscribe.afterSeq, 0, 'the first subscription starts at the read mark');
  socket.reply({ op: 'OK', requestId: subscribe.requestId });
  await login;
  return { connection, socket, subscribeId: subscribe.requestId };
}

test('the handshake offers versions 1 to 3 and takes the one picked', async () => {
  FakeSocket.all = [];
  const connection = new ChatConnection({ url: 'ws://test/chat', WebSocketImpl: FakeSocket });
  const states = events(connection, 'state');
  const connected = connection.connect();
  const socket = FakeSocket.all[0];
  socket.open();
  await flush();
  const hello = socket.last('HELLO');
  assert.deepEqual([hello.version, hello.versions], [1, [2, 3]]);
  socket.handshake();
  await connected;
  assert.equal(connection.version, 2);
  assert.deepEqual(states.map((s) => s.state), ['connecting', 'online']);
  connection.close();
});

test('answers are matched by request id, whatever their order', async () => {
  const { connection, socket } = await loggedIn();
  const first = connection.call({ op: 'TYPING', peer: 'bob' });
  const second = connection.call({ op: 'GET_SETTINGS' });
  await flush();
  const [typing, settings] = socket.received.slice(-2);
  socket.reply({ op: 'SETTINGS', requestId: settings.requestId, readReceipts: true, showPresence: false });
  socket.reply({ op: 'ERROR', requestId: typing.requestId, code: 3, message: 'no such user: bob', reason: 'NO_SUCH_USER', retryAfterMillis: 0 });
  assert.equal((await second).showPresence, false);
  await assert.rejects(first, (e) => e instanceof ChatError && e.codeName === 'NOT_FOUND' && e.reason === 'NO_SUCH_USER');
  connection.close();
});

test('pushes of another subscription are dropped', async () => {
  const { connection, socket, subscribeId } = await loggedIn();
  const messages = events(connection, 'message');
  socket.reply({ op: 'PUSH_MESSAGE', requestId: subscribeId + 1000, message: message(10, 1) });
  socket.reply({ op: 'PUSH_MESSAGE', requestId: subscribeId, message: message(11, 2) });
  assert.deepEqual(messages.map((m) => m.id), [11]);
  connection.close();
});

test('after a drop it reconnects, resumes, subscribes after the last seq and shows nothing twice', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  try {
    const { connection, socket, subscribeId } = await loggedIn();
    const messages = events(connection, 'message');
    const states = events(connection, 'state');
    const resumed = events(connection, 'resumed');
    socket.reply({ op: 'PUSH_MESSAGE', requestId: subscribeId, message: message(10, 1) });
    socket.reply({ op: 'PUSH_MESSAGE', requestId: subscribeId, message: message(11, 2) });
    const pending = connection.call({ op: 'GET_SETTINGS' });
    await flush();

    socket.close();
    await assert.rejects(pending, (e) => e instanceof ChatError && e.codeName === 'UNAVAILABLE');
    assert.equal(states.at(-1).state, 'reconnecting');
    mock.timers.tick(10000); // past the first backoff pause, whatever its jitter
    const again = FakeSocket.all[1];
    assert.ok(again, 'a new socket after the pause');
    again.open();
    await flush();
    again.handshake();
    await flush();
    const resume = again.last('RESUME');
    assert.equal(resume.token, 'tok');
    again.reply({ op: 'SESSION', requestId: resume.requestId, token: 'tok', username: 'alice', unreadCount: 2, lastReadSeq: 0 });
    await flush();
    const subscribe = again.last('SUBSCRIBE');
    assert.equal(subscribe.afterSeq, 2, 'after the last seq seen, not the read mark');
    // the replay may repeat what came before the drop
    again.reply({ op: 'PUSH_MESSAGE', requestId: subscribe.requestId, message: message(11, 2) });
    again.reply({ op: 'PUSH_MESSAGE', requestId: subscribe.requestId, message: message(12, 3) });
    again.reply({ op: 'OK', requestId: subscribe.requestId });
    await flush();
    assert.deepEqual(messages.map((m) => m.id), [10, 11, 12]);
    assert.equal(connection.state, 'online');
    assert.equal(resumed.length, 1);
    connection.close();
  } finally {
    mock.timers.reset();
  }
});

test('after a drop it moves to the failover servers in turn and resumes there', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  try {
    const { connection, socket, subscribeId } = await loggedIn(
      ['ws://b/chat', 'http://not-a-websocket/chat', 'ws://test:80/chat', 'ws://c/chat', 'ws://b:80/chat']);
    assert.deepEqual(connection.urls, ['ws://test/chat', 'ws://b/chat', 'ws://c/chat'],
      'only WebSocket URLs, each server once (default port or not), the first server not again');
    const messages = events(connection, 'message');
    socket.reply({ op: 'PUSH_MESSAGE', requestId: subscribeId, message: message(10, 1) });
    socket.close();
    mock.timers.tick(10000);
    const b = FakeSocket.all[1];
    assert.equal(b.url, 'ws://b/chat', 'the server after the one that went away');
    b.close(); // b is down too
    await flush();
    mock.timers.tick(10000);
    const c = FakeSocket.all[2];
    assert.equal(c.url, 'ws://c/chat');
    c.open();
    await flush();
    c.handshake();
    await flush();
    const resume = c.last('RESUME');
    assert.equal(resume.token, 'tok', 'the session resumes on the other node');
    c.reply({ op: 'SESSION', requestId: resume.requestId, token: 'tok', username: 'alice', unreadCount: 1, lastReadSeq: 0 });
    await flush();
    const subscribe = c.last('SUBSCRIBE');
    assert.equal(subscribe.afterSeq, 1);
    c.reply({ op: 'PUSH_MESSAGE', requestId: subscribe.requestId, message: message(11, 2) });
    c.reply({ op: 'OK', requestId: subscribe.requestId });
    await flush();
    assert.deepEqual(messages.map((m) => m.id), [10, 11]);
    assert.equal(connection.state, 'online');
    assert.equal(connection.url, 'ws://c/chat');
    // and when c goes, the turn comes round to the first server again
    c.close();
    mock.timers.tick(10000);
    assert.equal(FakeSocket.all[3].url, 'ws://test/chat');
    connection.close();
  } finally {
    mock.timers.reset();
  }
});

test('a failover list that comes after a move keeps the server reached', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  try {
    const { connection, socket } = await loggedIn(['ws://b/chat']);
    socket.close();
    mock.timers.tick(10000);
    assert.equal(FakeSocket.all[1].url, 'ws://b/chat');
    connection.setFailoverUrls(['ws://b/chat', 'ws://c/chat']);
    assert.equal(connection.url, 'ws://b/chat', 'still the server the reconnect went to');
    FakeSocket.all[1].close();
    await flush();
    mock.timers.tick(10000);
    assert.equal(FakeSocket.all[2].url, 'ws://c/chat', 'and the next after it in turn');
    connection.close();
  } finally {
    mock.timers.reset();
  }
});

test('a session the server no longer knows ends in session-lost', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  try {
    const { connection, socket } = await loggedIn();
    const lost = events(connection, 'session-lost');
    socket.close();
    mock.timers.tick(10000);
    const again = FakeSocket.all[1];
    again.open();
    await flush();
    again.handshake();
    await flush();
    const resume = again.last('RESUME');
    again.reply({ op: 'ERROR', requestId: resume.requestId, code: 2, message: 'session ended', reason: 'SESSION_ENDED', retryAfterMillis: 0 });
    await flush();
    assert.equal(lost.length, 1);
    assert.equal(connection.token, null);
    assert.equal(connection.state, 'online', 'connected, without a session');
    connection.close();
  } finally {
    mock.timers.reset();
  }
});

test('a subscription the server ends for falling behind is taken up again after the last seq', async () => {
  const { connection, socket, subscribeId } = await loggedIn();
  socket.reply({ op: 'PUSH_MESSAGE', requestId: subscribeId, message: message(10, 7) });
  socket.reply({ op: 'SUBSCRIPTION_ENDED', requestId: subscribeId, code: 5, message: 'subscriber fell behind',
    reason: 'SUBSCRIBER_TOO_SLOW', retryAfterMillis: 0 });
  await flush();
  assert.equal(socket.last('SUBSCRIBE').afterSeq, 7);
  connection.close();
});

test('a SUBSCRIBE left unanswered fails as any request does, after the call timeout, and leaves nothing pending', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  try {
    const { connection, socket, subscribeId } = await loggedIn();
    const resubscribe = connection.subscribe();
    await flush();
    const subscribe = socket.last('SUBSCRIBE');
    assert.notEqual(subscribe.requestId, subscribeId);
    assert.equal(connection.subscriptionId, subscribe.requestId, 'pushes of the new subscription are taken before its OK');
    mock.timers.tick(30000);
    await assert.rejects(resubscribe, (e) => e instanceof ChatError && e.codeName === 'UNAVAILABLE'
      && e.message === 'no answer to SUBSCRIBE within 30000 ms');
    assert.equal(connection.pending.has(subscribe.requestId), false, 'nothing left pending');
    connection.close();
  } finally {
    mock.timers.reset();
  }
});
