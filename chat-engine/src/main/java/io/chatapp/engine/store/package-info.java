/**
 * The storage SPI of the engine and its in-memory implementation.
 *
 * <p>Entry points: {@link io.chatapp.engine.store.ChatStore}, which a durable backend implements,
 * {@link io.chatapp.engine.store.InMemoryChatStore}, and
 * {@link io.chatapp.engine.store.ForwardingChatStore}, the base of store decorators. The records here are the rows a store
 * keeps ({@link io.chatapp.engine.store.SentRecord} is what a retry with a client message id
 * needs); {@link io.chatapp.engine.store.KeyRange} is the key range a directory listing reads. A
 * store that several engines share (cluster nodes on one database) also answers appends with an
 * {@link io.chatapp.engine.store.AppendResult} and tells the engine's
 * {@link io.chatapp.engine.store.SharedStoreWatcher} what the other engines changed. This package is public only so that storage modules can plug into the engine; an
 * application passes a store to {@code DefaultChatEngine.builder().store(…)} and uses nothing
 * else from it.
 *
 * <p>The in-memory store keeps its messages and idempotency records as bytes in large arrays
 * ({@code ByteChunks}, {@code PackedMessages}, {@code MemorySentRecords}), so that the garbage
 * collector copies no object per message it holds.
 *
 * <p>May depend on {@code io.chatapp.api} and the JDK only.
 */
package io.chatapp.engine.store;
