package io.github.elasticq.examples.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in the test JVM in front of a local port, so that a test can cut a client's
 * connection the way a network failure does, without touching the server behind it. {@link #cut}
 * resets every connection the proxy carries at that moment (both sides get an RST, whatever is in
 * flight is lost); the proxy keeps accepting, so a client that reconnects gets through again.
 */
final class TcpProxy implements AutoCloseable {
  private final int targetPort;
  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();

  /** Listens on a free loopback port and forwards to {@code 127.0.0.1:targetPort}. */
  TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The MQTT URL that reaches the target through the proxy. */
  String mqttUrl() {
    return "tcp://127.0.0.1:" + server.getLocalPort();
  }

  /** Connections accepted so far (a reconnecting client adds one per reconnect). */
  int connections() {
    return accepted.get();
  }

  /**
   * Resets every connection the proxy carries now (an RST to the client and to the target).
   *
   * @return how many client connections were cut
   */
  int cut() {
    int clients = 0;
    for (Socket s : open) {
      if (s.getLocalPort() == server.getLocalPort()) {
        clients++; // the client side of a pair: its local port is the proxy's
      }
      close(s, true);
    }
    return clients;
  }

  @Override
  public void close() throws IOException {
    server.close();
    cut();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      try {
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        open.add(client);
        open.add(upstream);
        accepted.incrementAndGet();
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        close(
            client,
            true); // the target does not answer: the client sees its connection refused late
      }
    }
  }

  /** Copies {@code from} to {@code to} until either side ends, then ends both. */
  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] chunk = new byte[8192];
              try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(chunk)) >= 0) {
                  out.write(chunk, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // cut, or the other direction ended the pair
              } finally {
                close(from, false);
                close(to, false);
              }
            },
            "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Closes {@code s}; {@code abort}: with an RST, as a failed network path looks to the peer. */
  private void close(Socket s, boolean abort) {
    open.remove(s);
    try {
      if (abort && !s.isClosed()) {
        s.setSoLinger(true, 0);
      }
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
