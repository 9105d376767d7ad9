// The user's conversations, as the server lists them and as pushes since have changed them, and
// the list that shows them, newest first. Text goes into the DOM as textContent only.

import { el } from './message-list.js';

/** A user name as the server compares it: case does not matter. */
export const key = (name) => (name ?? '').toLowerCase();

export class ConversationList {
  /**
   * @param list the <ul> the conversations go in
   * @param emptyHint shown while there are none
   * @param onOpen called with a peer's name when its conversation is clicked
   */
  constructor(list, emptyHint, onOpen) {
    this.list = list;
    this.emptyHint = emptyHint;
    this.onOpen = onOpen;
    // lower-case peer -> { peer, unread, online, lastSeenMicros, last, lastId, peerDeleted, typingUntil }
    this.byPeer = new Map();
  }

  /** The conversation with `peer`, if there is one. */
  find(peer) {
    return this.byPeer.get(key(peer));
  }

  /** The conversation with `peer`, made empty if there is none yet. */
  get(peer) {
    let c = this.byPeer.get(key(peer));
    if (!c) {
      c = {
        peer, unread: 0, online: false, lastSeenMicros: null, last: null, lastId: 0, peerDeleted: false, typingUntil: 0,
      };
      this.byPeer.set(key(peer), c);
    }
    return c;
  }

  /** The unread messages of all conversations. */
  totalUnread() {
    let total = 0;
    for (const c of this.byPeer.values()) total += c.unread;
    return total;
  }

  clear() {
    this.byPeer.clear();
    this.list.replaceChildren();
  }

  /**
   * Takes in the server's list (LIST_CONVERSATIONS), keeping what is newer here.
   * @param unreadSince counts the messages from a peer pushed here with an id above the list's newest:
   *     stored after the server read the list, they are not in its unread count
   * @param openPeer the conversation the user is looking at, which has nothing unread
   */
  merge(conversations, unreadSince, openPeer) {
    for (const c of conversations) {
      const k = key(c.peer);
      const old = this.byPeer.get(k);
      const listLastId = c.last ? c.last.message.id : 0;
      const unread = k === key(openPeer) ? 0 : c.unreadCount + unreadSince(k, listLastId);
      const newer = old && old.lastId > listLastId;
      this.byPeer.set(k, {
        peer: c.peer,
        unread,
        online: c.presence.online,
        lastSeenMicros: c.presence.lastSeenMicros,
        last: newer ? old.last : c.last,
        lastId: newer ? old.lastId : listLastId,
        peerDeleted: c.peerDeleted,
        typingUntil: old?.typingUntil ?? 0,
      });
    }
  }

  /** Shows the conversations, newest first, `openPeer`'s marked as the current one. */
  render(openPeer) {
    const sorted = [...this.byPeer.values()].sort((a, b) => Number(b.lastId) - Number(a.lastId));
    this.list.replaceChildren(...sorted.map((c) => {
      const item = el('li', 'conversation-item');
      const button = el('button', 'conversation-button');
      button.type = 'button';
      button.dataset.peer = c.peer;
      button.dataset.test = 'conversation-item';
      if (key(openPeer) === key(c.peer)) button.setAttribute('aria-current', 'true');
      const dot = el('span', 'dot');
      dot.dataset.online = String(c.online);
      dot.dataset.test = 'presence-dot';
      dot.setAttribute('aria-label', c.online ? 'online' : 'offline');
      dot.setAttribute('role', 'img');
      const name = el('span', 'name', c.peer);
      name.dataset.test = 'conversation-name';
      const preview = el('span', 'preview');
      if (c.typingUntil > Date.now()) preview.textContent = 'typing…';
      else if (c.last) preview.textContent = `${c.last.outgoing ? 'You: ' : ''}${c.last.message.text}`;
      else if (c.peerDeleted) preview.textContent = 'account deleted';
      const badge = el('span', 'unread', c.unread > 0 ? String(c.unread) : '');
      badge.dataset.test = 'unread';
      badge.hidden = !(c.unread > 0);
      badge.setAttribute('aria-label', `${c.unread} unread`);
      button.append(dot, name, badge, preview);
      button.addEventListener('click', () => this.onOpen(c.peer));
      item.append(button);
      return item;
    }));
    this.emptyHint.hidden = sorted.length > 0;
  }
}
