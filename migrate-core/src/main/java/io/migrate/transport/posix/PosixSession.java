package io.migrate.transport.posix;

import io.migrate.error.ErrorCode;
import io.migrate.transport.CommitGuard;
import io.migrate.transport.Disposition;
import io.migrate.transport.MetadataKeys;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TargetStat;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import io.migrate.transport.UploadGoneException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Clock;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session on one POSIX endpoint. Holds no open files between calls, so any number of
 * sessions can write ranges of the same upload and a dropped session leaks nothing.
 * Not thread-safe (one mover thread).
 */
final class PosixSession implements TransportSession {
    private static final Logger log = LoggerFactory.getLogger(PosixSession.class);
    private static final String TEMP_SUFFIX = ".migrate-tmp";
    /**
     * The temporary names the stale-upload sweeper removes: {@code .<name>.<token>.migrate-tmp} with
     * the mover's token shape (16 lowercase hex digits). {@link #open} refuses a target whose name
     * has this shape, so the transport alone writes such names under the root.
     */
    private static final Pattern TEMP_NAME = Pattern.compile("\\..+\\.[0-9a-f]{16}\\.migrate-tmp");
    /** Longest name component most filesystems accept, in bytes. */
    private static final int NAME_MAX = 255;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 16).asReadOnlyBuffer();
    /** Bytes read to tell a range of data from a range starting with zeros (a hole). */
    private static final int PROBE = 4096;
    /** Granularity of the zeros {@link #copyRange} leaves unwritten: a file system block. */
    private static final int BLOCK = 4096;
    /** Largest mapping held at once to checksum a copied range. */
    private static final long MAP_CHUNK = 32L << 20;

    private final PosixTransport.Endpoint ep;
    private final boolean fsync;
    private final CopyLocks copyLocks;
    private final Clock clock;
    /** Read buffer for {@link #copyRange}, allocated on first use; only the owning thread touches it. */
    private ByteBuffer scratch;

    PosixSession(PosixTransport.Endpoint ep, boolean fsync, CopyLocks copyLocks) {
        this(ep, fsync, copyLocks, Clock.systemUTC());
    }

    /** @param clock what {@link #resume} stamps a resumed temporary file with (the sweeper's clock) */
    PosixSession(PosixTransport.Endpoint ep, boolean fsync, CopyLocks copyLocks, Clock clock) {
        this.ep = ep;
        this.fsync = fsync;
        this.copyLocks = copyLocks;
        this.clock = clock;
    }

    /**
     * @param fileName a file name (no directory)
     * @return whether it has the shape of a temporary file this transport writes, the only names the
     *     stale-upload sweeper removes
     */
    static boolean isTempName(String fileName) {
        return TEMP_NAME.matcher(fileName).matches();
    }

    @Override
    public String endpointId() {
        return ep.id;
    }

    @Override
    public Upload open(String targetKey, String attemptToken, long size, long rangeSize, Map<String, String> metadata) {
        Path rel = relative(targetKey);
        if (isTempName(rel.getFileName().toString())) {
            // the sweeper would remove the committed file a day later: this name is reserved
            throw new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_TARGET_KEY, "target " + targetKey
                    + " has the name of a temporary file (.<name>.<16 hex digits>.migrate-tmp), reserved to the"
                    + " transport: its stale-upload sweeper removes such files", null);
        }
        String tempName = tempName(rel.getFileName().toString(), attemptToken);
        Path relTemp = rel.getParent() == null ? Path.of(tempName) : rel.getParent().resolve(tempName);
        Path temp = ep.root.resolve(relTemp);
        try {
            Files.createDirectories(temp.getParent());
            try {
                Files.createFile(temp);
            } catch (FileAlreadyExistsException again) {
                // a retried open of the same attempt: reuse the file
            }
            try (RandomAccessFile raf = new RandomAccessFile(temp.toFile(), "rw")) {
                raf.setLength(size); // sparse: ranges of zeros need not be written
            }
        } catch (IOException e) {
            throw PosixErrors.classify(e, ep, "open " + targetKey);
        }
        return new Upload(targetKey, relTemp.toString(), null, size, rangeSize, metadata);
    }

    @Override
    public RangeReceipt write(Upload upload, long offset, ByteBuffer data, int crc32c) {
        ByteBuffer buf = data.duplicate();
        long length = buf.remaining();
        checkRange(upload, offset, length);
        if (!allZeros(buf)) {
            Path temp = ep.root.resolve(upload.tempKey());
            // WRITE without CREATE: a write after abort fails instead of resurrecting the file.
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                long pos = offset;
                while (buf.hasRemaining()) {
                    pos += ch.write(buf, pos);
                }
            } catch (IOException e) {
                throw PosixErrors.classify(e, ep, "write " + upload.targetKey() + " @" + offset);
            }
        }
        return new RangeReceipt(offset, length, crc32c, null);
    }

    /**
     * Copies the range with {@code sendfile} (an in-kernel copy; JDK 17's
     * {@link FileChannel#transferTo} on Linux) into a channel of the temporary file opened for this
     * call, so concurrent ranges of one file each write at their own file offset, then checksums
     * the range through a read-only mapping of the temporary file (never of the source: a source
     * truncated under a mapping would crash the JVM in the checksum). Copies into one file take
     * turns ({@link CopyLocks}); checksums run in parallel. Zeros at the start of the
     * range (all of it for a range in a hole) are not copied: the temporary file is pre-sized
     * sparse, so they read as zeros already and sparse sources stay sparse.
     */
    @Override
    public RangeReceipt copyRange(Upload upload, long offset, FileChannel source, long length) {
        checkRange(upload, offset, length);
        if (length == 0) {
            return new RangeReceipt(offset, 0, 0, null); // CRC32C of nothing
        }
        long end = offset + length;
        long dataStart = offset + leadingZeros(upload, source, offset, length);
        Path temp = ep.root.resolve(upload.tempKey());
        // READ for the mapping; WRITE without CREATE: a copy after abort fails instead of resurrecting the file
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (dataStart < end) {
                // one copy into a file at a time: concurrent ones spin on its inode lock (see CopyLocks)
                copyLocks.withLock(upload.tempKey(), () -> transfer(upload, source, dataStart, end, ch));
            }
            return new RangeReceipt(offset, length, crc32c(ch, offset, length), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(Disposition.PERMANENT, ErrorCode.CANCELLED,
                    "interrupted while waiting to copy into " + upload.targetKey(), e);
        } catch (IOException e) {
            if (!source.isOpen()) {
                // the mover's shared source channel was closed by an interrupt: not the destination's fault
                throw new TransportException(Disposition.PERMANENT, ErrorCode.SOURCE_UNREADABLE,
                        "source of " + upload.targetKey() + " closed while copied: " + e, e);
            }
            if (!readable(source, offset, length)) {
                // sendfile's error does not say which side failed: a bad source must not take the
                // destination out of rotation (FAILOVER) for every other file
                throw new TransportException(Disposition.PERMANENT, ErrorCode.SOURCE_UNREADABLE,
                        "cannot read the source of " + upload.targetKey() + " at " + offset + ": " + e, e);
            }
            throw PosixErrors.classify(e, ep, "copy " + upload.targetKey() + " @" + offset);
        }
    }

    /** Reads the source range once more (only after a failed copy) to tell a source error from a destination one. */
    private boolean readable(FileChannel source, long offset, long length) {
        ByteBuffer buf = scratch();
        try {
            for (long pos = offset, end = offset + length; pos < end; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                int n = source.read(buf, pos);
                if (n < 0) {
                    return true; // shorter than the range: the copy reports that as SOURCE_CHANGED
                }
                pos += n;
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Copies source bytes [from, end) to the same offsets of {@code ch}, in as many calls as it takes. */
    private static void transfer(Upload upload, FileChannel source, long from, long end, FileChannel ch)
            throws IOException {
        long pos = from;
        int idle = 0;
        while (pos < end) {
            // sendfile writes at the destination channel's position: ours alone, opened for this call
            ch.position(pos);
            long n = source.transferTo(pos, end - pos, ch);
            if (n > 0) {
                pos += n;
                idle = 0;
            } else if (source.size() < end) {
                throw sourceChanged(upload, source.size());
            } else if (++idle >= 3) {
                throw new TransportException(Disposition.RETRY, ErrorCode.TRANSPORT_FAILED,
                        "copy of " + upload.targetKey() + " made no progress at " + pos, null);
            }
        }
    }

    /**
     * How many bytes at the start of the range are zeros, rounded down to whole 4 KiB blocks (all
     * of it if the range is zeros). Reads a 4 KiB probe first, so a range of data costs one small
     * read; only a range starting with zeros is read further, 64 KiB at a time, as far as its zeros go.
     */
    private long leadingZeros(Upload upload, FileChannel source, long offset, long length) {
        ByteBuffer buf = scratch();
        long zeros = 0;
        try {
            while (zeros < length) {
                int want = (int) Math.min(length - zeros, zeros == 0 ? PROBE : buf.capacity());
                buf.clear().limit(want);
                while (buf.hasRemaining()) {
                    if (source.read(buf, offset + zeros + buf.position()) < 0) {
                        throw sourceChanged(upload, source.size());
                    }
                }
                buf.flip();
                int at = buf.mismatch(ZEROS.duplicate().limit(want));
                if (at >= 0) {
                    return (zeros + at) / BLOCK * BLOCK;
                }
                zeros += want;
            }
            return length;
        } catch (IOException e) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.SOURCE_UNREADABLE,
                    "cannot read the source of " + upload.targetKey() + ": " + e, e);
        }
    }

    /**
     * The CRC32C of bytes [offset, offset + length) of our temporary file, through read-only
     * mappings of at most {@link #MAP_CHUNK} released at once; by reading where the file system
     * cannot map.
     */
    private int crc32c(FileChannel ch, long offset, long length) throws IOException {
        CRC32C crc = new CRC32C();
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long n = Math.min(end - pos, MAP_CHUNK);
            MappedByteBuffer map;
            try {
                map = ch.map(FileChannel.MapMode.READ_ONLY, pos, n);
            } catch (IOException | UnsupportedOperationException e) {
                log.debug("endpoint {}: cannot map the temporary file ({}); checksumming by reading", ep.id,
                        e.toString());
                return crc32cByReading(crc, ch, pos, end);
            }
            try {
                crc.update(map);
            } finally {
                Unmapper.unmap(map);
            }
            pos += n;
        }
        return (int) crc.getValue();
    }

    private int crc32cByReading(CRC32C crc, FileChannel ch, long from, long end) throws IOException {
        ByteBuffer buf = scratch();
        long pos = from;
        while (pos < end) {
            buf.clear().limit((int) Math.min(end - pos, buf.capacity()));
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("temporary file ended at " + pos + ", expected " + end + " bytes");
            }
            buf.flip();
            crc.update(buf);
            pos += n;
        }
        return (int) crc.getValue();
    }

    /** This session's small read buffer (sessions belong to one thread). */
    private ByteBuffer scratch() {
        if (scratch == null) {
            scratch = ByteBuffer.allocateDirect(ZEROS.capacity());
        }
        return scratch;
    }

    private static TransportException sourceChanged(Upload upload, long sourceSize) {
        return new TransportException(Disposition.PERMANENT, ErrorCode.SOURCE_CHANGED, "source of "
                + upload.targetKey() + " shrank to " + sourceSize + " bytes while copied", null);
    }

    private static void checkRange(Upload upload, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > upload.size()) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_REQUEST,
                    "range " + offset + "+" + length + " outside file of " + upload.size() + " bytes", null);
        }
    }

    @Override
    public void complete(Upload upload, List<RangeReceipt> ranges, int crc32c) {
        Path temp = ep.root.resolve(upload.tempKey());
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (size != upload.size()) {
                throw new TransportException(Disposition.PERMANENT, ErrorCode.CHECKSUM_MISMATCH,
                        "temporary file of " + upload.targetKey() + " has " + size + " bytes, expected " + upload.size(),
                        null);
            }
            if (fsync) {
                ch.force(true);
            }
        } catch (IOException e) {
            throw PosixErrors.classify(e, ep, "complete " + upload.targetKey());
        }
    }

    @Override
    public void commit(Upload upload, Map<String, String> metadata) {
        commit(upload, metadata, CommitGuard.unconditional());
    }

    /**
     * The commit, fenced by {@code guard}; the unconditional commit is the same path without a check
     * (one copy of the temporary-file and fsync handling). {@link CommitGuard#absent()} is enforced atomically: the temporary file is
     * hard-linked to the final name ({@code link(2)} fails with {@code EEXIST} instead of replacing,
     * also across NFS clients), then its temporary name removed. {@link CommitGuard#matches} is
     * checked, not enforced: the target's identity (device, inode, size, mtime, ctime) is compared
     * immediately before the {@code rename}, and a writer that replaces the target between that
     * comparison and the rename is overwritten: POSIX has no rename that replaces only a given
     * inode. The mover re-checks task ownership just before calling this. See
     * {@code docs/failure-modes.md}, "Fencing the data".
     *
     * @throws TransportException TARGET_CONFLICT (PERMANENT) if the target is not what the guard
     *     requires; the temporary file is kept for another commit or the abort
     */
    @Override
    public void commit(Upload upload, Map<String, String> metadata, CommitGuard guard) {
        Path temp = ep.root.resolve(upload.tempKey());
        Path target = ep.root.resolve(relative(upload.targetKey()));
        try {
            if (!Files.exists(temp, LinkOption.NOFOLLOW_LINKS)) {
                if (alreadyCommitted(target, upload, metadata)) {
                    return; // an earlier commit went through although it reported an error
                }
                throw new UploadGoneException("temporary file of " + upload.targetKey() + " vanished before commit",
                        null);
            }
            applyMetadata(temp, metadata);
            Files.createDirectories(target.getParent());
            if (guard.kind() == CommitGuard.Kind.ABSENT && linkIfAbsent(temp, target, upload)) {
                deleteTemp(temp);
            } else {
                if (guard.kind() != CommitGuard.Kind.UNCONDITIONAL) {
                    String now = identity(target);
                    if (!guard.admits(now == null ? Optional.empty()
                            : Optional.of(new TargetStat(0, Map.of(), now)))) {
                        throw conflict(upload, guard, now);
                    }
                }
                // the window no POSIX rename closes: a writer between the check above and this call is overwritten
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            if (fsync) {
                fsyncDirectory(target.getParent());
            }
        } catch (IOException e) {
            throw PosixErrors.classify(e, ep, "commit " + upload.targetKey());
        }
    }

    /**
     * Hard-links the temporary file to the final name, which must not exist.
     *
     * @return true if linked; false if the filesystem has no hard links (the caller checks and renames)
     * @throws TransportException TARGET_CONFLICT if the name exists (and is not our own file: a
     *     retransmitted NFS link that took effect)
     */
    private boolean linkIfAbsent(Path temp, Path target, Upload upload) throws IOException {
        try {
            Files.createLink(target, temp);
            return true;
        } catch (FileAlreadyExistsException e) {
            if (sameFile(target, temp)) {
                return true;
            }
            throw conflict(upload, CommitGuard.absent(), identity(target));
        } catch (UnsupportedOperationException e) {
            return false;
        } catch (FileSystemException e) {
            if (e instanceof NoSuchFileException || e instanceof java.nio.file.AccessDeniedException) {
                throw e;
            }
            // EPERM/EMLINK/EXDEV on filesystems without hard links (some FUSE, SMB): check and rename
            log.debug("endpoint {}: no hard link for {} ({}); checking and renaming", ep.id, target, e.toString());
            return false;
        }
    }

    private void deleteTemp(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            log.warn("endpoint {}: committed, but could not remove the temporary name {}: {}", ep.id, temp,
                    e.toString());
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private static TransportException conflict(Upload upload, CommitGuard guard, String now) {
        return new TransportException(Disposition.PERMANENT, ErrorCode.TARGET_CONFLICT, "target "
                + upload.targetKey() + " changed since the attempt began (expected " + guard + ", found "
                + (now == null ? "nothing" : now) + "); not committed", null);
    }

    /**
     * The {@link TargetStat#version()} of a POSIX target: device, inode, size, mtime and ctime,
     * without following a symlink. A rename onto the name changes the inode; a rewrite in place
     * changes size, mtime or ctime.
     *
     * @return the token, or null if nothing (or no regular file) is there
     */
    static String identity(Path target) throws IOException {
        try {
            Map<String, Object> a = Files.readAttributes(target, "unix:dev,ino,size,lastModifiedTime,ctime,isRegularFile",
                    LinkOption.NOFOLLOW_LINKS);
            if (!Boolean.TRUE.equals(a.get("isRegularFile"))) {
                return null;
            }
            return "d" + a.get("dev") + ".i" + a.get("ino") + ".s" + a.get("size") + ".m"
                    + ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS) + ".c"
                    + ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            try {
                BasicFileAttributes b = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!b.isRegularFile()) {
                    return null;
                }
                return b.fileKey() + ".s" + b.size() + ".m" + b.lastModifiedTime().to(TimeUnit.NANOSECONDS);
            } catch (NoSuchFileException e) {
                return null;
            }
        }
    }

    /**
     * The recorded ranges the temporary file still holds: it is one of ours (a temporary name next
     * to the target, a regular file of the upload's size) and each range's bytes have the recorded
     * CRC32C (read back here, through the same mappings as {@link #copyRange}'s checksum). The file
     * is stamped changed now (its mtime set, which sets its ctime) before it is read: a run may
     * resume a file no run wrote for almost the stale-upload age, and the sweeper, which ages files
     * by their last change, must not take it from under the resumed run. If the sweeper removed it
     * already, nothing is resumed ({@link Optional#empty()}) and the mover starts the file over.
     */
    @Override
    public Optional<List<RangeReceipt>> resume(Upload upload, List<RangeReceipt> recorded) {
        Path rel = relative(upload.targetKey());
        Path relTemp;
        try {
            relTemp = relative(upload.tempKey());
        } catch (TransportException e) {
            return Optional.empty();
        }
        String name = relTemp.getFileName().toString();
        if (!java.util.Objects.equals(rel.getParent(), relTemp.getParent()) || !name.startsWith(".")
                || !name.endsWith(TEMP_SUFFIX)) {
            return Optional.empty(); // a ledger naming something that is not our temporary file
        }
        Path temp = ep.root.resolve(relTemp);
        try {
            BasicFileAttributes a = Files.readAttributes(temp, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile() || a.size() != upload.size()) {
                return Optional.empty();
            }
            // a regular file (checked just above, without following links): stamp it in use
            Files.getFileAttributeView(temp, java.nio.file.attribute.BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).setTimes(FileTime.from(clock.instant()), null, null);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw PosixErrors.classify(e, ep, "resume " + upload.targetKey());
        }
        List<RangeReceipt> held = new java.util.ArrayList<>();
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            for (RangeReceipt r : recorded) {
                checkRange(upload, r.offset(), r.length());
                if (crc32c(ch, r.offset(), r.length()) == r.crc32c()) {
                    held.add(r);
                }
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw PosixErrors.classify(e, ep, "resume " + upload.targetKey());
        }
        return Optional.of(held);
    }

    @Override
    public void abort(Upload upload) {
        Path temp = ep.root.resolve(upload.tempKey());
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            log.debug("endpoint {}: could not delete {}: {}", ep.id, temp, e.toString());
        }
    }

    @Override
    public Optional<TargetStat> stat(String key) {
        Path target = ep.root.resolve(relative(key));
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw PosixErrors.classify(e, ep, "stat " + key);
        }
        if (!attrs.isRegularFile()) {
            return Optional.empty();
        }
        Map<String, String> meta = new HashMap<>();
        if (ep.xattrs.get()) {
            try {
                UserDefinedFileAttributeView view =
                        Files.getFileAttributeView(target, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                if (view == null) {
                    ep.xattrs.set(false);
                } else {
                    for (String name : view.list()) {
                        if (name.startsWith("migrate-")) {
                            ByteBuffer b = ByteBuffer.allocate(view.size(name));
                            view.read(name, b);
                            b.flip();
                            meta.put(name, StandardCharsets.UTF_8.decode(b).toString());
                        }
                    }
                }
            } catch (IOException | UnsupportedOperationException e) {
                if (!unsupported(e)) {
                    throw PosixErrors.classify((IOException) e, ep, "stat " + key);
                }
                ep.xattrs.set(false);
            }
        }
        if (!ep.xattrs.get()) {
            // Fallback without extended attributes: size and mtime are all we can compare.
            meta.put(MetadataKeys.MTIME_NANOS, Long.toString(attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
        }
        String version;
        try {
            version = identity(target);
        } catch (IOException e) {
            throw PosixErrors.classify(e, ep, "stat " + key);
        }
        if (version == null) {
            return Optional.empty(); // removed while we looked
        }
        return Optional.of(new TargetStat(attrs.size(), meta, version));
    }

    @Override
    public void close() {
        // nothing held between calls
    }

    private boolean alreadyCommitted(Path target, Upload upload, Map<String, String> metadata) {
        Optional<TargetStat> st = stat(upload.targetKey());
        if (st.isEmpty() || st.get().size() != upload.size()) {
            return false;
        }
        String want = metadata.get(MetadataKeys.FINGERPRINT);
        String have = st.get().metadata().get(MetadataKeys.FINGERPRINT);
        if (want != null && have != null) {
            return want.equals(have);
        }
        String mtime = metadata.get(MetadataKeys.MTIME_NANOS);
        return mtime != null && mtime.equals(st.get().metadata().get(MetadataKeys.MTIME_NANOS));
    }

    private void applyMetadata(Path temp, Map<String, String> metadata) throws IOException {
        if (ep.xattrs.get()) {
            try {
                UserDefinedFileAttributeView view =
                        Files.getFileAttributeView(temp, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                if (view == null) {
                    ep.xattrs.set(false);
                } else {
                    for (Map.Entry<String, String> e : metadata.entrySet()) {
                        view.write(e.getKey(), StandardCharsets.UTF_8.encode(e.getValue()));
                    }
                }
            } catch (IOException | UnsupportedOperationException e) {
                if (!unsupported(e)) {
                    throw e instanceof IOException io ? io : new IOException(e);
                }
                log.info("endpoint {}: no user extended attributes at {}; target files are recognised by size and"
                        + " mtime only", ep.id, ep.root);
                ep.xattrs.set(false);
            }
        }
        String mode = metadata.get(MetadataKeys.MODE);
        if (mode != null) {
            try {
                Files.setPosixFilePermissions(temp, permissions(Integer.parseInt(mode, 8)));
            } catch (UnsupportedOperationException | NumberFormatException e) {
                log.debug("endpoint {}: mode {} not applied: {}", ep.id, mode, e.toString());
            }
        }
        String mtime = metadata.get(MetadataKeys.MTIME_NANOS);
        if (mtime != null) {
            try {
                Files.setLastModifiedTime(temp, FileTime.from(Long.parseLong(mtime), TimeUnit.NANOSECONDS));
            } catch (NumberFormatException e) {
                log.debug("endpoint {}: bad mtime {}", ep.id, mtime);
            }
        }
    }

    private static boolean unsupported(Exception e) {
        return e instanceof UnsupportedOperationException
                || (e instanceof FileSystemException && String.valueOf(e.getMessage()).contains("not supported"));
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - p.ordinal()))) != 0) {
                set.add(p);
            }
        }
        return set;
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static boolean allZeros(ByteBuffer buf) {
        ByteBuffer b = buf.duplicate();
        while (b.hasRemaining()) {
            int n = Math.min(b.remaining(), ZEROS.capacity());
            ByteBuffer slice = b.slice().limit(n);
            if (slice.mismatch(ZEROS.duplicate().limit(n)) != -1) {
                return false;
            }
            b.position(b.position() + n);
        }
        return true;
    }

    /** Validates a target key and returns it as a relative path below the endpoint root. */
    private Path relative(String key) {
        if (key == null || key.isEmpty() || key.startsWith("/") || key.indexOf('\0') >= 0) {
            throw invalidKey(key);
        }
        for (String seg : key.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw invalidKey(key);
            }
        }
        Path rel = Path.of(key);
        if (!ep.root.resolve(rel).normalize().startsWith(ep.root)) {
            throw invalidKey(key);
        }
        return rel;
    }

    private static TransportException invalidKey(String key) {
        return new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_TARGET_KEY,
                "not a valid relative target path: " + key, null);
    }

    /** {@code .<name>.<token>.migrate-tmp}, with the name shortened (and hashed) when too long. */
    static String tempName(String name, String token) {
        String full = "." + name + "." + token + TEMP_SUFFIX;
        if (full.getBytes(StandardCharsets.UTF_8).length <= NAME_MAX) {
            return full;
        }
        CRC32C crc = new CRC32C();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        String shortName = String.format("%08x", (int) crc.getValue());
        return "." + shortName + "." + token + TEMP_SUFFIX;
    }
}
