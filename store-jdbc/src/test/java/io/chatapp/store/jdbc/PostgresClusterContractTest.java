package io.chatapp.store.jdbc;

import io.chatapp.api.ChatClient;
import io.chatapp.api.ChatClientListener;
import io.chatapp.api.ChatEngine;
import io.chatapp.engine.InProcessChatClient;
import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.ForwardingChatStore;
import io.chatapp.engine.store.SharedStoreWatcher;
import io.chatapp.testkit.ChatClientContract;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The whole contract suite over two cluster nodes on one PostgreSQL schema: node A is the
 * fixture's engine, node B a second engine over a second store on the same schema, built the
 * same way; clients alternate between them, so that in every case with two users one talks to A
 * and the other to B.
 *
 * <p>{@link #awaitNodesAgree} sends a marker from each node to the other through the store's live
 * notices and waits until the other's watcher had it: notices reach a node in the order they were
 * committed, so everything either node committed or told before has been handed to the other's
 * engine by then.
 */
class PostgresClusterContractTest extends ChatClientContract {
  private static final AtomicInteger MARKS = new AtomicInteger();
  private final AtomicInteger clients = new AtomicInteger();
  private String url;
  private Node nodeA;
  private Node nodeB;
  private ChatEngine engineB;

  /** A node's store, which lets markers through to the test instead of the engine. */
  private static final class Node extends ForwardingChatStore {
    final Map<String, CompletableFuture<Void>> marks = new ConcurrentHashMap<>();

    Node(ChatStore store) {
      super(store);
    }

    @Override
    public void watch(SharedStoreWatcher engine) {
      super.watch(new SharedStoreWatcher() {
        @Override
        public void appended(Map<String, Long> lastSeqByUserKey) {
          engine.appended(lastSeqByUserKey);
        }

        @Override
        public void changed(Set<String> userKeys) {
          engine.changed(userKeys);
        }

        @Override
        public void sessionsChanged(Set<String> userKeys) {
          engine.sessionsChanged(userKeys);
        }

        @Override
        public void told(String node, String notice) {
          if (notice.startsWith("mark ")) {
            marks.computeIfAbsent(notice, k -> new CompletableFuture<>()).complete(null);
          } else {
            engine.told(node, notice);
          }
        }

        @Override
        public void nodeLeft(String node) {
          engine.nodeLeft(node);
        }

        @Override
        public void lostTrack() {
          engine.lostTrack();
        }
      });
    }
  }

  private Node open() {
    return new Node(JdbcChatStore.builder().jdbcUrl(url).cluster().build());
  }

  @Override
  protected ChatStore newStore() {
    url = TestPostgres.newSchemaUrl();
    nodeA = open();
    return nodeA;
  }

  @Override
  protected void startServer(ChatEngine engine) {
    nodeB = open();
    engineB = newEngine(nodeB);
  }

  @Override
  protected ChatClient connect(ChatClientListener listener) {
    return InProcessChatClient.connect(clients.getAndIncrement() % 2 == 0 ? engine() : engineB, listener);
  }

  @Override
  protected void awaitNodesAgree() throws Exception {
    for (List<Node> pair : List.of(List.of(nodeA, nodeB), List.of(nodeB, nodeA))) {
      String mark = "mark " + MARKS.incrementAndGet();
      CompletableFuture<Void> heard = pair.get(1).marks.computeIfAbsent(mark, k -> new CompletableFuture<>());
      pair.get(0).tellOthers(mark);
      heard.get(20, TimeUnit.SECONDS);
    }
  }

  @Override
  protected void stopServer() {
    engineB.close();
  }
}
