// The web chat page: log in or sign up, a conversation list, a conversation view, over a
// ChatConnection. Every text from the server goes into the DOM with textContent, never as HTML.

import { ChatConnection } from './client.js';
import { ChatError, Status } from './codec.js';
import { ConversationList, key } from './conversation-list.js';
import { MessageList, el, formatTime } from './message-list.js';
import { ReadMarks } from './read-marks.js';

const TOKEN_KEY = 'chatapp.session';
const PAGE = 30;
const TYPING_SHOWN_MILLIS = 6000;
const TYPING_SENT_EVERY_MILLIS = 2000;

const $ = (id) => document.getElementById(id);
const conn = new ChatConnection();
// The other nodes of a cluster, when the server names any: the connection moves to them in turn
// if this server goes away. Without them (or the file), it comes back to this server.
fetch('/servers.json', { cache: 'no-cache' })
  .then((r) => (r.ok ? r.json() : null))
  .then((servers) => { if (servers) conn.setFailoverUrls(servers.failover); })
  .catch(() => {});

const state = {
  me: null,
  peer: null, // the open conversation's peer
  loadingOlder: false,
  noOlder: false,
  receipts: new Map(), // lower-case peer -> { [status]: highest uptoMessageId }: a receipt may beat the SEND's answer
  lastTypingSent: 0,
  typingTimer: null,
};

const messages = new MessageList($('messages'), (id) => deleteMessage(id));
const readMarks = new ReadMarks();
const conversations = new ConversationList($('conversations'), $('no-conversations'), (peer) => openConversation(peer));

/** Adds entries to the open conversation, outgoing ones at the status their receipts say. */
function addEntries(entries) {
  messages.add(entries, receiptStatus);
}

function showError(target, error) {
  $(target).textContent = error ? describe(error) : '';
}

function describe(error) {
  if (error instanceof ChatError) {
    switch (error.reason) {
      case 'BAD_CREDENTIALS': return 'Wrong username or password.';
      case 'LOGIN_THROTTLED':
        return `Too many attempts: wait ${Math.ceil(error.retryAfterMillis / 1000) || 'a few'} s.`;
      default:
        if (error.codeName === 'ALREADY_EXISTS') return 'That username is taken.';
        return error.message;
    }
  }
  return error.message ?? String(error);
}

// ---- connection state ------------------------------------------------------------------------

const STATE_TEXT = {
  offline: 'offline', connecting: 'connecting…', online: 'online', reconnecting: 'reconnecting…',
};

conn.addEventListener('state', (event) => {
  const { state: s } = event.detail;
  const badge = $('conn-state');
  badge.dataset.state = s;
  badge.textContent = STATE_TEXT[s] ?? s;
  $('send').disabled = s !== 'online' && s !== 'reconnecting';
});

conn.addEventListener('resumed', () => {
  // pushes of receipts, presence and typing are live only: read what they would have told
  refreshConversations();
  if (state.peer) reloadHistory();
});

conn.addEventListener('session-lost', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showLoggedOut('Your session ended; log in again.');
});

// ---- auth ------------------------------------------------------------------------------------

function credentials() {
  return { username: $('auth-username').value.trim(), password: $('auth-password').value };
}

async function logIn(signUp) {
  const { username, password } = credentials();
  showError('auth-error', null);
  if (!username || !password) {
    $('auth-error').textContent = 'Enter a username and a password.';
    return;
  }
  setBusy(true);
  try {
    if (signUp) await conn.createAccount(username, password);
    const session = await conn.login(username, password);
    $('auth-password').value = '';
    sessionStorage.setItem(TOKEN_KEY, session.token);
    await enterChat(session);
  } catch (e) {
    showError('auth-error', e);
  } finally {
    setBusy(false);
  }
}

function setBusy(busy) {
  $('login-button').disabled = busy;
  $('signup-button').disabled = busy;
}

$('auth-form').addEventListener('submit', (event) => {
  event.preventDefault();
  logIn(false);
});
$('signup-button').addEventListener('click', () => logIn(true));

async function enterChat(session) {
  const { username } = session;
  readMarks.atLeast(session.lastReadSeq);
  state.me = username;
  $('me').textContent = username;
  $('auth').hidden = true;
  $('chat').hidden = false;
  $('account').hidden = false;
  document.body.classList.remove('show-conversation');
  await Promise.all([refreshConversations(), readSettings()]);
  $('search-input').focus();
}

// ---- settings --------------------------------------------------------------------------------

function showSettings(settings) {
  $('setting-read-receipts').checked = settings.readReceipts;
  $('setting-show-presence').checked = settings.showPresence;
}

async function readSettings() {
  showSettings(await conn.call({ op: 'GET_SETTINGS' }));
}

async function updateSettings() {
  const wanted = { readReceipts: $('setting-read-receipts').checked, showPresence: $('setting-show-presence').checked };
  try {
    showSettings(await conn.call({ op: 'UPDATE_SETTINGS', ...wanted }));
    showError('chat-error', null);
  } catch (e) {
    showError('chat-error', e);
    readSettings().catch(() => {});
  }
}

$('setting-read-receipts').addEventListener('change', updateSettings);
$('setting-show-presence').addEventListener('change', updateSettings);

// a click outside the account menu closes it
document.addEventListener('click', (event) => {
  if ($('menu').open && !$('menu').contains(event.target)) $('menu').open = false;
});

function showLoggedOut(message) {
  state.me = null;
  state.peer = null;
  conversations.clear();
  messages.clear();
  readMarks.clear();
  state.receipts.clear();
  $('search-results').replaceChildren();
  $('chat').hidden = true;
  $('menu').open = false;
  $('account').hidden = true;
  $('auth').hidden = false;
  $('auth-error').textContent = message ?? '';
  $('auth-username').focus();
}

$('logout').addEventListener('click', async () => {
  sessionStorage.removeItem(TOKEN_KEY);
  try {
    await conn.logout();
  } catch {
    // the session is forgotten here either way; the server ends it when it expires
  }
  showLoggedOut();
});

$('delete-account').addEventListener('click', () => {
  $('menu').open = false;
  $('delete-password').value = '';
  $('delete-error').textContent = '';
  $('delete-dialog').showModal();
  $('delete-password').focus();
});
$('delete-cancel').addEventListener('click', () => $('delete-dialog').close());
$('delete-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    await conn.deleteAccount($('delete-password').value);
    $('delete-password').value = '';
    $('delete-dialog').close();
    sessionStorage.removeItem(TOKEN_KEY);
    showLoggedOut('Your account was deleted.');
  } catch (e) {
    showError('delete-error', e);
  }
});

// ---- conversation list -----------------------------------------------------------------------

let refreshing = null; // the refresh under way
let refreshAgain = false; // a refresh was asked for while one ran

/** Reads the conversation list again; calls while one runs coalesce into one more after it. */
function refreshConversations() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = readConversations().finally(() => {
    refreshing = null;
    if (refreshAgain) {
      refreshAgain = false;
      refreshConversations().catch(() => {});
    }
  });
  return refreshing;
}

async function readConversations() {
  const list = [];
  let pageToken = null;
  for (let page = 0; page < 10; page++) {
    // eslint-disable-next-line no-await-in-loop
    const answer = await conn.call({ op: 'LIST_CONVERSATIONS', pageToken, limit: 100 });
    list.push(...answer.conversations);
    pageToken = answer.nextPageToken;
    if (!pageToken) break;
  }
  const openPeer = state.peer && !document.hidden ? state.peer : null;
  conversations.merge(list, (k, lastId) => readMarks.countAbove(k, lastId), openPeer);
  renderConversations();
  if (state.peer) renderPeerHeader();
}

function renderConversations() {
  conversations.render(state.peer);
  const unread = conversations.totalUnread();
  document.title = unread > 0 ? `(${unread}) chatapp` : 'chatapp';
}

// ---- directory search ------------------------------------------------------------------------

$('search-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = $('search-input').value.trim();
  const pattern = text === '' ? '*' : /[*?]/.test(text) ? text : `${text}*`;
  try {
    const answer = await conn.call({ op: 'LIST_ACCOUNTS', pattern, pageToken: null, limit: 20 });
    const results = answer.accounts.filter((a) => key(a.username) !== key(state.me));
    $('search-results').replaceChildren(...results.map((a) => {
      const item = el('li');
      const button = el('button', 'search-result', a.username);
      button.type = 'button';
      button.dataset.username = a.username;
      button.dataset.test = 'search-result';
      button.addEventListener('click', () => {
        $('search-results').replaceChildren();
        $('search-input').value = '';
        const c = conversations.get(a.username);
        if (c.lastId === 0) c.online = a.online;
        openConversation(a.username);
      });
      item.append(button);
      return item;
    }));
    if (results.length === 0) $('search-results').append(el('li', 'hint', `Nobody matches ${pattern}`));
    showError('chat-error', null);
  } catch (e) {
    showError('chat-error', e);
  }
});

// ---- the open conversation -------------------------------------------------------------------

async function openConversation(peer) {
  conversations.get(peer);
  state.peer = peer;
  document.body.classList.add('show-conversation');
  $('composer').hidden = false;
  $('typing').textContent = '';
  renderPeerHeader();
  renderConversations();
  await reloadHistory();
  $('message-input').focus();
}

$('back').addEventListener('click', () => {
  document.body.classList.remove('show-conversation');
  state.peer = null;
  renderConversations();
});

function renderPeerHeader() {
  const c = conversations.get(state.peer);
  $('peer-name').textContent = c.peer;
  const presence = $('peer-presence');
  presence.dataset.online = String(c.online);
  if (c.peerDeleted) presence.textContent = 'account deleted';
  else if (c.online) presence.textContent = 'online';
  else if (c.lastSeenMicros) presence.textContent = `last seen ${formatTime(c.lastSeenMicros)}`;
  else presence.textContent = 'offline';
}

async function reloadHistory() {
  const peer = state.peer;
  messages.clear();
  state.noOlder = false;
  const answer = await conn.call({ op: 'HISTORY', peer, beforeId: 0, limit: PAGE });
  if (state.peer !== peer) return;
  addEntries(answer.entries);
  state.noOlder = answer.entries.length === 0;
  renderOlderControls();
  scrollToBottom();
  markRead();
  if (!state.noOlder && answer.entries.length < PAGE) await loadOlder();
}

async function loadOlder() {
  if (state.loadingOlder || state.noOlder || !state.peer) return;
  state.loadingOlder = true;
  const peer = state.peer;
  const scroller = $('messages-scroll');
  const fromBottom = scroller.scrollHeight - scroller.scrollTop;
  let short = false;
  try {
    const answer = await conn.call({ op: 'HISTORY', peer, beforeId: messages.oldestId, limit: PAGE });
    if (state.peer !== peer) return;
    if (answer.entries.length === 0) state.noOlder = true;
    short = answer.entries.length < PAGE;
    addEntries(answer.entries);
    // keep the message the user was looking at in place
    scroller.scrollTop = scroller.scrollHeight - fromBottom;
  } catch (e) {
    showError('chat-error', e);
  } finally {
    state.loadingOlder = false;
    renderOlderControls();
  }
  // a short page may still have older messages behind it (the server caps a page's bytes), and
  // only an empty page says there are none: ask at once rather than on the next scroll
  if (short && !state.noOlder) await loadOlder();
}

function renderOlderControls() {
  $('load-older').hidden = state.noOlder || messages.size === 0;
  $('history-start').hidden = !state.noOlder || messages.size === 0;
}

$('messages-scroll').addEventListener('scroll', () => {
  if ($('messages-scroll').scrollTop < 40) loadOlder();
});
$('load-older').addEventListener('click', () => loadOlder());

function scrollToBottom() {
  const scroller = $('messages-scroll');
  scroller.scrollTop = scroller.scrollHeight;
}

function nearBottom() {
  const scroller = $('messages-scroll');
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
}

async function deleteMessage(id) {
  try {
    await conn.call({ op: 'DELETE_MESSAGES', messageIds: [id] });
    messages.remove(id);
  } catch (e) {
    showError('chat-error', e);
  }
}

// ---- sending ---------------------------------------------------------------------------------

let sendCounter = 0;
const clientIdPrefix = `w-${Math.random().toString(36).slice(2, 10)}-`;

async function sendMessage(text) {
  const peer = state.peer;
  // the same client message id on a retry makes a SEND that got through before a drop count once
  const clientMessageId = `${clientIdPrefix}${++sendCounter}`;
  for (let attempt = 0; ; attempt++) {
    try {
      // eslint-disable-next-line no-await-in-loop
      const message = await conn.sendMessage(peer, text, clientMessageId);
      const entry = { message, outgoing: true, status: Status.SENT };
      const c = conversations.get(message.recipient);
      // a new conversation: its presence now shows, but no push says so
      if (c.lastId === 0) refreshConversations().catch(() => {});
      c.last = entry;
      c.lastId = message.id;
      renderConversations();
      if (state.peer && key(state.peer) === key(peer)) {
        addEntries([entry]);
        scrollToBottom();
      }
      return true;
    } catch (e) {
      if (!(e instanceof ChatError) || e.codeName !== 'UNAVAILABLE' || attempt >= 3) {
        showError('chat-error', e);
        return false;
      }
    }
  }
}

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('message-input');
  const text = input.value;
  if (text.trim() === '' || !state.peer) return;
  input.value = '';
  fitComposer();
  showError('chat-error', null);
  if (!(await sendMessage(text)) && input.value === '') input.value = text;
});

$('message-input').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $('composer').requestSubmit();
  }
});

/** Grows the composer with its lines, up to six (rows, not a style: the page's CSP allows none). */
function fitComposer() {
  const input = $('message-input');
  input.rows = Math.min(6, Math.max(1, input.value.split('\n').length));
}

$('message-input').addEventListener('input', () => {
  fitComposer();
  const now = Date.now();
  if (!state.peer || now - state.lastTypingSent < TYPING_SENT_EVERY_MILLIS || $('message-input').value === '') return;
  state.lastTypingSent = now;
  conn.call({ op: 'TYPING', peer: state.peer }).catch(() => {});
});

// ---- pushes ----------------------------------------------------------------------------------

conn.addEventListener('message', (event) => {
  const message = event.detail;
  const peer = key(message.sender) === key(conn.username) ? message.recipient : message.sender;
  const c = conversations.get(peer);
  c.typingUntil = 0;
  const entry = { message, outgoing: false, status: Status.DELIVERED };
  if (c.lastId === 0) refreshConversations().catch(() => {});
  if (message.id > c.lastId) {
    // a message at or below the list's newest is counted in the list's unread count already
    c.unread += 1;
    c.last = entry;
    c.lastId = message.id;
  }
  readMarks.pushed(peer, message.seq, message.id);
  if (state.peer && key(state.peer) === key(peer)) {
    const follow = nearBottom();
    addEntries([entry]);
    $('typing').textContent = '';
    if (follow) scrollToBottom();
    markRead();
  }
  renderConversations();
});

conn.addEventListener('carbon', (event) => {
  const message = event.detail;
  const c = conversations.get(message.recipient);
  const entry = { message, outgoing: true, status: Status.SENT };
  if (message.id > c.lastId) {
    c.last = entry;
    c.lastId = message.id;
  }
  if (state.peer && key(state.peer) === key(message.recipient)) addEntries([entry]);
  renderConversations();
});

/** The highest status the receipts received so far give an outgoing message, 0 for none. */
function receiptStatus(message) {
  const marks = state.receipts.get(key(message.recipient));
  if (!marks) return 0;
  let best = 0;
  for (const [status, upto] of Object.entries(marks)) {
    if (message.id <= upto && Number(status) > best) best = Number(status);
  }
  return best;
}

conn.addEventListener('receipt', (event) => {
  const { peer, status, uptoMessageId } = event.detail;
  const marks = state.receipts.get(key(peer)) ?? {};
  if (!(marks[status] >= uptoMessageId)) marks[status] = uptoMessageId;
  state.receipts.set(key(peer), marks);
  const c = conversations.find(peer);
  if (c?.last?.outgoing && c.last.message.id <= uptoMessageId && c.last.status < status) c.last.status = status;
  if (state.peer && key(state.peer) === key(peer)) messages.raise(status, uptoMessageId);
});

conn.addEventListener('presence', (event) => {
  const { username, online, lastSeenMicros } = event.detail;
  const c = conversations.get(username);
  c.online = online;
  c.lastSeenMicros = lastSeenMicros;
  renderConversations();
  if (state.peer && key(state.peer) === key(username)) renderPeerHeader();
});

conn.addEventListener('typing', (event) => {
  const { username } = event.detail;
  const c = conversations.get(username);
  c.typingUntil = Date.now() + TYPING_SHOWN_MILLIS;
  if (state.peer && key(state.peer) === key(username)) $('typing').textContent = `${c.peer} is typing…`;
  renderConversations();
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(() => {
    $('typing').textContent = '';
    renderConversations();
  }, TYPING_SHOWN_MILLIS);
});

conn.addEventListener('withdrawal', (event) => {
  const { sender, afterSeq } = event.detail;
  if (state.peer && key(state.peer) === key(sender)) messages.removeReceivedAfter(afterSeq);
  refreshConversations().catch(() => {});
});

// ---- read marks ------------------------------------------------------------------------------

/** Acknowledges what the user now sees (see ReadMarks: the mark is the whole mailbox's). */
function markRead() {
  if (!state.peer || document.hidden) return;
  const upto = readMarks.seen(state.peer, messages.highestReceivedSeq());
  const c = conversations.get(state.peer);
  if (c.unread > 0) {
    c.unread = 0;
    renderConversations();
  }
  if (upto > 0) conn.call({ op: 'ACK', uptoSeq: upto }).catch(() => {});
}

document.addEventListener('visibilitychange', () => markRead());

// ---- start -----------------------------------------------------------------------------------

async function start() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    $('auth-username').focus();
    return;
  }
  try {
    const session = await conn.resume(token);
    await enterChat(session);
  } catch (e) {
    if (e instanceof ChatError && e.codeName === 'UNAUTHENTICATED') sessionStorage.removeItem(TOKEN_KEY);
    showLoggedOut(e instanceof ChatError && e.codeName === 'UNAUTHENTICATED' ? '' : describe(e));
  }
}

window.chatapp = { connection: conn, state }; // for the browser tests and the curious
start();
