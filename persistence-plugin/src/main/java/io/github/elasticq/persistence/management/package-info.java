/**
 * Pekko Management integration of the ElasticQ journal: the startup check {@link
 * io.github.elasticq.persistence.management.JournalStartupCheck} (recovery finished), the readiness
 * check {@link io.github.elasticq.persistence.management.JournalReadinessCheck} (the log accepts
 * writes) and the read-only route {@link io.github.elasticq.persistence.management.JournalRoutes}
 * ({@code GET /elasticq/journal}). Registered by the module's {@code reference.conf}; they take
 * effect only when the application depends on {@code pekko-management} and starts it.
 */
package io.github.elasticq.persistence.management;
