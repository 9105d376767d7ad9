package io.chatapp.transport.socket.codec;

import java.util.SortedSet;
import java.util.stream.Collectors;

/**
 * Version negotiation, as HELLO does it: the client offers the versions it speaks, the server
 * picks the highest one it speaks too (in the spirit of Kafka's ApiVersions) and names it in
 * HELLO_OK. Every version from 1 to {@link Frame#LATEST_VERSION} is spoken by this code; a server
 * or client may be pinned to a lower maximum. Immutable.
 */
public final class Versions {
  private Versions() {}

  /**
   * Checks a version this code can speak.
   *
   * @param version the version
   * @return {@code version}
   * @throws IllegalArgumentException unless 1 to {@link Frame#LATEST_VERSION}
   */
  public static int check(int version) {
    if (version < Frame.BASE_VERSION || version > Frame.LATEST_VERSION) {
      throw new IllegalArgumentException("protocol version must be " + Frame.BASE_VERSION + " to "
          + Frame.LATEST_VERSION + ", was " + version);
    }
    return version;
  }

  /**
   * Picks the version of a connection.
   *
   * @param hello the client's offer
   * @param maxVersion the highest version the server speaks, 1 to {@link Frame#LATEST_VERSION}
   * @return the highest version offered that is 1 to {@code maxVersion}, or -1 if there is none
   */
  public static int pick(Frame.Hello hello, int maxVersion) {
    SortedSet<Integer> common = hello.offered().subSet(Frame.BASE_VERSION, maxVersion + 1);
    return common.isEmpty() ? -1 : common.last();
  }

  /**
   * Says why no version was picked, for the ERROR that refuses a HELLO.
   *
   * @param hello the client's offer
   * @param maxVersion the highest version the server speaks
   * @return e.g. {@code "protocol version 7 is not supported; this server speaks versions 1 and 2"}
   */
  public static String refusal(Frame.Hello hello, int maxVersion) {
    SortedSet<Integer> offered = hello.offered();
    String what = offered.size() == 1
        ? "protocol version " + offered.first() + " is not supported"
        : "none of the protocol versions " + join(offered) + " is supported";
    return what + "; this server speaks " + spoken(maxVersion);
  }

  /**
   * Names the versions from 1 to {@code maxVersion}: {@code "version 1"}, {@code "versions 1 and
   * 2"}, {@code "versions 1 to 3"}.
   */
  static String spoken(int maxVersion) {
    if (maxVersion == Frame.BASE_VERSION) {
      return "version " + maxVersion;
    }
    return "versions " + Frame.BASE_VERSION + (maxVersion == Frame.BASE_VERSION + 1 ? " and " : " to ") + maxVersion;
  }

  private static String join(SortedSet<Integer> versions) {
    // At most 256 numbers, from one u8-counted list plus the first.
    return versions.stream().map(String::valueOf).collect(Collectors.joining(", "));
  }
}
