package io.chatapp.transport.websocket;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What the web chat is told of the failover servers, made once when the server is built: the
 * body of {@code /servers.json} and the content security policy that lets the page connect to
 * them. Immutable (the array is never handed out to be changed).
 *
 * @param serversJson {@code {"failover":["ws://host:port/chat",...]}}, in the configured order
 * @param contentSecurityPolicy the policy of the web chat's files, or {@code null} when there are
 *     no failover servers and the default policy stands
 */
record FailoverPage(byte[] serversJson, String contentSecurityPolicy) {
  /**
   * Builds the page's view of {@code config}'s failover servers. Origins are normalised, so they
   * hold no character JSON would need escaped, nor a space or semicolon a policy would.
   */
  static FailoverPage of(WebServerConfig config) {
    List<String> webSockets = config.failoverServers().stream()
        .map(o -> (o.startsWith("https:") ? "wss" : "ws") + o.substring(o.indexOf(':')))
        .toList();
    StringBuilder json = new StringBuilder("{\"failover\":[");
    for (int i = 0; i < webSockets.size(); i++) {
      json.append(i == 0 ? "\"" : ",\"").append(webSockets.get(i)).append(config.path()).append('"');
    }
    return new FailoverPage(json.append("]}").toString().getBytes(StandardCharsets.US_ASCII),
        webSockets.isEmpty() ? null : WebResponses.contentSecurityPolicy(webSockets));
  }
}
