package io.github.elasticq.multijvm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP proxy on 127.0.0.1 in front of a server (the Toxiproxy approach, in-process): {@link #cut}
 * closes every connection and refuses new ones, as a network partition or a crashed database looks
 * to a client; {@link #restore} accepts again on the same port. Two threads per connection copy the
 * bytes. Public methods are for the test thread; the proxy's own threads are daemons.
 */
final class TcpProxy implements AutoCloseable {
  private final int targetPort;
  private final int port;
  private final List<Socket> sockets = new ArrayList<>();
  private ServerSocket server;

  /** A proxy to {@code 127.0.0.1:targetPort} on a free port, accepting at once. */
  TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.port = ClusterHarness.freePorts(1).get(0);
    restore();
  }

  /** The port clients connect to. */
  int port() {
    return port;
  }

  /** Accepts connections again (after {@link #cut}). */
  synchronized void restore() throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    server = s;
    daemon("proxy-accept-" + port, () -> acceptLoop(s));
  }

  /** Closes the listening socket and every proxied connection. */
  synchronized void cut() {
    closeQuietly(server);
    server = null;
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    sockets.clear();
  }

  private void acceptLoop(ServerSocket s) {
    while (!s.isClosed()) {
      try {
        Socket client = s.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        synchronized (this) {
          if (server != s) {
            closeQuietly(client);
            closeQuietly(upstream);
            return;
          }
          sockets.add(client);
          sockets.add(upstream);
        }
        daemon("proxy-up-" + port, () -> pump(client, upstream));
        daemon("proxy-down-" + port, () -> pump(upstream, client));
      } catch (IOException e) {
        // closed by cut(), or the target refused: the client sees a closed connection
      }
    }
  }

  private static void pump(Socket from, Socket to) {
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      byte[] buf = new byte[16384];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // either side closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        // nothing to do
      }
    }
  }

  @Override
  public void close() {
    cut();
  }
}
