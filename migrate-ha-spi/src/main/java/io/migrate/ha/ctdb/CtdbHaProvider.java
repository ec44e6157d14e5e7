package io.migrate.ha.ctdb;

import io.migrate.error.ConfigurationException;
import io.migrate.ha.internal.HaProperties;
import io.migrate.ha.spi.HaContext;
import io.migrate.ha.spi.HaProvider;
import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.Membership;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ha.type=ctdb}. Keys: {@code ha.ctdb.nodes} (required, {@code 0:node-a,1:node-b,...}),
 * {@code ha.ctdb.command} (default {@code ctdb}), {@code ha.ctdb.timeout} (3s),
 * {@code ha.ctdb.pollInterval} (2s), {@code ha.ctdb.leaderCommand}
 * ({@code auto|leader|recmaster}), {@code ha.ctdb.env} ({@code NAME:value,...}, e.g.
 * {@code CTDB_SOCKET:/run/ctdb/ctdbd.socket}). Stateless, thread-safe.
 */
public final class CtdbHaProvider implements HaProvider {
    /** ServiceLoader constructor. */
    public CtdbHaProvider() {
    }

    @Override
    public String type() {
        return "ctdb";
    }

    @Override
    public LeaderElection createElection(HaContext context) {
        return new CtdbLeaderElection(config(context));
    }

    @Override
    public Membership createMembership(HaContext context) {
        return new CtdbMembership(config(context));
    }

    static CtdbConfig config(HaContext context) {
        HaProperties p = new HaProperties(context);
        Map<Integer, String> nodes = new TreeMap<>();
        String nodesKey = "ctdb.nodes";
        p.required(nodesKey, "PNN to node id, like 0:node-a,1:node-b");
        p.pairs(nodesKey).forEach((pnn, id) -> {
            try {
                nodes.put(Integer.parseInt(pnn), id);
            } catch (NumberFormatException e) {
                throw new ConfigurationException(HaProperties.fullKey(nodesKey), "PNN must be a number, was '" + pnn + "'");
            }
        });
        String leader = p.optional("ctdb.leaderCommand").orElse("auto");
        CtdbConfig.LeaderCommand leaderCommand;
        try {
            leaderCommand = CtdbConfig.LeaderCommand.valueOf(leader.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(HaProperties.fullKey("ctdb.leaderCommand"),
                    "allowed: auto, leader, recmaster; was '" + leader + "'");
        }
        return HaProperties.build(Map.of(), "ctdb", () -> CtdbConfig.builder()
                    .nodeId(context.nodeId())
                    .command(p.optional("ctdb.command").orElse("ctdb"))
                    .environment(p.pairs("ctdb.env"))
                    .timeout(p.duration("ctdb.timeout", CtdbConfig.DEFAULT_TIMEOUT))
                    .pollInterval(p.duration("ctdb.pollInterval", CtdbConfig.DEFAULT_POLL_INTERVAL))
                    .leaderCommand(leaderCommand)
                    .nodes(nodes)
                    .build());
    }
}
