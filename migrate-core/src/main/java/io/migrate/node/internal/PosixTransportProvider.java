package io.migrate.node.internal;

import io.migrate.config.Settings;
import io.migrate.error.ConfigurationException;
import io.migrate.node.spi.TransportProvider;
import io.migrate.transport.Transport;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code transport.type=posix}: {@code transport.posix.root} (one destination directory) or
 * {@code transport.posix.endpoints} ({@code id:/mount/a,id2:/mount/b}, several mounts of one
 * destination); {@code transport.posix.fsync} (default true); {@code transport.posix.copyLocalFiles}
 * (default true: ranges are copied in the kernel, see {@link PosixTransportConfig.Builder#copyLocalFiles});
 * {@code transport.posix.staleUploadAge} (default 24h) and {@code transport.posix.staleUploadSweepInterval}
 * (default 1h, 0 turns the sweeper off), see {@link PosixTransport#sweepStaleUploads}.
 */
public final class PosixTransportProvider implements TransportProvider {
    /** ServiceLoader constructor. */
    public PosixTransportProvider() {
    }

    @Override
    public String type() {
        return "posix";
    }

    @Override
    public Transport create(Settings settings) {
        Settings s = settings.under("posix.");
        PosixTransportConfig.Builder b = PosixTransportConfig.builder().fsync(s.bool("fsync", true))
                .copyLocalFiles(s.bool("copyLocalFiles", true));
        s.optional("staleUploadAge").ifPresent(v -> b.staleUploadAge(s.duration("staleUploadAge", null)));
        s.optional("staleUploadSweepInterval").ifPresent(v -> b.staleUploadSweepInterval(
                s.durationOrOff("staleUploadSweepInterval", null)));
        Map<String, String> endpoints = s.pairs("endpoints");
        var root = s.optional("root");
        if (root.isPresent() == !endpoints.isEmpty()) {
            throw new ConfigurationException(s.fullKey("root"),
                    "set exactly one of " + s.fullKey("root") + " or " + s.fullKey("endpoints"));
        }
        root.ifPresent(r -> b.endpoint("posix-0", Path.of(r)));
        endpoints.forEach((id, dir) -> b.endpoint(id, Path.of(dir)));
        return PosixTransport.create(b.build());
    }
}
