package io.migrate.ha.fixed;

import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.LeaderElectionContract;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LeaderElectionContract} against {@link VipLeaderElection} with keepalived's state (the
 * static VIP set-up): every participant runs on this host, where the VIP {@code 127.0.0.1} is
 * always present, so keepalived's notify file decides, as it does after a SIGKILLed keepalived
 * left a stale address behind. The first participant's file says MASTER, the others' BACKUP.
 * keepalived, not the library, moves the VIP: closing the leader does not fail over.
 */
class VipLeaderElectionContractTest extends LeaderElectionContract {
    @TempDir
    Path dir;

    @Override
    protected LeaderElection newParticipant(String nodeId) throws Exception {
        Path state = dir.resolve(nodeId + ".vrrp");
        // written once before the election starts, so no torn read is possible
        Files.writeString(state, nodeId.equals(participants().get(0)) ? "MASTER\n" : "BACKUP\n");
        return VipLeaderElection.builder().nodeId(nodeId).vip(InetAddress.getByName("127.0.0.1"))
                .keepalivedState(state).pollInterval(Duration.ofMillis(20)).build();
    }

    @Override
    protected boolean failsOver() {
        return false; // keepalived moves the address; closing the Java object does not
    }
}
