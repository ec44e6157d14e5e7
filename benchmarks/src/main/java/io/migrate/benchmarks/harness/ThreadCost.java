package io.migrate.benchmarks.harness;

import io.migrate.ha.spi.Membership;
import io.migrate.ha.spi.MembershipListener;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the dispatcher and scale sections measure of the leader: the wall time, CPU time (user +
 * system) and allocation of one piece of work on the calling thread ({@code ThreadMXBean}), the
 * heap after full collections, and a fixed set of live nodes to dispatch to.
 */
final class ThreadCost {
    private ThreadCost() {
    }

    /**
     * The cost of one piece of work on the calling thread.
     *
     * @param wallMs wall time, ms
     * @param cpuMs the thread's CPU time, ms
     * @param allocMb the thread's allocation, MB
     */
    record Cost(double wallMs, double cpuMs, double allocMb) {
        /** @return {wall, CPU, alloc}, for medians */
        double[] toArray() {
            return new double[] {wallMs, cpuMs, allocMb};
        }
    }

    /** Work that may throw. */
    @FunctionalInterface
    interface Work<T> {
        T run() throws Exception;
    }

    /**
     * Runs the work on this thread and measures it.
     *
     * @param work the work
     * @param result receives the work's result (may be null)
     * @return its cost
     */
    static <T> Cost measure(Work<T> work, java.util.function.Consumer<T> result) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long alloc0 = mx.getThreadAllocatedBytes(tid);
        long cpu0 = mx.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        T r = work.run();
        long wall = System.nanoTime() - wall0;
        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
        long alloc = mx.getThreadAllocatedBytes(tid) - alloc0;
        if (result != null) {
            result.accept(r);
        }
        return new Cost(wall / 1e6, cpu / 1e6, alloc / 1e6);
    }

    /** @return {@link #measure} without a result */
    static Cost measure(Work<?> work) throws Exception {
        return measure(work, null);
    }

    /** Used heap after full collections (System.gc() is a full GC with G1 unless disabled). */
    static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** A fixed set of live nodes. */
    record FixedMembership(List<String> nodes) implements Membership {
        @Override
        public void start() {
        }

        @Override
        public Set<String> liveNodes() {
            return new TreeSet<>(nodes);
        }

        @Override
        public Set<String> knownNodes() {
            return liveNodes();
        }

        @Override
        public boolean isAlive(String nodeId) {
            return nodes.contains(nodeId);
        }

        @Override
        public void addListener(MembershipListener listener) {
        }

        @Override
        public void removeListener(MembershipListener listener) {
        }

        @Override
        public void close() {
        }
    }
}
