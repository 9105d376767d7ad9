/** The chatapp API: interfaces, records, {@code ChatException} and {@code ErrorCode}. JDK only. */
module io.chatapp.api {
  exports io.chatapp.api;
}
