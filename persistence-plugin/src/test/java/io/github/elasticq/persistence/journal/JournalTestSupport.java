package io.github.elasticq.persistence.journal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentEnvelope;
import org.apache.pekko.persistence.PersistentRepr;
import scala.jdk.javaapi.CollectionConverters;

/** Shared configuration and message builders for the journal tests. */
final class JournalTestSupport {
  private JournalTestSupport() {}

  static Config config(Path dir, String extra) {
    return ConfigFactory.parseString(
            "pekko.persistence.journal.plugin = \"elasticq.journal\"\n"
                + "pekko.persistence.snapshot-store.plugin = "
                + "\"pekko.persistence.no-snapshot-store\"\n"
                + "pekko.loglevel = WARNING\n"
                + "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]\n"
                + "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"\n"
                + "elasticq.journal.dir = \""
                + dir.toString().replace("\\", "/")
                + "\"\n"
                + extra)
        .withFallback(ConfigFactory.load());
  }

  static ActorSystem system(String name, Path dir) {
    return ActorSystem.create(name, config(dir, ""));
  }

  static PersistentRepr repr(Object payload, long seq, String pid, ActorRef sender) {
    return PersistentRepr.apply(payload, seq, pid, "", false, sender, "writer-1");
  }

  static AtomicWrite atomic(PersistentRepr... reprs) {
    return new AtomicWrite(CollectionConverters.asScala(List.of(reprs)).toList());
  }

  static scala.collection.immutable.Seq<PersistentEnvelope> seq(AtomicWrite... writes) {
    List<PersistentEnvelope> l = new ArrayList<>(List.of(writes));
    return CollectionConverters.asScala(l).toList();
  }
}
