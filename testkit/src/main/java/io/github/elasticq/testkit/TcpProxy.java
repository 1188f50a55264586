package io.github.elasticq.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in the test's JVM in front of a server (the PostgreSQL of a JDBC journal, an MQTT
 * broker), so that a test can fail the network path between a client and that server without
 * touching the server, which may be shared with other tests or be a machine service. Point the
 * client at {@code 127.0.0.1:}{@link #port()} instead of the server; then:
 *
 * <ul>
 *   <li>{@link #cut()} resets every connection the proxy carries at that moment (an RST to both
 *       sides; whatever is in flight is lost) and keeps accepting, so a client that reconnects gets
 *       through again: a dropped connection;
 *   <li>{@link #partition()} also stops accepting, so connection attempts are refused until {@link
 *       #restore()} accepts again on the same port: a partition, or a server that is down.
 * </ul>
 *
 * <p>The connection to the target is made on the client connection's own thread, with a 10 s
 * timeout, so a target that does not answer never holds up the proxy; cutting such a connection
 * aborts the connect. Two daemon threads per connection copy the bytes; nothing is buffered beyond
 * one read. A half-close is passed on: when one side shuts down its output, the proxy shuts down
 * its output to the other side and keeps carrying the other direction until that ends too. The
 * proxy listens on the loopback interface only. Thread-safe; {@link #close()} ends everything.
 */
public final class TcpProxy implements AutoCloseable {
  private final String targetHost;
  private final int targetPort;
  private final int port;

  /** How long the proxy waits for its target to accept a connection before ending the client's. */
  static final int CONNECT_TIMEOUT_MILLIS = 10_000;

  /** Every connection accepted and not ended, client side and server side. */
  private final Set<Connection> open = ConcurrentHashMap.newKeySet();

  private final AtomicInteger accepted = new AtomicInteger();

  /** The listening socket, or null while partitioned or closed; guarded by {@code this}. */
  private ServerSocket server;

  /** The thread accepting on {@link #server}; guarded by {@code this}. */
  private Thread acceptor;

  private boolean closed;

  /** Opens the proxy's connection to its target for each client. */
  private final Connector connector;

  /** Opens the proxy's listening socket: {@link #listen} except in the accept-failure test. */
  private final Listener listener;

  /** How long the acceptor waits after an {@code accept} failure before it accepts again. */
  static final long ACCEPT_RETRY_MILLIS = 100;

  /**
   * How the proxy connects its socket to the target: a plain connect with a timeout, or, in the
   * test of the self-connect guard, a socket made to connect to itself. The proxy owns the socket,
   * so that {@link #cut()} can abort a connect that is still under way by closing it.
   */
  @FunctionalInterface
  interface Connector {
    void connect(Socket unconnected, String host, int port, int timeoutMillis) throws IOException;
  }

  /**
   * How the proxy opens its listening socket on the loopback interface at a port (0: any free one):
   * {@link #listen}, or in the test of an {@code accept} failure a socket whose {@code accept}
   * fails as one does when the process is out of file descriptors.
   */
  @FunctionalInterface
  interface Listener {
    ServerSocket listen(int port) throws IOException;
  }

  private TcpProxy(
      String targetHost, int targetPort, int listenPort, Connector connector, Listener listener)
      throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.connector = connector;
    this.listener = listener;
    ServerSocket s = listener.listen(listenPort);
    if (s.getLocalPort() == targetPort && isThisMachine(targetHost)) {
      // The target is down and the OS gave us its port: the proxy would connect to itself, and
      // every connection it accepted would open another. Take a second port while holding this
      // one (so it cannot be the same), then let this one go.
      ServerSocket taken = s;
      try {
        s = listener.listen(0);
      } finally {
        closeQuietly(taken);
      }
    }
    this.port = s.getLocalPort();
    startAccepting(s);
  }

  /** A listening socket on the loopback interface at {@code listenPort}, 0 for any free one. */
  static ServerSocket listen(int listenPort) throws IOException {
    ServerSocket s = new ServerSocket();
    try {
      s.setReuseAddress(true); // restore() binds the same port again
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
      return s;
    } catch (IOException e) {
      closeQuietly(s);
      throw e;
    }
  }

  /**
   * Whether a connection to {@code host} could reach the proxy's own loopback listener: a loopback
   * or wildcard address. A name that does not resolve cannot.
   */
  private static boolean isThisMachine(String host) {
    try {
      InetAddress a = InetAddress.getByName(host);
      return a.isLoopbackAddress() || a.isAnyLocalAddress();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A proxy to {@code 127.0.0.1:targetPort}, listening on a free loopback port and accepting at
   * once.
   *
   * @throws IllegalArgumentException if the port is not in 1..65535
   * @throws IOException if no loopback port can be bound
   */
  public static TcpProxy to(int targetPort) throws IOException {
    return to("127.0.0.1", targetPort);
  }

  /**
   * A proxy to {@code targetHost:targetPort}, listening on a free loopback port and accepting at
   * once. The target is connected to when a client connects, so it need not be up yet. A target on
   * this machine that is down makes a client's connection end, as a remote one does: the proxy
   * takes another port if the OS offers it the target's own to listen on, and drops a connection to
   * the target that TCP connected to itself (possible when nothing listens on that port).
   *
   * @throws IllegalArgumentException if the port is not in 1..65535
   * @throws IOException if no loopback port can be bound
   */
  public static TcpProxy to(String targetHost, int targetPort) throws IOException {
    return listeningOn(0, targetHost, targetPort);
  }

  /**
   * {@link #to(String, int)} listening on {@code listenPort} (0: any free port), unless that is its
   * target's port on this machine, in which case it takes any free one. For the test of that guard,
   * which needs the proxy to be offered its target's port.
   *
   * @throws IOException if {@code listenPort} cannot be bound
   */
  static TcpProxy listeningOn(int listenPort, String targetHost, int targetPort)
      throws IOException {
    return listeningOn(
        listenPort,
        targetHost,
        targetPort,
        (s, host, port, timeoutMillis) ->
            s.connect(new InetSocketAddress(host, port), timeoutMillis));
  }

  /**
   * {@link #listeningOn(int, String, int)} opening its connections to the target with {@code
   * connector}. For the test of the self-connect guard, which needs the proxy's own outgoing socket
   * to connect to itself.
   */
  static TcpProxy listeningOn(
      int listenPort, String targetHost, int targetPort, Connector connector) throws IOException {
    return listeningOn(listenPort, targetHost, targetPort, connector, TcpProxy::listen);
  }

  /**
   * {@link #listeningOn(int, String, int, Connector)} opening its listening sockets with {@code
   * listener}. For the test of an {@code accept} failure.
   */
  static TcpProxy listeningOn(
      int listenPort, String targetHost, int targetPort, Connector connector, Listener listener)
      throws IOException {
    Objects.requireNonNull(targetHost, "targetHost");
    Objects.requireNonNull(connector, "connector");
    Objects.requireNonNull(listener, "listener");
    if (targetPort < 1 || targetPort > 65535) {
      throw new IllegalArgumentException("target port must be in 1..65535, was " + targetPort);
    }
    return new TcpProxy(targetHost, targetPort, listenPort, connector, listener);
  }

  /** The loopback port clients connect to instead of the target's; the same after a restore. */
  public int port() {
    return port;
  }

  /**
   * Client connections carried so far: accepted and then connected to the target (a client whose
   * target did not answer, or that was cut while connecting, is not counted); a client that
   * reconnects adds one per reconnect.
   */
  public int connections() {
    return accepted.get();
  }

  /** Client connections carried now, including those whose target is still being connected to. */
  public int openConnections() {
    return open.size();
  }

  /**
   * Resets every connection the proxy carries now, both sides, and aborts the connections to the
   * target still being made (their clients are reset too); the proxy keeps accepting.
   *
   * @return how many client connections were cut
   */
  public int cut() {
    int cut = 0;
    for (Connection c : open) {
      if (open.remove(c)) {
        c.abort();
        cut++;
      }
    }
    return cut;
  }

  /**
   * Stops accepting and resets every connection, aborting those still connecting to the target:
   * once this returns and until {@link #restore()}, a client's connection attempt is refused. Does
   * not wait for a target that does not answer.
   *
   * @return how many client connections were cut
   */
  public int partition() {
    Thread stopped;
    synchronized (this) {
      closeQuietly(server);
      server = null;
      stopped = acceptor;
      acceptor = null;
    }
    awaitEnd(stopped);
    return cut();
  }

  /**
   * Waits for the acceptor of a closed listening socket to leave {@code accept}: the JDK closes a
   * socket that a thread is blocked on only when that thread has left, and until then a connection
   * attempt can still be taken into the backlog and then reset instead of refused.
   */
  private static void awaitEnd(Thread stopped) {
    if (stopped == null || stopped == Thread.currentThread()) {
      return;
    }
    try {
      stopped.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Accepts connections again on the same {@link #port()} after {@link #partition()}; does nothing
   * while the proxy accepts.
   *
   * @throws IllegalStateException if the proxy was closed
   * @throws IOException if the port cannot be bound again (another process took it meanwhile)
   */
  public synchronized void restore() throws IOException {
    if (closed) {
      throw new IllegalStateException("TcpProxy on port " + port + " is closed");
    }
    if (server != null) {
      return;
    }
    startAccepting(listener.listen(port));
  }

  /** Stops accepting and resets every connection, for good. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    partition();
  }

  @Override
  public String toString() {
    return "TcpProxy{127.0.0.1:" + port + " -> " + targetHost + ":" + targetPort + "}";
  }

  private synchronized void startAccepting(ServerSocket s) {
    server = s;
    acceptor = daemon("elasticq-tcp-proxy-" + port + "-accept", () -> acceptLoop(s));
  }

  /**
   * Accepts clients; each one's connection to the target is made on that connection's own thread,
   * so a target that does not answer never holds up the acceptor (nor {@link #partition()}, which
   * waits for it). An {@code accept} that fails on a socket still open (the process is out of file
   * descriptors, for a test that opens many connections) is tried again after {@link
   * #ACCEPT_RETRY_MILLIS}: the proxy stays up, as a server does, and accepts once descriptors are
   * free again; the attempt that failed stays in the backlog or was reset by the OS.
   */
  private void acceptLoop(ServerSocket s) {
    while (!s.isClosed()) {
      Socket client;
      try {
        client = s.accept();
      } catch (IOException e) {
        if (s.isClosed()) {
          return; // partitioned or closed
        }
        pauseAfterAcceptFailure();
        continue;
      }
      Connection c = new Connection(client, new Socket());
      open.add(c); // before partition()'s cut, which waits for this thread to end
      daemon("elasticq-tcp-proxy-" + port + "-up", () -> connectAndPump(c));
    }
  }

  private static void pauseAfterAcceptFailure() {
    try {
      Thread.sleep(ACCEPT_RETRY_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // nothing interrupts the acceptor; keep the flag
    }
  }

  /** Connects {@code c} to the target, then carries it: client to target here, back on another. */
  private void connectAndPump(Connection c) {
    try {
      connector.connect(c.upstream, targetHost, targetPort, CONNECT_TIMEOUT_MILLIS);
    } catch (IOException e) {
      // the target does not answer, or a cut closed the socket: the client's connection ends
      open.remove(c);
      c.abort();
      return;
    }
    if (connectedToItself(c.upstream)) {
      open.remove(c); // the target is down, not an echo server: see connectedToItself
      c.abort();
      return;
    }
    if (!open.contains(c)) {
      c.abort(); // cut just after the connect succeeded
      return;
    }
    accepted.incrementAndGet();
    daemon("elasticq-tcp-proxy-" + port + "-down", () -> pump(c, c.upstream, c.client));
    pump(c, c.client, c.upstream);
  }

  /**
   * Whether {@code s} is connected to itself: a connection to a port on this machine that nothing
   * listens on can be given that same port as its own local port, and TCP then connects the socket
   * to itself (everything written comes back). For the proxy that means its target is down, and
   * carrying the connection would make a dead target look like an echo server.
   */
  static boolean connectedToItself(Socket s) {
    return s.getLocalPort() == s.getPort() && s.getLocalAddress().equals(s.getInetAddress());
  }

  /**
   * Copies {@code from} to {@code to}. An end of stream from {@code from} is passed on as a
   * half-close ({@code shutdownOutput} of {@code to}) and the other direction goes on, so a client
   * that shuts down its output after a request still gets the answer; the connection ends once both
   * directions have ended (closed), or at once when either side fails or is reset: then both sides
   * are reset, so a server's reset reaches the client as a reset, not as an orderly end of stream.
   */
  private void pump(Connection c, Socket from, Socket to) {
    byte[] chunk = new byte[16384];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(chunk)) >= 0) {
        out.write(chunk, 0, n);
        out.flush();
      }
      to.shutdownOutput();
      if (!c.directionEnded()) {
        return; // the other direction still carries bytes
      }
      open.remove(c);
      c.close();
    } catch (IOException e) {
      // cut, reset by a peer, or the other direction ended the connection: pass a reset on (the
      // sockets already closed by a cut or by the other direction are left as they are)
      open.remove(c);
      c.abort();
    }
  }

  /** One proxied connection: the client's socket and the proxy's socket to the target. */
  private static final class Connection {
    private final Socket client;
    private final Socket upstream;

    /** Directions (client to target, target to client) that have reached their end of stream. */
    private final AtomicInteger endedDirections = new AtomicInteger();

    Connection(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    /** Counts one direction's end of stream; true for the second, which ends the connection. */
    boolean directionEnded() {
      return endedDirections.incrementAndGet() == 2;
    }

    void close() {
      closeQuietly(client);
      closeQuietly(upstream);
    }

    void abort() {
      TcpProxy.abort(client);
      TcpProxy.abort(upstream);
    }
  }

  /** Closes with an RST, as a failed network path looks to the peer. */
  private static void abort(Socket s) {
    try {
      if (!s.isClosed()) {
        s.setSoLinger(true, 0);
      }
    } catch (IOException e) {
      // closing anyway
    }
    closeQuietly(s);
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        // already closed
      }
    }
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
