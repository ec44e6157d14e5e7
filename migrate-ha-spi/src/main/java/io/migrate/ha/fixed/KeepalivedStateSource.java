package io.migrate.ha.fixed;

import io.migrate.internal.Lifecycle;
import io.migrate.internal.NamedThreadFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * keepalived's view of this node's VRRP state, read from where its notify hook writes it.
 *
 * <ul>
 *   <li>Regular file: a notify script does {@code echo $3 > FILE}; the last line is read at each
 *       check. A SIGKILLed keepalived leaves {@code MASTER} behind, like the VIP itself.</li>
 *   <li>FIFO ({@code notify_fifo}): a reader thread ({@code migrate-ha-keepalived-N}) keeps the
 *       latest line. When every writer closes the FIFO (keepalived died), the state becomes
 *       {@link KeepalivedState#UNKNOWN} until keepalived writes again: this catches the SIGKILL
 *       case that the address check alone misses.</li>
 * </ul>
 *
 * <p>Thread-safety: {@link #current()} may be called from any thread; {@link #close()} is
 * idempotent and stops the reader within a bounded wait.
 */
final class KeepalivedStateSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeepalivedStateSource.class);

    private final Path path;
    /** Latest FIFO state; written only by the reader thread. */
    private volatile KeepalivedState fifoState = KeepalivedState.UNKNOWN;
    /** NEW until {@link #start()}; the reader thread runs while STARTED. */
    private final Lifecycle lifecycle = new Lifecycle("keepalived state source");
    private volatile Thread reader;

    KeepalivedStateSource(Path path) {
        this.path = path;
    }

    /** Starts the FIFO reader if the path is a FIFO (checked now). */
    void start() {
        if (!lifecycle.start()) {
            return;
        }
        if (isFifo()) {
            Thread t = new NamedThreadFactory("ha-keepalived").newThread(this::readFifo);
            reader = t;
            t.start();
        }
    }

    private boolean isFifo() {
        return Files.exists(path) && !Files.isRegularFile(path) && !Files.isDirectory(path);
    }

    KeepalivedState current() {
        if (reader != null) {
            return fifoState;
        }
        try {
            return KeepalivedState.parseFile(Files.readString(path, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return KeepalivedState.UNKNOWN;
        } catch (IOException e) {
            LOG.debug("cannot read keepalived state {}", path, e);
            return KeepalivedState.UNKNOWN;
        }
    }

    /** Reader thread: open (blocks until a writer opens), read lines, on EOF forget, reopen. */
    private void readFifo() {
        while (!lifecycle.isClosed()) {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(Files.newInputStream(path), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null && !lifecycle.isClosed()) {
                    KeepalivedState s = KeepalivedState.parseLine(line);
                    if (s != KeepalivedState.UNKNOWN) {
                        fifoState = s;
                        LOG.debug("keepalived reports {}", s);
                    }
                }
                // Every writer closed the FIFO: keepalived is gone or restarting.
                if (!lifecycle.isClosed() && fifoState != KeepalivedState.UNKNOWN) {
                    LOG.info("keepalived closed its notify FIFO {}; VRRP state UNKNOWN until it writes again", path);
                }
                fifoState = KeepalivedState.UNKNOWN;
            } catch (IOException e) {
                fifoState = KeepalivedState.UNKNOWN;
                LOG.warn("cannot read keepalived notify FIFO {}", path, e);
                return;
            }
        }
    }

    @Override
    public void close() {
        if (!lifecycle.close()) {
            return;
        }
        Thread t = reader;
        if (t == null) {
            return;
        }
        // The reader blocks in open() or read(), which interrupts do not end. Opening the FIFO
        // read-write never blocks on Linux and counts as a writer: the reader's open returns, and
        // once we close it the reader sees EOF, checks the flag and exits.
        try (RandomAccessFile wake = new RandomAccessFile(path.toFile(), "rw")) {
            wake.write('\n');
        } catch (IOException e) {
            LOG.debug("cannot wake keepalived FIFO reader", e);
        }
        try {
            t.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("keepalived FIFO reader did not stop within 5 s");
        }
    }
}
