package io.github.elasticq.mailbox.management;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.parameterMultiMap;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import io.github.elasticq.mailbox.ElasticMailbox;
import io.github.elasticq.mailbox.ElasticSharedMailbox;
import io.github.elasticq.mailbox.MailboxInfo;
import io.github.elasticq.mailbox.MailboxRegistry;
import io.github.elasticq.mailbox.QosMailbox;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * Read-only Pekko Management routes over {@link MailboxRegistry}, registered in the module's {@code
 * reference.conf} under {@code pekko.management.http.routes.elasticq-mailboxes}:
 *
 * <ul>
 *   <li>{@code GET /elasticq/mailboxes} — {@code {"system":..,"total":n,"mailboxes":[..]}}, every
 *       live ElasticQ mailbox sorted by id then owner. Query parameters: {@code type} ({@code
 *       ElasticMailbox}, {@code ElasticSharedMailbox}, {@code QosMailbox}, simple or fully
 *       qualified) and {@code limit} (1 to {@value #MAX_LIMIT}; {@code total} still counts all
 *       matches). A bad value, a parameter given more than once, or a parameter of another name (a
 *       misspelt filter would otherwise be ignored), is answered {@code 400} with a JSON error
 *       naming the parameter.
 *   <li>{@code GET /elasticq/mailboxes/{id}} — {@code {"id":..,"total":n,"mailboxes":[..]}}, the
 *       live mailboxes created from configuration path {@code id} (one per actor); {@code 404} with
 *       a JSON error when there is none.
 * </ul>
 *
 * The mailbox objects are described in {@link MailboxJson}. Nothing mutates, so the routes are the
 * same whether or not {@link ManagementRouteProviderSettings#readOnly()} is set. Management's base
 * path, bind address and authentication ({@code withAuth}) apply as to every route.
 *
 * <p>Instantiated by Pekko Management (which may construct it more than once while probing
 * constructors); requests are served on Pekko HTTP's threads, concurrently.
 */
public final class MailboxRoutes implements ManagementRouteProvider {

  /** Largest accepted {@code limit}. */
  public static final int MAX_LIMIT = 100_000;

  /** The query parameters of {@code GET /elasticq/mailboxes}. */
  private static final Set<String> PARAMETERS = Set.of("type", "limit");

  private static final Comparator<MailboxInfo> ORDER =
      Comparator.comparing(MailboxInfo::id).thenComparing(MailboxInfo::ownerPath);

  private final ExtendedActorSystem system;

  /** Called by Pekko Management. */
  public MailboxRoutes(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return pathPrefix(
        "elasticq",
        () ->
            pathPrefix(
                "mailboxes",
                () ->
                    get(
                        () ->
                            concat(
                                pathEndOrSingleSlash(() -> parameterMultiMap(this::list)),
                                pathPrefix(
                                    PathMatchers.segment(),
                                    id -> pathEndOrSingleSlash(() -> byId(id)))))));
  }

  private Route list(Map<String, List<String>> multi) {
    Map<String, String> params = new HashMap<>();
    for (Map.Entry<String, List<String>> e : multi.entrySet()) {
      String name = e.getKey();
      if (!PARAMETERS.contains(name)) {
        return json(
            StatusCodes.BAD_REQUEST,
            MailboxJson.error(
                400,
                "unknown query parameter ["
                    + name
                    + "]; the parameters are [type] and [limit] (names are case-sensitive)"));
      }
      if (e.getValue().size() != 1) {
        // parameterMap would keep one of the values: a bad one, or a second filter, went unseen
        return json(
            StatusCodes.BAD_REQUEST,
            MailboxJson.error(
                400, "query parameter [" + name + "] is given " + e.getValue().size() + " times"));
      }
      params.put(name, e.getValue().get(0));
    }
    String type = null;
    int limit = MAX_LIMIT;
    String typeParam = params.get("type");
    if (typeParam != null) {
      type = mailboxType(typeParam);
      if (type == null) {
        return json(
            StatusCodes.BAD_REQUEST,
            MailboxJson.error(
                400,
                "query parameter [type] must be ElasticMailbox, ElasticSharedMailbox or QosMailbox,"
                    + " was ["
                    + typeParam
                    + "]"));
      }
    }
    String limitParam = params.get("limit");
    if (limitParam != null) {
      limit = parseLimit(limitParam);
      if (limit < 0) {
        return json(
            StatusCodes.BAD_REQUEST,
            MailboxJson.error(
                400,
                "query parameter [limit] must be an integer from 1 to "
                    + MAX_LIMIT
                    + ", was ["
                    + limitParam
                    + "]"));
      }
    }
    List<MailboxInfo> matching = new ArrayList<>();
    for (MailboxInfo m : MailboxRegistry.get(system).mailboxes()) {
      if (type == null || type.equals(m.mailboxType())) {
        matching.add(m);
      }
    }
    matching.sort(ORDER);
    List<MailboxInfo> shown = matching.size() > limit ? matching.subList(0, limit) : matching;
    return json(StatusCodes.OK, MailboxJson.list(system.name(), matching.size(), shown));
  }

  private Route byId(String id) {
    List<MailboxInfo> matching = new ArrayList<>();
    for (MailboxInfo m : MailboxRegistry.get(system).mailboxes()) {
      if (id.equals(m.id())) {
        matching.add(m);
      }
    }
    if (matching.isEmpty()) {
      return json(
          StatusCodes.NOT_FOUND,
          MailboxJson.error(404, "no live ElasticQ mailbox has id [" + id + "]"));
    }
    matching.sort(ORDER);
    return json(StatusCodes.OK, MailboxJson.byId(id, matching));
  }

  private static String mailboxType(String name) {
    for (Class<?> c : List.of(ElasticMailbox.class, ElasticSharedMailbox.class, QosMailbox.class)) {
      if (c.getSimpleName().equals(name) || c.getName().equals(name)) {
        return c.getName();
      }
    }
    return null;
  }

  /** The limit, or -1 if it is not an integer in [1, MAX_LIMIT]. */
  private static int parseLimit(String s) {
    try {
      int n = Integer.parseInt(s.trim());
      return n >= 1 && n <= MAX_LIMIT ? n : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static Route json(StatusCode status, String body) {
    return complete(
        HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, body));
  }
}
