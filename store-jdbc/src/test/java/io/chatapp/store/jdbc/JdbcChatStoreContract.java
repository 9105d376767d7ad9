package io.chatapp.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatapp.engine.store.ChatStore;
import io.chatapp.engine.store.KeyRange;
import io.chatapp.engine.store.StoredAccount;
import io.chatapp.testkit.ChatStoreContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The store contract for {@link JdbcChatStore}, and the query plans behind its costs. Subclassed
 * once per database.
 */
abstract class JdbcChatStoreContract extends ChatStoreContract {
  /** Opens a store on a database of this test's own, empty at first. */
  abstract JdbcChatStore openStore();

  /** Opens a plain connection to the same database, to load and look at its rows. */
  abstract Connection rawConnection() throws SQLException;

  /**
   * Returns the plan of a query with its parameters bound, and checks that it reads only an
   * index range; {@code smallTable} says that the table holds too few rows for the planner's
   * choice to tell, so that only whether an index can serve the query is checked.
   */
  abstract String assertIndexRangeRead(Connection c, String sql, Binder binder, boolean smallTable)
      throws SQLException;

  /** Sets a statement's parameters. */
  @FunctionalInterface
  interface Binder {
    void bind(PreparedStatement s) throws SQLException;
  }

  @Override
  protected final ChatStore newStore() {
    return openStore();
  }

  /** Loads accounts in one transaction on a connection of its own, then refreshes the statistics. */
  @Override
  protected void insertAccounts(List<StoredAccount> accounts) throws SQLException {
    try (Connection c = rawConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement("INSERT INTO accounts"
          + " (user_key, username, password_hash, created_s, created_ns, account_id) VALUES (?, ?, ?, ?, ?, ?)")) {
        for (StoredAccount a : accounts) {
          s.setString(1, a.key());
          s.setString(2, a.username());
          s.setString(3, a.passwordHash());
          s.setLong(4, a.createdAt().getEpochSecond());
          s.setInt(5, a.createdAt().getNano());
          s.setLong(6, a.id());
          s.addBatch();
        }
        s.executeBatch();
      }
      c.commit();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        s.execute("ANALYZE");
      }
    }
  }

  @Override
  protected String assertListingReadsOnlyItsRange(String afterKey, String keyPrefix, int limit) throws SQLException {
    KeyRange range = KeyRange.of(afterKey, keyPrefix);
    try (Connection c = rawConnection()) {
      return assertIndexRangeRead(c, AccountSql.listUsernamesSql(range),
          s -> AccountSql.bindListUsernames(s, range, limit), false);
    }
  }

  @Test
  void unreadFromReadsARangeOfTheRecipientSenderIndex() throws SQLException {
    try (Connection c = rawConnection()) {
      String plan = assertIndexRangeRead(c, StoreSql.UNREAD_FROM, s -> {
        s.setString(1, "bob");
        s.setString(2, "alice");
        s.setString(3, "bob");
      }, true);
      assertTrue(plan.contains("messages_by_recipient_sender"), plan);
    }
  }

  @Test
  void sentRecordSweepReadsTheTimeIndex() throws SQLException {
    try (Connection c = rawConnection()) {
      String plan = assertIndexRangeRead(c, StoreSql.OLDEST_SENT, s -> StoreSql.bindOldestSent(s, T, 100), true);
      assertTrue(plan.contains("sent_records_by_time"), plan);
    }
  }

  @Test
  void historyReadsOneRangeOfThePairIndexPerDirection() throws SQLException {
    try (Connection c = rawConnection()) {
      String plan = assertIndexRangeRead(c, ConversationSql.HISTORY,
          s -> ConversationSql.bindHistory(s, 1, 2, Long.MAX_VALUE, 50), true);
      assertTrue(plan.contains("messages_by_pair"), plan);
      plan = assertIndexRangeRead(c, ConversationSql.SELF_HISTORY,
          s -> ConversationSql.bindHistory(s, 1, 1, Long.MAX_VALUE, 50), true);
      assertTrue(plan.contains("messages_by_pair"), plan);
    }
  }

  @Test
  void conversationListReadsARangeOfItsIndex() throws SQLException {
    try (Connection c = rawConnection()) {
      String plan = assertIndexRangeRead(c, ConversationSql.LIST,
          s -> ConversationSql.bindList(s, 1, Long.MAX_VALUE, 50), true);
      assertTrue(plan.contains("conversations_by_last_message"), plan);
    }
  }

  /** Returns the rows of a query as text, one line each. */
  static String rows(Connection c, String sql, Binder binder) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      binder.bind(s);
      StringBuilder out = new StringBuilder();
      try (ResultSet rs = s.executeQuery()) {
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          for (int i = 1; i <= columns; i++) {
            out.append(rs.getString(i)).append(i < columns ? " " : "\n");
          }
        }
      }
      return out.toString();
    }
  }
}
