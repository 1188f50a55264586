package io.github.elasticq.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TcpProxy} against a real echo server on a loopback port. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TcpProxyTest {
  private ServerSocket echo;

  @BeforeEach
  void startEcho() throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              while (!echo.isClosed()) {
                try {
                  Socket s = echo.accept();
                  Thread pump =
                      new Thread(
                          () -> {
                            try (s;
                                InputStream in = s.getInputStream();
                                OutputStream out = s.getOutputStream()) {
                              in.transferTo(out);
                            } catch (IOException e) {
                              // reset by the proxy
                            }
                          });
                  pump.setDaemon(true);
                  pump.start();
                } catch (IOException e) {
                  return;
                }
              }
            });
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void stopEcho() throws IOException {
    echo.close();
  }

  @Test
  void forwardsBothWays() throws IOException {
    try (TcpProxy proxy = TcpProxy.to(echo.getLocalPort());
        Socket client = connect(proxy)) {
      assertThat(roundTrip(client, "hello")).isEqualTo("hello");
      assertThat(roundTrip(client, "again")).isEqualTo("again");
      assertThat(proxy.connections()).isEqualTo(1);
      assertThat(proxy.port()).isNotEqualTo(echo.getLocalPort());
    }
  }

  @Test
  void cut_resetsTheConnection_andAReconnectGetsThrough() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(echo.getLocalPort())) {
      Socket first = connect(proxy);
      assertThat(roundTrip(first, "before")).isEqualTo("before");

      assertThat(proxy.cut()).as("client connections cut").isEqualTo(1);
      assertThatThrownBy(() -> roundTrip(first, "after"))
          .as("the cut connection is reset (or ended), not silently kept")
          .isInstanceOf(IOException.class);
      assertThat(proxy.openConnections()).isZero();

      try (Socket second = connect(proxy)) {
        assertThat(roundTrip(second, "reconnected")).isEqualTo("reconnected");
      }
      assertThat(proxy.connections()).isEqualTo(2);
      first.close();
    }
  }

  @Test
  void partition_refusesConnections_untilRestoredOnTheSamePort() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(echo.getLocalPort())) {
      Socket first = connect(proxy);
      assertThat(roundTrip(first, "x")).isEqualTo("x");
      int port = proxy.port();

      assertThat(proxy.partition()).isEqualTo(1);
      assertThatThrownBy(() -> roundTrip(first, "y")).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> connect(proxy)).isInstanceOf(ConnectException.class);

      proxy.restore();
      proxy.restore(); // idempotent while accepting
      assertThat(proxy.port()).isEqualTo(port);
      try (Socket second = connect(proxy)) {
        assertThat(roundTrip(second, "back")).isEqualTo("back");
      }
      first.close();
    }
  }

  /**
   * Refused as soon as {@code partition()} returns, every time: the JDK closes a listening socket
   * that a thread is blocked accepting on only once that thread has left, and a connection attempt
   * in between was taken and then reset (a partition that returned too early failed here in about
   * one cycle in four).
   */
  @Test
  void partition_refusesAtOnce_inEveryCycle() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(echo.getLocalPort())) {
      for (int cycle = 0; cycle < 100; cycle++) {
        try (Socket client = connect(proxy)) {
          assertThat(roundTrip(client, "c" + cycle)).isEqualTo("c" + cycle);
          proxy.partition();
          int refusedCycle = cycle;
          assertThatThrownBy(() -> connect(proxy).close())
              .as("connection attempt right after partition(), cycle " + refusedCycle)
              .isInstanceOf(ConnectException.class);
          proxy.restore();
        }
      }
      assertThat(proxy.connections()).isEqualTo(100);
    }
  }

  /**
   * A client that half-closes after its request (shutdownOutput: "that is all of it") still gets
   * the answer, which a server that reads to the end of the request sends only then. The proxy
   * passes the half-close on instead of ending the connection (it closed both sockets on the
   * client's end of stream, and the client read nothing).
   */
  @Test
  void clientHalfClose_isPassedOn_andTheAnswerStillArrives() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread answering =
          new Thread(
              () -> {
                try (Socket s = server.accept()) {
                  byte[] request = s.getInputStream().readAllBytes();
                  s.getOutputStream()
                      .write(("got " + request.length).getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                  // the test fails on the client's side
                }
              });
      answering.setDaemon(true);
      answering.start();
      try (TcpProxy proxy = TcpProxy.to(server.getLocalPort());
          Socket client = connect(proxy)) {
        client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        client.shutdownOutput();
        byte[] answer = client.getInputStream().readAllBytes();
        assertThat(new String(answer, StandardCharsets.US_ASCII)).isEqualTo("got 5");
      }
    }
  }

  /**
   * The target is a port held by a bound socket that does not listen: a connection to it is
   * refused, and no other socket can be given it while the test runs. The test first used the port
   * of a closed listener; with nothing holding that port, the proxy's own connection to it can be
   * given the same port as its local one and TCP connects it to itself, an echo (the likely cause
   * of one clean-clone CI run in which this round trip succeeded; the proxy now drops such a
   * connection, see upstreamConnectedToItself_isDropped_notCarriedAsAnEcho).
   */
  @Test
  void targetDown_clientConnectionEndsAtOnce() throws Exception {
    try (Socket holder = new Socket()) {
      holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      try (TcpProxy proxy = TcpProxy.to(holder.getLocalPort());
          Socket client = connect(proxy)) {
        assertThatThrownBy(() -> roundTrip(client, "anyone?")).isInstanceOf(IOException.class);
        assertThat(proxy.connections()).as("not counted: never connected through").isZero();
      }
    }
  }

  /**
   * A target that does not answer (its accept queue is full, so the proxy's connection attempt
   * hangs): partition() aborts that pending connect and resets its client, and no thread of the
   * proxy is left behind. The acceptor made the connect itself, without a timeout: partition()
   * waited 5 s for it in vain, cut nothing (the connection was not carried yet) and the acceptor
   * stayed blocked after close().
   */
  @Test
  void partition_whileTheTargetDoesNotAnswer_abortsTheConnect_andLeavesNoThread() throws Exception {
    try (ServerSocket target = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<Socket> queued = fillAcceptQueue(target);
      try {
        TcpProxy proxy = TcpProxy.to(target.getLocalPort());
        try (Socket client = connect(proxy)) {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
          while (proxy.openConnections() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10); // the proxy takes the client and starts connecting to the target
          }

          assertThat(proxy.partition()).as("client connections cut").isEqualTo(1);
          assertThat(readEnds(client))
              .as("the client's connection ends, not a read timeout")
              .isTrue();
        } finally {
          proxy.close();
        }
        String prefix = "elasticq-tcp-proxy-" + proxy.port() + "-";
        for (Thread t : Thread.getAllStackTraces().keySet()) {
          if (t.getName().startsWith(prefix)) {
            t.join(5_000); // well below the connect timeout: only an aborted connect ends so soon
            assertThat(t.isAlive()).as("%s after close()", t.getName()).isFalse();
          }
        }
      } finally {
        for (Socket s : queued) {
          s.close();
        }
      }
    }
  }

  /**
   * Connections to {@code target} until its accept queue is full: a further connection attempt then
   * hangs, as to a host that does not answer.
   */
  private static List<Socket> fillAcceptQueue(ServerSocket target) throws IOException {
    List<Socket> queued = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Socket s = new Socket();
      try {
        s.connect(target.getLocalSocketAddress(), 300);
        queued.add(s);
      } catch (SocketTimeoutException e) {
        s.close();
        return queued;
      }
    }
    throw new IllegalStateException("the accept queue took 16 connections: " + queued.size());
  }

  /** Whether reading {@code s} finds its end or a reset (false on a read timeout). */
  private static boolean readEnds(Socket s) {
    try {
      return s.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * The guard against connecting to itself: the proxy is offered the very port of its target, a
   * loopback port nothing listens on (as the OS may offer it when the target is down). It must take
   * another port, and a client's connection must end rather than loop back into the proxy.
   */
  @Test
  void offeredItsTargetsPort_listensElsewhere_andDoesNotConnectToItself() throws Exception {
    for (String host : new String[] {"127.0.0.1", "localhost"}) {
      int target = freePort();
      try (TcpProxy proxy = TcpProxy.listeningOn(target, host, target);
          Socket client = connect(proxy)) {
        assertThat(proxy.port())
            .as("listening port, target %s:%d", host, target)
            .isNotEqualTo(target);
        assertThatThrownBy(() -> roundTrip(client, "anyone?")).isInstanceOf(IOException.class);
        assertThat(proxy.connections()).as("not counted: never connected through").isZero();
      }
    }
  }

  /**
   * A socket bound to a free loopback port and connected to that same port is connected to itself
   * (TCP simultaneous open): the case the proxy drops instead of carrying, since its target would
   * then look like an echo server. A real connection to the echo server is not.
   */
  @Test
  void connectedToItself_recognisesASelfConnectedSocketOnly() throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    int port = freePort();
    try (Socket self = new Socket()) {
      self.setReuseAddress(true);
      self.bind(new InetSocketAddress(loopback, port));
      self.connect(new InetSocketAddress(loopback, port), 5_000);
      assertThat(TcpProxy.connectedToItself(self)).isTrue();
    }
    try (Socket real = new Socket(loopback, echo.getLocalPort())) {
      assertThat(TcpProxy.connectedToItself(real)).isFalse();
    }
  }

  /**
   * The accept loop's use of that guard, end to end: the proxy's own connection to its target (a
   * loopback port nothing listens on) is made to connect to itself, as TCP may do by chance. The
   * client's connection must end instead of coming back to it as an echo.
   */
  @Test
  void upstreamConnectedToItself_isDropped_notCarriedAsAnEcho() throws Exception {
    AtomicInteger selfConnected = new AtomicInteger();
    TcpProxy.Connector toItself =
        (s, host, port, timeoutMillis) -> {
          InetAddress address = InetAddress.getByName(host);
          s.setReuseAddress(true);
          s.bind(new InetSocketAddress(address, port));
          s.connect(new InetSocketAddress(address, port), timeoutMillis);
          if (s.getLocalPort() == s.getPort()) {
            selfConnected.incrementAndGet();
          }
        };
    int target = freePort();
    try (TcpProxy proxy = TcpProxy.listeningOn(0, "127.0.0.1", target, toItself);
        Socket client = connect(proxy)) {
      assertThatThrownBy(() -> roundTrip(client, "anyone?")).isInstanceOf(IOException.class);
      assertThat(selfConnected).as("the proxy's upstream socket connected to itself").hasValue(1);
      assertThat(proxy.connections()).as("not counted: never connected through").isZero();
    }
  }

  /**
   * An {@code accept} that fails on an open socket (as it does when the process is out of file
   * descriptors) leaves the proxy accepting: the acceptor ended at the first failure, and every
   * later client's connection sat in the backlog, never carried.
   */
  @Test
  void acceptFailure_theProxyKeepsAccepting() throws Exception {
    AtomicInteger failures = new AtomicInteger();
    TcpProxy.Listener failingOnce =
        port -> {
          ServerSocket real = TcpProxy.listen(port);
          return new ServerSocket() {
            @Override
            public Socket accept() throws IOException {
              Socket s = real.accept();
              if (failures.getAndIncrement() == 0) {
                s.close();
                throw new SocketException("Too many open files");
              }
              return s;
            }

            @Override
            public int getLocalPort() {
              return real.getLocalPort();
            }

            @Override
            public boolean isClosed() {
              return real.isClosed();
            }

            @Override
            public void close() throws IOException {
              real.close();
            }
          };
        };
    try (TcpProxy proxy =
        TcpProxy.listeningOn(
            0,
            "127.0.0.1",
            echo.getLocalPort(),
            (s, host, port, timeoutMillis) ->
                s.connect(new InetSocketAddress(host, port), timeoutMillis),
            failingOnce)) {
      try (Socket first = connect(proxy)) {
        assertThatThrownBy(() -> roundTrip(first, "dropped by the failed accept"))
            .isInstanceOf(IOException.class);
      }
      try (Socket second = connect(proxy)) {
        assertThat(roundTrip(second, "after the failure")).isEqualTo("after the failure");
      }
      assertThat(failures).as("accept calls that returned or failed").hasValueGreaterThan(1);
      assertThat(proxy.connections()).isEqualTo(1);
    }
  }

  /**
   * A target that resets its connection: the client gets a reset too, not an orderly end of stream
   * (the proxy closed the client's socket normally, so a reset server looked like one that had
   * ended the conversation).
   */
  @Test
  void targetResetsTheConnection_theClientIsReset() throws Exception {
    try (ServerSocket resetting = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread server =
          new Thread(
              () -> {
                try (Socket s = resetting.accept()) {
                  s.getInputStream().read(); // the client's first byte: the connection is carried
                  s.setSoLinger(true, 0);
                } catch (IOException e) {
                  // the test fails on the client's side
                }
              });
      server.setDaemon(true);
      server.start();
      try (TcpProxy proxy = TcpProxy.to(resetting.getLocalPort());
          Socket client = connect(proxy)) {
        client.getOutputStream().write(1);
        client.getOutputStream().flush();
        assertThatThrownBy(() -> client.getInputStream().read())
            .as("a read after the target's reset")
            .isInstanceOf(SocketException.class)
            .hasMessageContaining("reset");
      }
      server.join(10_000);
    }
  }

  @Test
  void offeredAnotherFreePort_listensThere() throws IOException {
    int wanted = freePort();
    try (TcpProxy proxy = TcpProxy.listeningOn(wanted, "127.0.0.1", echo.getLocalPort());
        Socket client = connect(proxy)) {
      assertThat(proxy.port()).isEqualTo(wanted);
      assertThat(roundTrip(client, "hello")).isEqualTo("hello");
    }
  }

  @Test
  void closed_cannotBeRestored_andBadPortsAreNamed() throws IOException {
    TcpProxy proxy = TcpProxy.to(echo.getLocalPort());
    proxy.close();
    proxy.close();
    assertThatThrownBy(proxy::restore)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> TcpProxy.to(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 0");
    assertThatThrownBy(() -> TcpProxy.to(70000)).hasMessageContaining("was 70000");
  }

  /** A loopback port that was free a moment ago (the OS rarely hands it out again at once). */
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static Socket connect(TcpProxy proxy) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    s.setSoTimeout(10_000);
    return s;
  }

  /** Writes a length-prefixed text and reads the echo; an IOException if the path is broken. */
  private static String roundTrip(Socket s, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    OutputStream out = s.getOutputStream();
    out.write(bytes.length);
    out.write(bytes);
    out.flush();
    DataInputStream in = new DataInputStream(s.getInputStream());
    int n = in.read();
    if (n < 0) {
      throw new IOException("connection ended");
    }
    byte[] back = new byte[n];
    in.readFully(back);
    return new String(back, StandardCharsets.UTF_8);
  }
}
