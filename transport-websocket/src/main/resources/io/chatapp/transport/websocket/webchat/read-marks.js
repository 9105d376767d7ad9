// Where the read mark may move. The protocol has one read mark for the whole mailbox (ACK
// uptoSeq), not one per conversation, so opening one conversation must not mark another's
// messages read: the mark moves only up to just below the oldest message pushed from another
// peer that the user has not opened yet. Messages the user never saw pushed (older than the
// session's read mark, or read on another device) are the server's to count.

export class ReadMarks {
  constructor() {
    this.unseen = new Map(); // seq -> { peer (lower case), id }: pushed, not yet shown
    this.mark = 0; // the read mark as this page last moved or learnt it
    this.seenSeq = 0; // the highest seq of a message the user has seen
  }

  clear() {
    this.unseen.clear();
    this.mark = 0;
    this.seenSeq = 0;
  }

  /** The server's read mark (a SESSION's lastReadSeq): the mark never moves below it. */
  atLeast(mark) {
    this.mark = Math.max(this.mark, mark);
  }

  /** A message from `peer` was pushed with `seq` and `id`. */
  pushed(peer, seq, id) {
    this.unseen.set(seq, { peer: peer.toLowerCase(), id });
  }

  /** How many of `peer`'s pushed messages not yet shown have an id above `id`. */
  countAbove(peer, id) {
    const k = peer.toLowerCase();
    let count = 0;
    for (const u of this.unseen.values()) if (u.peer === k && u.id > id) count += 1;
    return count;
  }

  /**
   * The user sees the conversation with `peer`, whose received messages shown reach `shownSeq`:
   * returns the seq to ACK up to, or 0 when the mark need not move.
   */
  seen(peer, shownSeq) {
    const open = peer.toLowerCase();
    this.seenSeq = Math.max(this.seenSeq, shownSeq);
    let blockedAt = Infinity;
    for (const [seq, u] of this.unseen) {
      if (u.peer === open) {
        this.seenSeq = Math.max(this.seenSeq, seq);
        this.unseen.delete(seq);
      } else {
        blockedAt = Math.min(blockedAt, seq);
      }
    }
    const upto = Math.min(this.seenSeq, blockedAt - 1);
    if (upto <= this.mark) return 0;
    this.mark = upto;
    return upto;
  }
}
