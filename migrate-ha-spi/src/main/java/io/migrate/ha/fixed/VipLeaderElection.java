package io.migrate.ha.fixed;

import io.migrate.ha.internal.PolledLeaderElection;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.internal.Require;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * keepalived-style leadership: this node leads while one of its network interfaces holds the
 * virtual IP ({@code NetworkInterface.getByInetAddress(vip) != null}), checked every poll
 * interval and on {@link #revalidate()}.
 *
 * <p>A SIGKILLed keepalived leaves the VIP on its interface while the backup takes it over, so
 * the address alone is not proof. With a keepalived state source configured (the file or FIFO its
 * notify hook writes {@code MASTER}/{@code BACKUP}/{@code FAULT} into) the state is:
 * <ul>
 *   <li>VIP absent: NOT_LEADER;</li>
 *   <li>VIP present and keepalived says MASTER: LEADER;</li>
 *   <li>VIP present and keepalived says BACKUP, FAULT or STOP: NOT_LEADER;</li>
 *   <li>VIP present and keepalived's state unknown (no file yet, FIFO closed because keepalived
 *       died): UNKNOWN;</li>
 *   <li>interfaces cannot be listed: UNKNOWN.</li>
 * </ul>
 * Without a state source, VIP present means LEADER.
 *
 * <p>Thread-safety: all methods may be called from any thread. Threads owned: the poller
 * ({@code migrate-ha-vip-N}), the notifier, and for a FIFO its reader. {@link #close()} is
 * idempotent and bounded.
 */
public final class VipLeaderElection extends PolledLeaderElection {
    /** Default poll interval. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    private final InetAddress vip;
    private final KeepalivedStateSource keepalived;

    private VipLeaderElection(Builder b) {
        super(b.nodeId, b.pollInterval, "ha-vip");
        this.vip = b.vip;
        this.keepalived = b.keepalivedState == null ? null : new KeepalivedStateSource(b.keepalivedState);
    }

    /** @return a builder; poll interval defaults to 1 s */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected void onStart() {
        if (keepalived != null) {
            keepalived.start();
        }
    }

    @Override
    protected void onClose() {
        if (keepalived != null) {
            keepalived.close();
        }
    }

    @Override
    protected LeadershipState check() {
        boolean holdsVip;
        try {
            holdsVip = NetworkInterface.getByInetAddress(vip) != null;
        } catch (SocketException e) {
            return LeadershipState.UNKNOWN;
        }
        if (!holdsVip) {
            return LeadershipState.NOT_LEADER;
        }
        if (keepalived == null) {
            return LeadershipState.LEADER;
        }
        return switch (keepalived.current()) {
            case MASTER -> LeadershipState.LEADER;
            case BACKUP, FAULT, STOP -> LeadershipState.NOT_LEADER;
            case UNKNOWN -> LeadershipState.UNKNOWN;
        };
    }

    /** @return this node's id while it leads; the VIP holder is not known otherwise */
    @Override
    public Optional<String> currentLeader() {
        return state() == LeadershipState.LEADER ? Optional.of(nodeId()) : Optional.empty();
    }

    /** Configuration of a {@link VipLeaderElection}. Not thread-safe. */
    public static final class Builder {
        private String nodeId;
        private InetAddress vip;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Path keepalivedState;

        private Builder() {
        }

        /** @param nodeId this node's id; required */
        public Builder nodeId(String nodeId) {
            this.nodeId = nodeId;
            return this;
        }

        /** @param vip the virtual IP; required */
        public Builder vip(InetAddress vip) {
            this.vip = vip;
            return this;
        }

        /** @param interval how often the address is checked; default 1 s */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = interval;
            return this;
        }

        /** @param path file or FIFO keepalived's notify hook writes the VRRP state to; optional */
        public Builder keepalivedState(Path path) {
            this.keepalivedState = path;
            return this;
        }

        /**
         * @return a new, not started election
         * @throws io.migrate.error.ConfigurationException naming the bad setting
         */
        public VipLeaderElection build() {
            Require.nonBlank("nodeId", nodeId);
            Require.nonNull("vip", vip);
            Require.positive("pollInterval", pollInterval);
            return new VipLeaderElection(this);
        }
    }
}
