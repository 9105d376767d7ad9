package io.chatapp.transport.socket.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds the {@link SSLContext}s of the socket transport from PEM files, with the JDK alone, and
 * restricts engines and sockets to TLS 1.2 and newer.
 *
 * <p>Immutable (static methods only).
 */
public final class TlsContexts {
  /** The protocols offered, newest first; older ones are never enabled. */
  private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
  private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "EdDSA", "RSASSA-PSS");
  private static final char[] IN_MEMORY_PASSWORD = "chatapp".toCharArray();

  private TlsContexts() {}

  /**
   * Builds a server's context from a PEM certificate chain (the server's certificate first) and
   * its PEM private key in PKCS#8 form ({@code BEGIN PRIVATE KEY}; RSA, EC or EdDSA).
   *
   * @param certChainPem the certificate chain
   * @param privateKeyPem the private key, unencrypted PKCS#8
   * @return the context
   * @throws IllegalArgumentException if a file cannot be read or parsed, saying which and why
   */
  public static SSLContext server(Path certChainPem, Path privateKeyPem) {
    List<Certificate> chain = certificates(certChainPem);
    PrivateKey key = privateKey(privateKeyPem);
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("server", key, IN_MEMORY_PASSWORD, chain.toArray(new Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, IN_MEMORY_PASSWORD);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("private key " + privateKeyPem + " does not fit certificate chain "
          + certChainPem + ": " + e.getMessage(), e);
    }
  }

  /**
   * Builds a client's context that trusts exactly the certificates in a PEM file (a CA, or the
   * server's own self-signed certificate).
   *
   * @param caPem one or more PEM certificates
   * @return the context
   * @throws IllegalArgumentException if the file cannot be read or holds no certificate
   */
  public static SSLContext client(Path caPem) {
    List<Certificate> trusted = certificates(caPem);
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < trusted.size(); i++) {
        ks.setCertificateEntry("ca-" + i, trusted.get(i));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("cannot trust the certificates in " + caPem + ": " + e.getMessage(), e);
    }
  }

  /**
   * Restricts an engine or socket to TLS 1.2 and newer, and makes a client check that the
   * server's certificate names the host it connected to.
   *
   * @param params the parameters to change
   * @param supportedProtocols the protocols the engine or socket supports
   * @param client whether they are a client's
   * @return the same parameters
   * @throws IllegalStateException if the JDK supports neither TLS 1.3 nor TLS 1.2
   */
  public static SSLParameters restrict(SSLParameters params, String[] supportedProtocols, boolean client) {
    List<String> supported = Arrays.asList(supportedProtocols);
    String[] enabled = PROTOCOLS.stream().filter(supported::contains).toArray(String[]::new);
    if (enabled.length == 0) {
      throw new IllegalStateException("this JDK supports neither TLS 1.3 nor TLS 1.2: " + supported);
    }
    params.setProtocols(enabled);
    if (client) {
      params.setEndpointIdentificationAlgorithm("HTTPS");
    }
    return params;
  }

  /**
   * Creates a server-side engine restricted to TLS 1.2 and newer.
   *
   * @param context the server's context
   * @return the engine, in server mode
   */
  public static SSLEngine serverEngine(SSLContext context) {
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(false);
    engine.setSSLParameters(restrict(engine.getSSLParameters(), engine.getSupportedProtocols(), false));
    return engine;
  }

  private static List<Certificate> certificates(Path pem) {
    byte[] bytes = read(pem, "certificate file");
    try {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes));
      if (certs.isEmpty()) {
        throw new IllegalArgumentException("no PEM certificate in " + pem);
      }
      return new ArrayList<>(certs);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot parse the certificates in " + pem + ": " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path pem) {
    String text = new String(read(pem, "private key file"), StandardCharsets.US_ASCII);
    Matcher m = PRIVATE_KEY.matcher(text);
    if (!m.find()) {
      String kind = text.contains("BEGIN ENCRYPTED PRIVATE KEY") ? "an encrypted key"
          : text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY") ? "a PKCS#1 or SEC1 key"
          : "no key";
      throw new IllegalArgumentException(pem + " holds " + kind + "; expected an unencrypted PKCS#8 key"
          + " (\"-----BEGIN PRIVATE KEY-----\"; convert with: openssl pkcs8 -topk8 -nocrypt)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(1));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad base64 in the private key " + pem, e);
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
        // Not this algorithm: PKCS#8 names it inside, and trying each known one is simpler than
        // parsing the DER here.
      }
    }
    throw new IllegalArgumentException("the private key in " + pem + " is none of " + KEY_ALGORITHMS);
  }

  private static byte[] read(Path file, String what) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + what + " " + file + ": " + e, e);
    }
  }
}
