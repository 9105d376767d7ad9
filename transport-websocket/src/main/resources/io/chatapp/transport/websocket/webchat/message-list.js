// The messages of the open conversation, as entries { message, outgoing, status } and as the
// <li>s that show them, in id order, each id once. Text goes into the DOM as textContent only.

import { Status } from './codec.js';

const STATUS_MARK = {
  [Status.SENT]: ['✓', 'sent'],
  [Status.DELIVERED]: ['✓✓', 'delivered'],
  [Status.READ]: ['✓✓', 'read'],
};

/** An element with a class and, if given, its text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A timestamp in microseconds as the page shows it: the time today, else the date and time. */
export function formatTime(micros) {
  const date = new Date(Number(micros) / 1000);
  return date.toDateString() === new Date().toDateString()
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export class MessageList {
  /**
   * @param list the <ol> the messages go in
   * @param onDelete called with a message id when its delete button is pressed
   */
  constructor(list, onDelete) {
    this.list = list;
    this.onDelete = onDelete;
    this.entries = new Map(); // id -> entry, with its `node`
    this.oldestId = 0; // the smallest id shown, for HISTORY's beforeId
  }

  get size() {
    return this.entries.size;
  }

  clear() {
    this.entries.clear();
    this.oldestId = 0;
    this.list.replaceChildren();
  }

  /**
   * Adds entries, in any order; an id already shown only raises its status.
   * @param statusFloor gives an outgoing message the status its receipts so far say (0 if none)
   */
  add(entries, statusFloor = () => 0) {
    for (const entry of entries) {
      const { id } = entry.message;
      if (this.oldestId === 0 || id < this.oldestId) this.oldestId = id;
      const known = this.entries.get(id);
      if (known) {
        if (entry.status > known.status) setStatus(known, entry.status);
        continue;
      }
      const added = { ...entry };
      if (added.outgoing) added.status = Math.max(added.status, statusFloor(added.message));
      this.entries.set(id, added);
      this.insert(added);
    }
  }

  /** Raises every outgoing message up to `uptoId` to at least `status`. */
  raise(status, uptoId) {
    for (const entry of this.entries.values()) {
      if (entry.outgoing && entry.message.id <= uptoId && entry.status < status) setStatus(entry, status);
    }
  }

  remove(id) {
    this.entries.get(id)?.node.remove();
    this.entries.delete(id);
  }

  /** Removes the received messages whose seq is above `afterSeq` (their sender withdrew them). */
  removeReceivedAfter(afterSeq) {
    for (const [id, entry] of this.entries) {
      if (!entry.outgoing && entry.message.seq > afterSeq) this.remove(id);
    }
  }

  /** The highest mailbox seq of a received message shown, 0 if none. */
  highestReceivedSeq() {
    let seq = 0;
    for (const entry of this.entries.values()) {
      if (!entry.outgoing) seq = Math.max(seq, Number(entry.message.seq));
    }
    return seq;
  }

  insert(entry) {
    const { message, outgoing } = entry;
    const item = el('li', `msg ${outgoing ? 'out' : 'in'}`);
    item.dataset.id = String(message.id);
    item.dataset.direction = outgoing ? 'out' : 'in';
    item.dataset.test = 'message';
    const who = el('span', 'visually-hidden', outgoing ? 'You said: ' : `${message.sender} said: `);
    const text = el('p', 'text', message.text);
    text.dataset.test = 'message-text';
    const meta = el('p', 'meta');
    const time = el('time', 'time', formatTime(message.sentAtMicros));
    time.dateTime = new Date(Number(message.sentAtMicros) / 1000).toISOString();
    meta.append(time);
    if (outgoing) {
      const status = el('span', 'status');
      status.dataset.test = 'status';
      meta.append(status);
    }
    const remove = el('button', 'delete', '×');
    remove.type = 'button';
    remove.dataset.test = 'delete-message';
    remove.setAttribute('aria-label', 'Delete message');
    remove.addEventListener('click', () => this.onDelete(message.id));
    meta.append(remove);
    item.append(who, text, meta);
    entry.node = item;
    setStatus(entry, entry.status);
    let before = null;
    for (const child of this.list.children) {
      if (Number(child.dataset.id) > Number(message.id)) {
        before = child;
        break;
      }
    }
    this.list.insertBefore(item, before);
  }
}

function setStatus(entry, status) {
  entry.status = status;
  const mark = entry.node?.querySelector('.status');
  if (!mark) return;
  const [symbol, name] = STATUS_MARK[status] ?? ['', ''];
  mark.textContent = symbol;
  mark.dataset.status = name;
  mark.setAttribute('aria-label', name);
  mark.title = name;
}
