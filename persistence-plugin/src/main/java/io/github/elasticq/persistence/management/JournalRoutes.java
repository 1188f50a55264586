package io.github.elasticq.persistence.management;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import io.github.elasticq.persistence.wal.WalStats;
import io.github.elasticq.persistence.wal.WriteAheadLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * The read-only Pekko Management route {@code GET /elasticq/journal}, registered under {@code
 * pekko.management.http.routes.elasticq-journal}. It answers, for each watched journal (see {@link
 * JournalStartupCheck}):
 *
 * <pre>
 * {"system":"sys","journals":[{"plugin":"elasticq.journal","state":"open","dir":"/data/journal",
 *   "syncMode":"every-write","usableSpace":123456789,"lastWriteFailure":null,"openFailure":null,
 *   "stats":{"recordsWritten":10,"writes":4,"fsyncs":5,"bytesWritten":2048,"segments":1,
 *            "compactedSegments":0,"reclaimedBytes":0,"truncatedBytes":0,"quarantinedSegments":0}}]}
 * </pre>
 *
 * {@code state} is {@code not-started}, {@code recovering}, {@code open}, {@code closed} or {@code
 * failed}; {@code stats} (the {@code WalStats} fields by name) and {@code syncMode} are {@code
 * null} until the log is open; {@code dir} and {@code usableSpace} are {@code null} while the
 * configured {@code dir} is not a path (the journal fails to open: see {@code openFailure}), and
 * {@code usableSpace} also while the file system has not answered a free-space query within half a
 * second (a hung volume; the query runs on Pekko's blocking-I/O dispatcher, one at a time per
 * directory); before the directory exists it is the space of its nearest existing parent, where it
 * will be created. Reading never starts a journal and never blocks. Nothing mutates, so {@link
 * ManagementRouteProviderSettings#readOnly()} changes nothing; Management's base path, bind address
 * and authentication apply.
 *
 * <p>Instantiated by Pekko Management (possibly more than once while it probes constructors).
 */
public final class JournalRoutes implements ManagementRouteProvider {

  private final ExtendedActorSystem system;

  /** Called by Pekko Management. */
  public JournalRoutes(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return routes(new JournalHealth(system));
  }

  /** The route over {@code health}; tests give one whose free-space query they control. */
  Route routes(JournalHealth health) {
    return pathPrefix(
        "elasticq",
        () -> pathPrefix("journal", () -> pathEndOrSingleSlash(() -> get(() -> journals(health)))));
  }

  private Route journals(JournalHealth health) {
    List<String> ids = health.journals();
    List<Path> dirs = new ArrayList<>(ids.size());
    List<CompletableFuture<Long>> spaces = new ArrayList<>(ids.size());
    for (String id : ids) {
      Path dir =
          health
              .log(id)
              .map(WriteAheadLog::directory)
              .or(() -> health.configuredDir(id))
              .orElse(null);
      dirs.add(dir);
      spaces.add(
          dir == null
              ? CompletableFuture.completedFuture(JournalHealth.NO_ANSWER)
              : health.usableSpace(dir));
    }
    CompletableFuture<HttpResponse> response =
        CompletableFuture.allOf(spaces.toArray(new CompletableFuture<?>[0]))
            .thenApply(
                done -> {
                  StringBuilder sb = new StringBuilder("{\"system\":");
                  quote(sb, system.name());
                  sb.append(",\"journals\":[");
                  for (int i = 0; i < ids.size(); i++) {
                    if (i > 0) {
                      sb.append(',');
                    }
                    journal(sb, health, ids.get(i), dirs.get(i), spaces.get(i).join());
                  }
                  sb.append("]}");
                  return HttpResponse.create()
                      .withStatus(StatusCodes.OK)
                      .withEntity(ContentTypes.APPLICATION_JSON, sb.toString());
                });
    return completeWithFuture(response);
  }

  private static void journal(
      StringBuilder sb, JournalHealth health, String id, Path dir, long usableSpace) {
    Optional<WriteAheadLog> log = health.log(id);
    sb.append("{\"plugin\":");
    quote(sb, id);
    sb.append(",\"state\":");
    quote(sb, health.state(id).json);
    sb.append(",\"dir\":");
    if (dir != null) {
      quote(sb, dir.toString());
    } else {
      sb.append("null");
    }
    sb.append(",\"syncMode\":");
    if (log.isPresent()) {
      quote(sb, log.get().settings().syncMode().configName());
    } else {
      sb.append("null");
    }
    sb.append(",\"usableSpace\":");
    if (usableSpace != JournalHealth.NO_ANSWER) {
      sb.append(usableSpace);
    } else {
      sb.append("null");
    }
    sb.append(",\"lastWriteFailure\":");
    Exception failure = log.map(WriteAheadLog::lastWriteFailure).orElse(null);
    if (failure != null) {
      quote(sb, failure.toString());
    } else {
      sb.append("null");
    }
    sb.append(",\"openFailure\":");
    Optional<RuntimeException> openFailure = health.openFailure(id);
    if (openFailure.isPresent()) {
      RuntimeException f = openFailure.get();
      quote(sb, f.getMessage() != null ? f.getMessage() : f.toString());
    } else {
      sb.append("null");
    }
    sb.append(",\"stats\":");
    if (log.isPresent() && !log.get().isClosed()) {
      WalStats s = log.get().stats();
      sb.append("{\"recordsWritten\":")
          .append(s.recordsWritten())
          .append(",\"writes\":")
          .append(s.writes())
          .append(",\"fsyncs\":")
          .append(s.fsyncs())
          .append(",\"bytesWritten\":")
          .append(s.bytesWritten())
          .append(",\"segments\":")
          .append(s.segments())
          .append(",\"compactedSegments\":")
          .append(s.compactedSegments())
          .append(",\"reclaimedBytes\":")
          .append(s.reclaimedBytes())
          .append(",\"truncatedBytes\":")
          .append(s.truncatedBytes())
          .append(",\"quarantinedSegments\":")
          .append(s.quarantinedSegments())
          .append('}');
    } else {
      sb.append("null");
    }
    sb.append('}');
  }

  /** Appends {@code s} as a JSON string (RFC 8259): quotes, backslash and controls escaped. */
  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
