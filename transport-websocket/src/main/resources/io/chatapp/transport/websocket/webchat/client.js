// A connection to the chat server over WebSocket: one protocol frame per binary message.
//
// ChatConnection does the handshake, matches answers to requests by id, PINGs when quiet,
// turns pushes into events and, when the socket drops, reconnects with backoff, RESUMEs the
// session and SUBSCRIBEs again after the last seq it saw, dropping messages it already
// delivered, so the page sees nothing twice and loses nothing. Given failover servers (other
// nodes of a cluster), each reconnect attempt goes to the next server in turn, from the one
// after the server that went away, as the Java clients' FailoverConnector does.
//
// Events (CustomEvent, the frame or a value in `detail`):
//   state        { state: 'offline' | 'connecting' | 'online' | 'reconnecting', attempt?, error? }
//   message      a message pushed to this user (each id once)
//   carbon       a message this user sent from another session
//   receipt      PUSH_RECEIPT      presence  PUSH_PRESENCE     typing  PUSH_TYPING
//   withdrawal   PUSH_WITHDRAWAL   resumed   after a reconnect took the session up again
//   session-lost the session ended (logged out elsewhere, expired, account deleted): log in again

import { ChatError, FrameCodec, ProtocolError } from './codec.js';

// Version 1 in `version` (what a version 1 server reads), the others in the list (section 5).
const DEFAULT_VERSIONS = [1, 2, 3];
const UNAVAILABLE = 6;
const UNAUTHENTICATED = 2;
const SEEN_IDS_KEPT = 10000;
const MAX_FAILOVER_SERVERS = 16;

function unavailable(message) {
  return new ChatError({ code: UNAVAILABLE, message, reason: 'UNAVAILABLE' });
}

/** Backoff as SocketChatClient's: 100 ms doubling to 10 s, each pause drawn from the upper half. */
export function backoffMillis(attempt, random = Math.random) {
  const ceiling = Math.min(10000, 100 * 2 ** Math.min(attempt, 7));
  return ceiling / 2 + random() * (ceiling / 2);
}

export class ChatConnection extends EventTarget {
  /**
   * @param url the WebSocket URL (default: /chat on the page's host, ws or wss as the page)
   * @param failoverUrls other servers' WebSocket URLs, tried in turn after a drop (default none)
   * @param callTimeoutMillis how long a request may wait for its answer (default 30 s)
   */
  constructor({ url = defaultUrl(), failoverUrls = [], callTimeoutMillis = 30000, versions = DEFAULT_VERSIONS,
    WebSocketImpl = globalThis.WebSocket } = {}) {
    super();
    this.versions = versions;
    this.urls = [url];
    this.serverIndex = 0; // the server of this.urls connected to, or tried last
    this.setFailoverUrls(failoverUrls);
    this.callTimeoutMillis = callTimeoutMillis;
    this.WebSocketImpl = WebSocketImpl;
    this.state = 'offline';
    this.socket = null;
    this.codec = null;
    this.version = 0;
    this.maxFrameBytes = 4096;
    this.idleTimeoutMillis = 60000;
    this.pending = new Map(); // requestId -> { resolve, reject, timer }
    this.nextId = 1;
    this.token = null; // the session's token: the page stores it for reloads, never the password
    this.username = null;
    this.subscriptionId = 0;
    this.lastSeq = -1; // the highest seq of a message pushed to this user, for SUBSCRIBE after a reconnect
    this.seenIds = new Set();
    this.attempt = 0;
    this.wanted = false; // whether the page wants a connection (false after close())
    this.opening = null; // the promise of the handshake under way
    this.handshaken = false; // the socket is open and HELLO_OK has come
    this.pingTimer = null;
    this.reconnectTimer = null;
    this.lastSentAt = 0;
  }

  /** The URL of the server connected to, or tried last. */
  get url() {
    return this.urls[this.serverIndex];
  }

  /**
   * Sets the servers to move to when the connection drops: ws:// or wss:// URLs, at most 16;
   * anything else, and the first server itself, is left out.
   */
  setFailoverUrls(urls) {
    const current = this.url;
    const seen = new Set([sameServer(this.urls[0])]);
    const others = [];
    for (const u of Array.isArray(urls) ? urls : []) {
      const key = typeof u === 'string' && /^wss?:\/\/[^\s]+$/.test(u) ? sameServer(u) : null;
      if (key && !seen.has(key)) {
        seen.add(key);
        others.push(u);
      }
    }
    this.urls = [this.urls[0], ...others.slice(0, MAX_FAILOVER_SERVERS)];
    // A reconnect may have moved on before the list came: stay with the server it reached.
    this.serverIndex = Math.max(0, this.urls.indexOf(current));
  }

  setState(state, extra = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, ...extra } }));
  }

  /** Opens the connection (and the handshake) if it is not open; resolves once HELLO_OK has come. */
  connect() {
    this.wanted = true;
    if (this.handshaken) return Promise.resolve();
    if (!this.opening) this.opening = this.open().finally(() => { this.opening = null; });
    return this.opening;
  }

  open() {
    clearTimeout(this.reconnectTimer);
    if (this.state !== 'reconnecting') this.setState('connecting');
    return new Promise((resolve, reject) => {
      const socket = new this.WebSocketImpl(this.url);
      socket.binaryType = 'arraybuffer';
      this.socket = socket;
      this.codec = new FrameCodec();
      this.handshaken = false;
      let opened = false;
      socket.onopen = () => {
        // nothing else is sent before HELLO_OK: with version 3 the next frames' header depends on it
        this.request({ op: 'HELLO', version: this.versions[0], versions: this.versions.slice(1) }, true)
          .then((ok) => {
            if (!this.versions.includes(ok.version)) {
              throw new ProtocolError(`the server picked version ${ok.version}, which was not offered`);
            }
            this.codec.useVersion(ok.version, ok.epochMicros ?? 0);
            this.version = ok.version;
            this.maxFrameBytes = ok.maxFrameBytes;
            this.idleTimeoutMillis = ok.idleTimeoutMillis;
            opened = true;
            this.handshaken = true;
            this.startPings();
            if (!this.token) this.setState('online');
            resolve();
          })
          .catch((e) => {
            reject(e);
            socket.close();
          });
      };
      socket.onmessage = (event) => this.receive(socket, event.data);
      socket.onclose = () => {
        if (!opened) reject(unavailable(`cannot connect to ${this.url}`));
        this.closed(socket);
      };
      socket.onerror = () => {}; // onclose follows and says what is needed
    });
  }

  receive(socket, data) {
    if (socket !== this.socket) return;
    if (!(data instanceof ArrayBuffer)) {
      this.fail(socket, new ProtocolError('the server sent a text message; frames are binary'));
      return;
    }
    let frames;
    try {
      frames = this.codec.decodeAll(data);
    } catch (e) {
      this.fail(socket, e);
      return;
    }
    for (const frame of frames) this.dispatch(frame);
  }

  fail(socket, error) {
    console.warn('chat connection dropped:', error.message);
    socket.close();
  }

  dispatch(frame) {
    if (frame.op.startsWith('PUSH_') || frame.op === 'SUBSCRIPTION_ENDED') {
      if (frame.requestId === this.subscriptionId) this.push(frame);
      return;
    }
    const call = this.pending.get(frame.requestId);
    if (!call) {
      if (frame.op === 'ERROR' && frame.requestId === 0) console.warn('chat server:', frame.message);
      return;
    }
    this.pending.delete(frame.requestId);
    clearTimeout(call.timer);
    if (frame.op === 'ERROR') call.reject(new ChatError(frame));
    else call.resolve(frame);
  }

  push(frame) {
    switch (frame.op) {
      case 'PUSH_MESSAGE': {
        const m = frame.message;
        if (m.seq > this.lastSeq) this.lastSeq = m.seq;
        if (this.remember(m.id)) this.emit('message', m);
        break;
      }
      case 'PUSH_CARBON':
        if (this.remember(frame.message.id)) this.emit('carbon', frame.message);
        break;
      case 'PUSH_RECEIPT': this.emit('receipt', frame); break;
      case 'PUSH_PRESENCE': this.emit('presence', frame); break;
      case 'PUSH_TYPING': this.emit('typing', frame); break;
      case 'PUSH_WITHDRAWAL': this.emit('withdrawal', frame); break;
      case 'SUBSCRIPTION_ENDED':
        this.subscriptionId = 0;
        if (frame.code === UNAUTHENTICATED) this.sessionLost(new ChatError(frame));
        else if (frame.code !== UNAVAILABLE) this.subscribe().catch(() => this.socket?.close());
        // UNAVAILABLE: the server shuts down and closes; the reconnect subscribes again
        break;
      default:
    }
  }

  /** True the first time a message id is seen. */
  remember(id) {
    if (this.seenIds.has(id)) return false;
    if (this.seenIds.size >= SEEN_IDS_KEPT) this.seenIds.delete(this.seenIds.values().next().value);
    this.seenIds.add(id);
    return true;
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /**
   * Sends a request and resolves with its answer; rejects with ChatError for an ERROR, or
   * UNAVAILABLE when the connection drops or the answer takes longer than the call timeout.
   */
  async request(frame, handshake = false) {
    if (!handshake) await this.connect();
    return this.send(frame, handshake);
  }

  /**
   * Sends a request of the page once the connection is online with its session (waiting through a
   * reconnect, at most the call timeout), and resolves with its answer as request().
   */
  async call(frame) {
    if (this.state !== 'online') await this.whenOnline();
    return this.send(frame, false);
  }

  whenOnline() {
    if (!this.wanted) return this.connect();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.removeEventListener('state', listener);
        reject(unavailable(`not online within ${this.callTimeoutMillis} ms`));
      }, this.callTimeoutMillis);
      const listener = (event) => {
        if (event.detail.state === 'online') {
          clearTimeout(timer);
          this.removeEventListener('state', listener);
          resolve();
        }
      };
      this.addEventListener('state', listener);
    });
  }

  /**
   * Sends `frame` with a new request id and resolves with its answer. `onId`, if given, hears the
   * id before the frame goes out (a SUBSCRIBE's pushes may arrive before its answer).
   */
  send(frame, handshake, onId) {
    const socket = this.socket;
    if (!socket || socket.readyState !== 1) throw unavailable('not connected');
    const requestId = this.takeId();
    const bytes = this.codec.encode({ ...frame, requestId });
    if (bytes.length - 4 > this.maxFrameBytes && !handshake) {
      const message = `frame of ${bytes.length - 4} bytes exceeds limit ${this.maxFrameBytes}`;
      throw new ChatError({ code: 1, message, reason: 'FRAME_TOO_LARGE' });
    }
    onId?.(requestId);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(unavailable(`no answer to ${frame.op} within ${this.callTimeoutMillis} ms`));
      }, this.callTimeoutMillis);
      this.pending.set(requestId, { resolve, reject, timer, op: frame.op });
      this.lastSentAt = Date.now();
      socket.send(bytes);
    });
  }

  takeId() {
    do {
      this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    } while (this.pending.has(this.nextId) || this.nextId === this.subscriptionId);
    return this.nextId;
  }

  startPings() {
    clearInterval(this.pingTimer);
    const every = Math.max(1000, Math.floor(this.idleTimeoutMillis / 3));
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastSentAt >= every - 100) {
        // a PING unanswered within a third of the idle timeout means a dead connection: drop it and reconnect
        this.request({ op: 'PING' }, true).catch(() => this.socket?.close());
      }
    }, every);
  }

  closed(socket) {
    if (socket !== this.socket) return;
    clearInterval(this.pingTimer);
    this.socket = null;
    this.handshaken = false;
    this.subscriptionId = 0;
    for (const call of this.pending.values()) {
      clearTimeout(call.timer);
      call.reject(unavailable('the connection closed'));
    }
    this.pending.clear();
    if (this.wanted) this.scheduleReconnect();
    else this.setState('offline');
  }

  scheduleReconnect() {
    const delay = backoffMillis(this.attempt++);
    this.setState('reconnecting', { attempt: this.attempt });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.reconnect(), delay);
  }

  async reconnect() {
    // The next server in turn; with none given, the same one again.
    this.serverIndex = (this.serverIndex + 1) % this.urls.length;
    try {
      await this.connect();
    } catch {
      return; // the close schedules the next attempt
    }
    if (this.token) {
      try {
        await this.request({ op: 'RESUME', token: this.token });
        await this.subscribe();
      } catch (e) {
        if (e instanceof ChatError && e.code === UNAUTHENTICATED) {
          // connected, but the session is gone: the page asks the user to log in again
          this.attempt = 0;
          this.setState('online');
          this.sessionLost(e);
        } else {
          this.socket?.close();
        }
        return;
      }
    }
    this.attempt = 0;
    this.setState('online');
    this.emit('resumed', {});
  }

  sessionLost(error) {
    this.token = null;
    this.username = null;
    this.emit('session-lost', error);
  }

  /** Opens the connection and takes `session` on (the answer to LOGIN or RESUME), then subscribes. */
  async takeSession(session) {
    this.token = session.token;
    this.username = session.username;
    if (this.lastSeq < session.lastReadSeq) this.lastSeq = session.lastReadSeq;
    await this.subscribe();
    this.attempt = 0;
    this.setState('online');
    return session;
  }

  /** Subscribes after the last seq seen (the read mark at first), replaying what came meanwhile. */
  async subscribe() {
    if (!this.socket || !this.handshaken) throw unavailable('not connected');
    const answer = this.send({ op: 'SUBSCRIBE', afterSeq: this.lastSeq }, false, (id) => { this.subscriptionId = id; });
    try {
      await answer;
    } catch (e) {
      if (e instanceof ChatError && e.reason === 'AFTER_SEQ_BEYOND_LAST') {
        // the mailbox shrank (a sender withdrew messages): nothing above it is left to miss
        this.lastSeq = -1;
        return this.subscribe();
      }
      throw e;
    }
    return undefined;
  }

  /**
   * Sends a message and resolves with it as stored, the same on every version (version 3 answers
   * SENT, without the text the client sent).
   */
  async sendMessage(recipient, text, clientMessageId) {
    const answer = await this.call({ op: 'SEND', recipient, text, clientMessageId });
    if (answer.op === 'MESSAGE') return answer.message;
    const { id, seq, sentAtMicros, sender, senderId, recipient: to, recipientId } = answer;
    return { id, sender, recipient: to, text, sentAtMicros, seq, senderId, recipientId };
  }

  async login(username, password) {
    const session = await this.request({ op: 'LOGIN', username, password });
    return this.takeSession(session);
  }

  async resume(token) {
    const session = await this.request({ op: 'RESUME', token });
    return this.takeSession(session);
  }

  async createAccount(username, password) {
    await this.request({ op: 'CREATE_ACCOUNT', username, password });
  }

  /** Ends the session on the server (best effort) and forgets it here. */
  async logout() {
    try {
      if (this.state === 'online') await this.send({ op: 'LOGOUT' }, false);
    } finally {
      this.forget();
    }
  }

  async deleteAccount(password) {
    await this.call({ op: 'DELETE_ACCOUNT', password });
    this.forget();
  }

  forget() {
    this.token = null;
    this.username = null;
    this.lastSeq = -1;
    this.seenIds.clear();
    this.subscriptionId = 0;
  }

  /** Closes the connection for good (until connect() is called again). */
  close() {
    this.wanted = false;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    if (this.socket) this.socket.close();
    else this.setState('offline');
  }
}

/** A URL as one server has it, default port written out: ws://host and ws://host:80 are one. */
function sameServer(url) {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || (u.protocol === 'wss:' ? '443' : '80')}${u.pathname}`;
  } catch {
    return null;
  }
}

function defaultUrl() {
  const { protocol, host } = globalThis.location ?? { protocol: 'http:', host: '127.0.0.1:8080' };
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/chat`;
}
