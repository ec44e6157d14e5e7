package io.migrate.ha.zookeeper;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.RetryPolicy;
import org.apache.curator.RetrySleeper;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/** Curator client creation and bounded round trips shared by the election and the membership. */
final class Clients {
    private Clients() {
    }

    static CuratorFramework newClient(ZooKeeperConfig config) {
        return CuratorFrameworkFactory.builder()
                .connectString(config.connectString())
                .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) config.connectionTimeout().toMillis())
                .retryPolicy(new CappedBackoffRetry(config.sessionTimeout()))
                .build();
    }

    /**
     * Curator's retry of one operation: 100 ms doubling to at most 2 s, with jitter, for at most
     * one session timeout in all (a longer outage has expired the session anyway); the ZooKeeper
     * client itself keeps reconnecting. Not {@code ExponentialBackoffRetry(100, 29, 2000)}: it
     * computes sleeps past its own cap and WARNs "Sleep extension too large" on every retry
     * after the fifth (Curator's bounded variant does the same past the 24th, when the int
     * overflows), and 29 retries of 2 s kept a {@code close()} during an outage busy for a minute.
     */
    static final class CappedBackoffRetry implements RetryPolicy {
        static final long BASE_MS = 100;
        static final long MAX_SLEEP_MS = 2_000;
        private final long maxElapsedMs;

        CappedBackoffRetry(Duration maxElapsed) {
            this.maxElapsedMs = maxElapsed.toMillis();
        }

        @Override
        public boolean allowRetry(int retryCount, long elapsedTimeMs, RetrySleeper sleeper) {
            if (elapsedTimeMs >= maxElapsedMs) {
                return false;
            }
            long cap = Math.min(MAX_SLEEP_MS, BASE_MS << Math.min(retryCount, 10));
            long sleep = Math.min(cap / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(cap / 2 + 1),
                    Math.max(1, maxElapsedMs - elapsedTimeMs));
            try {
                sleeper.sleepFor(sleep, TimeUnit.MILLISECONDS);
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * Waits up to {@code config.startTimeout()} for the client's first connection.
     *
     * @throws MigrateException {@code HA_UNAVAILABLE} naming the ensemble if it does not connect
     *     in time
     */
    static void awaitFirstConnection(CuratorFramework client, ZooKeeperConfig config, String who) {
        Duration wait = config.startTimeout();
        if (wait.isZero()) {
            return;
        }
        boolean connected;
        try {
            connected = client.blockUntilConnected((int) Math.min(Integer.MAX_VALUE, wait.toMillis()),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrateException(ErrorCode.HA_UNAVAILABLE, who + " interrupted while connecting to ZooKeeper", e);
        }
        if (!connected) {
            throw new MigrateException(ErrorCode.HA_UNAVAILABLE, who + " could not connect to ZooKeeper at "
                    + config.connectString() + " within " + wait + " (ha.zookeeper.startTimeout)");
        }
    }

    /** Marker for "the round trip did not answer in time or failed". */
    static final class NoAnswer extends Exception {
        private static final long serialVersionUID = 1L;

        NoAnswer(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * {@code checkExists} bounded by {@code timeout}; Curator's synchronous call would block for
     * the whole connection timeout times its retries.
     *
     * @return the stat, or null when the node does not exist
     * @throws NoAnswer on timeout or any error other than NONODE
     * @throws InterruptedException if interrupted while waiting
     */
    static Stat stat(CuratorFramework client, String path, Duration timeout) throws NoAnswer, InterruptedException {
        CompletableFuture<Stat> answer = new CompletableFuture<>();
        try {
            client.checkExists().inBackground((c, event) -> {
                int rc = event.getResultCode();
                if (rc == KeeperException.Code.OK.intValue()) {
                    answer.complete(event.getStat());
                } else if (rc == KeeperException.Code.NONODE.intValue()) {
                    answer.complete(null);
                } else {
                    answer.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), path));
                }
            }).forPath(path);
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            throw e;
        } catch (ExecutionException e) {
            throw new NoAnswer("checkExists " + path + " failed", e.getCause());
        } catch (TimeoutException e) {
            throw new NoAnswer("checkExists " + path + " did not answer within " + timeout, e);
        } catch (Exception e) {
            throw new NoAnswer("checkExists " + path + " failed", e);
        }
    }

    /** @return the client's current session id, or 0 when it has none */
    static long sessionId(CuratorFramework client) {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return 0;
        }
    }

    static MigrateException unavailable(String what, Throwable cause) {
        return new MigrateException(ErrorCode.HA_UNAVAILABLE, what, cause);
    }
}
