package io.github.elasticq.examples.cluster;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** {@link PostgresSchema} without a database: fast, clear failures. */
class PostgresSchemaTest {
  @Test
  void create_whenNothingListens_failsNamingTheStartCommand() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    PostgresSchema schema =
        new PostgresSchema("jdbc:postgresql://127.0.0.1:" + port + "/test", "postgres", "x_test");
    assertThatIllegalStateException()
        .isThrownBy(schema::create)
        .withMessageContaining("127.0.0.1:" + port)
        .withMessageContaining(PostgresSchema.START_COMMAND);
  }

  @Test
  void constructor_whenSchemaIsNotAnIdentifier_namesIt() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new PostgresSchema("jdbc:postgresql://127.0.0.1/test", "u", "a;drop"))
        .withMessageContaining("'a;drop'");
  }
}
