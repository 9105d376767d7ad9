package io.chatapp.api;

/**
 * Something pushed on a live subscription besides the mailbox's own messages: a receipt, a
 * presence change, a typing notice, a carbon of the user's own message, a withdrawal. Events are
 * live only and carry no seq: a subscription that ends loses those not yet delivered, and a
 * client that comes back reads the state they describe with {@link ChatEngine#history} and
 * {@link ChatEngine#listConversations}.
 */
public sealed interface ChatEvent permits Carbon, Presence, Receipt, Typing, Withdrawal {}
