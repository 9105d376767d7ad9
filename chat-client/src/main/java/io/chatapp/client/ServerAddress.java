package io.chatapp.client;

/**
 * A server a client connects to, as its builder was given it.
 *
 * @param host a host name or IP literal
 * @param port 1 to 65535
 */
public record ServerAddress(String host, int port) {
  /** Checks the values. */
  public ServerAddress {
    checkHost(host);
    checkPort(port);
  }

  /** The check of a host every builder makes: not null, not blank. */
  static String checkHost(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must be a host name or IP address, was "
          + (host == null ? "null" : "blank"));
    }
    return host;
  }

  /** The check of a port every builder makes: 1 to 65535. */
  static int checkPort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1 to 65535, was " + port);
    }
    return port;
  }

  /**
   * Reads {@code host:port}, as a configuration file or command line gives a server: a host
   * name or IPv4 address, or an IPv6 literal in brackets ({@code [::1]:7070}).
   *
   * @param hostPort the text
   * @return the address
   * @throws IllegalArgumentException if {@code null} or not of that form, saying what is allowed
   */
  public static ServerAddress parse(String hostPort) {
    if (hostPort == null) {
      throw new IllegalArgumentException("a server must be host:port, was null");
    }
    int colon = hostPort.lastIndexOf(':');
    String host = colon > 0 ? hostPort.substring(0, colon) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      host = ""; // an IPv6 literal without brackets: its port cannot be told apart
    }
    String port = colon > 0 ? hostPort.substring(colon + 1) : "";
    if (host.isBlank() || port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("a server must be host:port (an IPv6 address in brackets: [::1]:7070),"
          + " was \"" + hostPort + "\"");
    }
    return new ServerAddress(host, Integer.parseInt(port));
  }

  /** {@code host:port}, an IPv6 literal in brackets. */
  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
