package io.migrate.ha.fixed;

import io.migrate.error.ConfigurationException;
import io.migrate.ha.file.HeartbeatFileMembership;
import io.migrate.ha.internal.HaProperties;
import io.migrate.ha.spi.HaContext;
import io.migrate.ha.spi.HaProvider;
import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.Membership;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code ha.type=static}: a fixed leader ({@code ha.static.leader}) or the holder of a virtual
 * IP ({@code ha.static.vip}, optional {@code ha.static.vip.pollInterval},
 * {@code ha.static.vip.keepalivedState}); membership by heartbeat files
 * ({@code ha.heartbeat.interval}, {@code ha.heartbeat.nodeLease}, {@code ha.nodes}).
 * Registered through {@code META-INF/services}; stateless and thread-safe.
 */
public final class StaticHaProvider implements HaProvider {
    static final String LEADER = "static.leader";
    static final String VIP = "static.vip";
    static final String VIP_POLL = "static.vip.pollInterval";
    static final String KEEPALIVED_STATE = "static.vip.keepalivedState";

    /** ServiceLoader constructor. */
    public StaticHaProvider() {
    }

    @Override
    public String type() {
        return "static";
    }

    @Override
    public LeaderElection createElection(HaContext context) {
        HaProperties p = new HaProperties(context);
        var leader = p.optional(LEADER);
        var vip = p.optional(VIP);
        if (leader.isPresent() == vip.isPresent()) {
            throw new ConfigurationException(HaProperties.fullKey(LEADER),
                    "set exactly one of " + HaProperties.fullKey(LEADER) + " (a node id) or "
                            + HaProperties.fullKey(VIP) + " (a virtual IP address)");
        }
        if (leader.isPresent()) {
            return new FixedLeaderElection(context.nodeId(), leader.get());
        }
        VipLeaderElection.Builder b = VipLeaderElection.builder()
                .nodeId(context.nodeId())
                .vip(parseAddress(vip.get()))
                .pollInterval(p.duration(VIP_POLL, VipLeaderElection.DEFAULT_POLL_INTERVAL));
        p.optional(KEEPALIVED_STATE).map(Path::of).ifPresent(b::keepalivedState);
        return HaProperties.build(Map.of("pollInterval", VIP_POLL), "static.vip", b::build);
    }

    private static InetAddress parseAddress(String literal) {
        // Only IP literals: a host name would need DNS at every start, and could resolve wrongly.
        if (!literal.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            throw new ConfigurationException(HaProperties.fullKey(VIP), "must be an IPv4 or IPv6 literal, was '" + literal + "'");
        }
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new ConfigurationException(HaProperties.fullKey(VIP), "must be an IPv4 or IPv6 literal, was '" + literal + "'");
        }
    }

    @Override
    public Membership createMembership(HaContext context) {
        return heartbeatMembership(context);
    }

    /**
     * The heartbeat-file membership configured from {@code ha.heartbeat.*} and {@code ha.nodes}.
     *
     * @param context the node's context
     * @return a new, not started membership
     * @throws ConfigurationException naming the bad key
     */
    public static HeartbeatFileMembership heartbeatMembership(HaContext context) {
        HaProperties p = new HaProperties(context);
        return HaProperties.build(Map.of("heartbeatInterval", "heartbeat.interval", "nodeLease", "heartbeat.nodeLease"),
                "heartbeat", () -> HeartbeatFileMembership.builder()
                        .nodeId(context.nodeId())
                        .taskRoot(context.taskRoot())
                        .heartbeatInterval(p.duration("heartbeat.interval", HeartbeatFileMembership.DEFAULT_HEARTBEAT_INTERVAL))
                        .nodeLease(p.duration("heartbeat.nodeLease", HeartbeatFileMembership.DEFAULT_NODE_LEASE))
                        .knownNodes(p.list("nodes"))
                        .build());
    }
}
