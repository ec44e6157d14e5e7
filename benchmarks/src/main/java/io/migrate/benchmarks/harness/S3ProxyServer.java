package io.migrate.benchmarks.harness;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A standalone S3Proxy 4.1.0 server (filesystem store) in its own process, so this library, the
 * SDK contenders and rclone all talk to the same server from outside it. {@link #close()} stops
 * the process (SIGTERM, then SIGKILL after 10 s).
 */
final class S3ProxyServer implements BenchServer {
    static final String ACCESS_KEY = "bench-access";
    static final String SECRET_KEY = "bench-secret-key";

    private final Process process;
    private final URI endpoint;
    private final Path store;

    private S3ProxyServer(Process process, URI endpoint, Path store) {
        this.process = process;
        this.endpoint = endpoint;
        this.store = store;
    }

    /**
     * Starts the server and waits until it accepts connections.
     *
     * @param jar the {@code s3proxy-4.1.0-jar-with-dependencies.jar}
     * @param dir work directory: the store goes to {@code dir/store}, the log to {@code dir/s3proxy.log}
     */
    static S3ProxyServer start(Path jar, Path dir, String heap) throws IOException, InterruptedException {
        Path store = Files.createDirectories(dir.resolve("store"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Path conf = dir.resolve("s3proxy.conf");
        Files.writeString(conf, String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                // The SDK's transfer manager sends headers S3Proxy does not implement.
                "s3proxy.ignore-unknown-headers=true",
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + store, ""));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx" + heap, "-jar", jar.toString(),
                "--properties", conf.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        S3ProxyServer server = new S3ProxyServer(p, endpoint, store);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return server;
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    server.close();
                    throw new IOException("S3Proxy did not start; see " + dir.resolve("s3proxy.log"), e);
                }
                TimeUnit.MILLISECONDS.sleep(100); // polling a port that has no event to wait on
            }
        }
    }

    @Override
    public String title() {
        return "S3Proxy 4.1.0, filesystem store";
    }

    @Override
    public String key() {
        return "s3proxy";
    }

    @Override
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String accessKey() {
        return ACCESS_KEY;
    }

    @Override
    public String secretKey() {
        return SECRET_KEY;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public double cpuMillis() {
        return Bench.cpuMillisOf(process.pid());
    }

    /** Deletes the prefix's files in the filesystem store directly (faster than the S3 API). */
    @Override
    public void deletePrefix(software.amazon.awssdk.services.s3.S3Client sync, String bucket, String prefix) {
        try {
            io.migrate.testing.Trees.deleteTree(store.resolve(bucket).resolve(prefix));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
