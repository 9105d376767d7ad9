package io.chatapp.engine.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.testkit.ChatStoreContract;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/** The store contract for {@link InMemoryChatStore}. */
class InMemoryChatStoreContractTest extends ChatStoreContract {
  private final CountingAccounts accounts = new CountingAccounts();

  /** The account map, counting the entries that listings ask it for. */
  private static final class CountingAccounts extends ConcurrentSkipListMap<String, StoredAccount> {
    final AtomicLong entriesRead = new AtomicLong();

    @Override
    public Map.Entry<String, StoredAccount> firstEntry() {
      entriesRead.incrementAndGet();
      return super.firstEntry();
    }

    @Override
    public Map.Entry<String, StoredAccount> ceilingEntry(String key) {
      entriesRead.incrementAndGet();
      return super.ceilingEntry(key);
    }

    @Override
    public Map.Entry<String, StoredAccount> higherEntry(String key) {
      entriesRead.incrementAndGet();
      return super.higherEntry(key);
    }
  }

  @Override
  protected ChatStore newStore() {
    return new InMemoryChatStore(accounts);
  }

  @Override
  protected String assertListingReadsOnlyItsRange(String afterKey, String keyPrefix, int limit) {
    long before = accounts.entriesRead.get();
    int returned = store.listUsernames(afterKey, keyPrefix, limit).size();
    long read = accounts.entriesRead.get() - before;
    assertTrue(read <= returned + 1, "read " + read + " entries of " + accounts.size() + " to return " + returned);
    return "entries read " + read + " for " + returned + " returned";
  }
}
