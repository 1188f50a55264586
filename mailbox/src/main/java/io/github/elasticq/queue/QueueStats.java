package io.github.elasticq.queue;

/**
 * A point-in-time view of one queue's sizing and traffic counters.
 *
 * <p>The fields are read independently, without a lock, so under concurrent traffic they need not
 * agree with one another exactly (for example {@code enqueued - dequeued} may differ from {@code
 * size} by the operations in flight); each one is exact for some recent moment.
 *
 * @param capacity current logical capacity: the number of elements the queue accepts before it must
 *     grow
 * @param size number of elements held
 * @param enqueued elements accepted since creation
 * @param dequeued elements removed since creation
 * @param rejected offers refused because the queue was at its maximum capacity
 * @param grows number of growth steps
 * @param shrinks number of shrink steps
 * @param peakSize largest size observed
 * @param allocatedSlots element slots held in arrays right now (memory follows capacity)
 */
public record QueueStats(
    int capacity,
    int size,
    long enqueued,
    long dequeued,
    long rejected,
    long grows,
    long shrinks,
    int peakSize,
    long allocatedSlots) {}
