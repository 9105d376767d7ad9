package io.chatapp.api;

/**
 * What a user shares with the people they chat with.
 *
 * @param readReceipts whether the user sends read receipts and sees those of others, as most chat
 *     apps do it: off means neither; delivered receipts are not affected
 * @param showPresence whether the peers of the user's conversations see when the user is online
 *     and when they were last seen; off makes the user always look offline, with no last-seen time
 */
public record AccountSettings(boolean readReceipts, boolean showPresence) {
  /** What a new account starts with: read receipts on, presence shown. */
  public static final AccountSettings DEFAULTS = new AccountSettings(true, true);
}
