package io.migrate.transport.posix;

import io.migrate.transport.Transport;
import io.migrate.transport.TransportContract;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

/** {@link TransportContract} against {@link PosixTransport} on a local directory. */
class PosixTransportContractTest extends TransportContract {
    @TempDir
    Path root;

    @Override
    protected Transport newTransport() {
        return PosixTransport.create(PosixTransportConfig.of(root));
    }

    @Override
    protected Optional<byte[]> read(String key) throws Exception {
        Path p = root.resolve(key);
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
    }
}
