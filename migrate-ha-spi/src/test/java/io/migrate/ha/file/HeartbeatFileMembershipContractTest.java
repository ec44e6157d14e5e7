package io.migrate.ha.file;

import io.migrate.ha.spi.Membership;
import io.migrate.ha.spi.MembershipContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/** {@link MembershipContract} against {@link HeartbeatFileMembership} on a local task root. */
class HeartbeatFileMembershipContractTest extends MembershipContract {
    @TempDir
    Path taskRoot;

    @Override
    protected Membership newMember(String nodeId) {
        return HeartbeatFileMembership.builder().nodeId(nodeId).taskRoot(taskRoot)
                .heartbeatInterval(Duration.ofMillis(100)).nodeLease(Duration.ofSeconds(1)).build();
    }
}
