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
import org.apache.curator.retry.ExponentialBackoffRetry;
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
                // Retry forever with a capped backoff: giving up would leave the node deaf.
                .retryPolicy(new ExponentialBackoffRetry(100, 29, 2_000))
                .build();
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
